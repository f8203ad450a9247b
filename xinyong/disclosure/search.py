"""The public search of organizations (Art 18, 21): by any part of the name, or by the exact USCC.

Natural persons are never searchable (Art 19): only organization kinds are indexed and returned.

On PostgreSQL a name is indexed as its overlapping two-character pieces (bigrams: 承德市华安 → 承德 德市 市华
华安) in a tsvector with a GIN index (`OrganizationSearch`); a query's bigrams are ANDed, and the normalized
name must also contain the query, so a hit is exact and a two-character query (one bigram) works. pg_trgm was
not used: it misses one- and two-character queries and needs a UTF-8 ctype (design, "Chinese search").
SQLite searches the subject's name with a plain `contains` (a one-machine start has few organizations).

Keeping the index in sync (signal-free):
* `search_index_refresh(subject_ids)` re-indexes those subjects; call it after creating or renaming
  subjects (subject services and bulk loaders should; see docs/user/queries-and-authorizations.md).
* `search_index_catch_up()` indexes every subject created since its last run (a high-water mark, so
  subjects created in bulk by ingestion are found without a call); the search runs it when new subjects
  exist, and `xinyong search reindex` runs it or rebuilds the whole index (`--all`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import cached_property

from xinyong.core.identifiers import IdentifierType, validate
from xinyong.disclosure.models import OrganizationSearch, SearchIndexState
from xinyong.subjects.choices import ORGANIZATION_KINDS
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import subject_find_by_identifier

IMPLEMENTS = (
    "Art 19: search_index_refresh, organization_search",
    "Art 21: organization_search, organization_by_uscc",
)

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
PAGE_SIZE = 20
COUNT_CAP = 1000
CATCH_UP_BATCH = 5000
_ORG_KINDS = sorted(ORGANIZATION_KINDS)


def normalize_name(text: str) -> str:
    """A name as the index compares it: NFKC (full-width → half-width), case-folded, without whitespace."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def bigrams(text: str) -> list[str]:
    """The overlapping two-character pieces of a normalized text, each once, in order."""
    if len(text) < 2:
        return [text] if text else []
    return list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))


def _tsquery(pieces: list[str]) -> str:
    # Text cast to tsquery takes quoted lexemes verbatim (no parser, no stemming): each piece is quoted,
    # its quotes doubled and backslashes escaped, and all are ANDed.
    quoted = ("'" + p.replace("\\", "\\\\").replace("'", "''") + "'" for p in pieces)
    return " & ".join(quoted)


# --- the index ----------------------------------------------------------------------------------------------

_UPSERT_PG = (
    "INSERT INTO disclosure_organizationsearch (subject_id, name_normalized, name_bigrams, indexed_at) "
    "VALUES (%s, %s, array_to_tsvector(%s::text[]), %s) ON CONFLICT (subject_id) DO UPDATE SET "
    "name_normalized = EXCLUDED.name_normalized, name_bigrams = EXCLUDED.name_bigrams, "
    "indexed_at = EXCLUDED.indexed_at"
)
_UPSERT_OTHER = (
    "INSERT INTO disclosure_organizationsearch (subject_id, name_normalized, name_bigrams, indexed_at) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (subject_id) DO UPDATE SET "
    "name_normalized = excluded.name_normalized, name_bigrams = excluded.name_bigrams, "
    "indexed_at = excluded.indexed_at"
)


def search_index_refresh(subject_ids) -> int:
    """(Re-)index these subjects: organizations get their current name's bigrams, natural persons never get
    a row (one left by a wrong kind is removed). Returns the number of organizations indexed."""
    ids = sorted({int(i) for i in subject_ids})
    if not ids:
        return 0
    now = timezone.now()
    indexed = 0
    postgres = connection.vendor == "postgresql"
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows, persons = [], []
        for pk, kind, name in Subject.objects.filter(pk__in=chunk).values_list("pk", "kind", "name"):
            if kind not in ORGANIZATION_KINDS:
                persons.append(pk)
                continue
            normalized = normalize_name(name)
            pieces = bigrams(normalized) or [""]
            rows.append((pk, normalized, pieces if postgres else " ".join(pieces), now))
        with transaction.atomic():
            if persons:
                OrganizationSearch.objects.filter(subject_id__in=persons).delete()
            if rows:
                with connection.cursor() as cursor:
                    cursor.executemany(_UPSERT_PG if postgres else _UPSERT_OTHER, rows)
        indexed += len(rows)
    return indexed


def _state() -> SearchIndexState:
    state = SearchIndexState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        try:
            with transaction.atomic():
                SearchIndexState.objects.create(pk=1, last_subject_id=0)
        except IntegrityError:
            pass  # created meanwhile by another process
        state = SearchIndexState.objects.select_for_update().get(pk=1)
    return state


def search_index_pending() -> bool:
    """Whether subjects were created since the last catch-up (one indexed primary-key probe)."""
    last = SearchIndexState.objects.filter(pk=1).values_list("last_subject_id", flat=True).first() or 0
    return Subject.objects.filter(pk__gt=last).exists()


def search_index_catch_up(*, batch: int = CATCH_UP_BATCH, max_batches: int | None = None) -> int:
    """Index the subjects created since the last run, in batches; returns the organizations indexed."""
    total, batches = 0, 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            state = _state()
            ids = list(
                Subject.objects.filter(pk__gt=state.last_subject_id).order_by("pk").values_list("pk", flat=True)[
                    :batch
                ]
            )
            if not ids:
                break
            total += search_index_refresh(ids)
            state.last_subject_id = ids[-1]
            state.save(update_fields=["last_subject_id"])
        batches += 1
    return total


def search_index_rebuild() -> int:
    """Re-index every organization (after a bulk rename or a restore); returns the number indexed."""
    total = 0
    last = 0
    while True:
        ids = list(Subject.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CATCH_UP_BATCH])
        if not ids:
            break
        total += search_index_refresh(ids)
        last = ids[-1]
    with transaction.atomic():
        state = _state()
        state.last_subject_id = max(state.last_subject_id, last)
        state.save(update_fields=["last_subject_id"])
    return total


# --- searching ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResults:
    query: str
    by_identifier: bool
    page: Page | None  # None: no search was run (empty or too short a query)

    @property
    def subjects(self) -> list[Subject]:
        if self.page is None:
            return []
        return [getattr(row, "subject", row) if isinstance(row, OrganizationSearch) else row
                for row in self.page.object_list]

    @property
    def total(self) -> int:
        """The number of matches, counted up to COUNT_CAP + 1 (see `CappedPaginator`)."""
        return self.page.paginator.count if self.page is not None else 0

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 matches: a common two-character piece (有限, 公司) matches a large share of
    a city's organizations, and counting them all costs far more than fetching a page (make bench
    BENCH=query). Nobody pages past a thousand names; the page says "more than 1000" and asks for more
    characters."""

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            return object_list[: COUNT_CAP + 1].count()
        return len(object_list)


def query_as_uscc(query: str) -> str | None:
    """The query as a valid USCC (normalized), or None: a USCC is searched exactly, through the blind index."""
    result = validate(IdentifierType.USCC, query)
    return result.value if result.ok else None


def search_query_problem(query: str) -> str | None:
    """Why a query cannot be searched ("too_short", "too_long"), or None."""
    normalized = normalize_name(query)
    if len(normalized) < MIN_QUERY_LENGTH:
        return "too_short"
    if len(query) > MAX_QUERY_LENGTH:
        return "too_long"
    return None


def _by_name(query: str) -> QuerySet:
    """Matches in name order: subjects on SQLite; search-index rows (whose `subject` is fetched per page) on
    PostgreSQL, so that ordering and limiting happen on the index table alone."""
    normalized = normalize_name(query)
    if connection.vendor != "postgresql":
        organizations = Subject.objects.filter(kind__in=_ORG_KINDS).select_related("division")
        return organizations.filter(name__contains=" ".join(query.split())).order_by("name", "pk")
    if search_index_pending():
        search_index_catch_up(max_batches=20)
    return (
        OrganizationSearch.objects.filter(
            RawSQL("name_bigrams @@ %s::tsquery", [_tsquery(bigrams(normalized))], output_field=BooleanField())
        )
        .filter(name_normalized__contains=normalized)
        .order_by("name_normalized", "subject_id")
        .select_related("subject", "subject__division")
    )


def organization_search(query: str, *, page: int = 1, page_size: int = PAGE_SIZE) -> SearchResults:
    """Organizations whose name contains `query` (two characters or more), or the one whose USCC it is.

    Never a natural person (Art 19). Results are ordered by name and paginated; an out-of-range page gives
    the last page.
    """
    query = (query or "").strip()
    if search_query_problem(query):
        return SearchResults(query, False, None)
    uscc = query_as_uscc(query)
    if uscc is not None:
        subject = subject_find_by_identifier(IdentifierType.USCC.value, uscc)
        found = [subject] if subject is not None and subject.kind in ORGANIZATION_KINDS else []
        return SearchResults(query, True, Paginator(found, page_size).get_page(1))
    paginator = CappedPaginator(_by_name(query), page_size)
    return SearchResults(query, False, paginator.get_page(page))


def organization_by_uscc(uscc: str) -> Subject | None:
    """The organization with this USCC, or None (also for anything that is not a valid USCC)."""
    value = query_as_uscc(uscc or "")
    if value is None:
        return None
    subject = subject_find_by_identifier(IdentifierType.USCC.value, value)
    return subject if subject is not None and subject.kind in ORGANIZATION_KINDS else None
