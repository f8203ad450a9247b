"""Reads for measures, checks and cases (Art 22–26, 33).

The credit check reads set-based: identifiers are resolved through the blind index in bulk
(`subjects_by_index`), the active entries of all subjects come from one query per chunk
(`active_entries_of`), and measures are joined in memory from one small catalog read (`measure_catalog`) —
the number of queries does not grow with the number of subjects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.lists.models import ListEntry, ListEntryPerson, entry_number
from xinyong.lists.selectors import active_entry_q
from xinyong.measures.choices import PUNISHMENT_BASIS_LEVELS, MeasureCaseStatus, MeasureKind, Scenario
from xinyong.measures.models import CheckLog, Measure, MeasureCase
from xinyong.subjects.models import Subject

# PostgreSQL takes up to 65,535 parameters; SQLite as Django configures it 999.
_PG_CHUNK = 10_000


def _chunks(values: list, size: int | None = None) -> Iterator[list]:
    size = size or connection.features.max_query_params or _PG_CHUNK
    size = min(size, _PG_CHUNK)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- the measure catalog ----------------------------------------------------------------------------------


def measure_applicable(measure: Measure) -> bool:
    """A measure is applied only with a legal basis, and a punishment only with one of law, regulation or
    national rules (Art 24). The database refuses a measure without a basis; this holds even if one slipped in."""
    return _applicable(measure.kind, measure.basis_level, measure.legal_basis, measure.is_active)


def _applicable(kind: str, basis_level: str, legal_basis: str, is_active: bool) -> bool:
    if not is_active or not (legal_basis or "").strip() or not basis_level:
        return False
    return kind != MeasureKind.PUNISHMENT or basis_level in PUNISHMENT_BASIS_LEVELS


@dataclass(slots=True)
class MeasureRow:
    id: int
    code: str
    name: str
    kind: str
    basis_level: str
    legal_basis: str
    implementing_bodies_note: str
    proportionality_notes: str
    applies_to_related_persons: bool
    order: int


@dataclass
class MeasureCatalog:
    """The measures of one scenario, by the list that triggers them."""

    scenario: str
    by_list: dict[int, list[MeasureRow]] = field(default_factory=dict)
    lists: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (code, name)
    related_list_ids: set[int] = field(default_factory=set)

    @property
    def list_ids(self) -> list[int]:
        return sorted(self.by_list)

    @property
    def kinds(self) -> set[str]:
        return {m.kind for rows in self.by_list.values() for m in rows}


def measure_catalog(scenario: Scenario | str) -> MeasureCatalog:
    """The applicable measures of a scenario with the lists that trigger them, in one query (the catalog is a
    few dozen rows; the scenario is filtered here, since a JSON list is not searchable the same way on both
    databases)."""
    catalog = MeasureCatalog(scenario=str(scenario))
    through = Measure.triggering_lists.through.objects.filter(measure__is_active=True).values_list(
        "listdefinition_id", "listdefinition__code", "listdefinition__name", "measure_id", "measure__code",
        "measure__name", "measure__kind", "measure__basis_level", "measure__legal_basis",
        "measure__implementing_bodies_note", "measure__proportionality_notes",
        "measure__applies_to_related_persons", "measure__order", "measure__scenarios", "measure__is_active",
    )
    for (definition_id, list_code, list_name, measure_id, code, name, kind, basis_level, legal_basis, bodies,
         notes, related, order, scenarios, is_active) in through:
        if str(scenario) not in (scenarios or []) or not _applicable(kind, basis_level, legal_basis, is_active):
            continue
        row = MeasureRow(measure_id, code, name, kind, basis_level, legal_basis, bodies, notes, related, order)
        catalog.by_list.setdefault(definition_id, []).append(row)
        catalog.lists[definition_id] = (list_code, list_name)
        if related:
            catalog.related_list_ids.add(definition_id)
    for measures_of_list in catalog.by_list.values():
        measures_of_list.sort(key=lambda m: (m.order, m.code))
    return catalog


def measures_published() -> list[Measure]:
    """Every measure in force, with its lists and implementing bodies, for the portal and the console."""
    return list(
        Measure.objects.filter(is_active=True).prefetch_related("triggering_lists", "implementing_bodies")
        .order_by("order", "code")
    )


def measure_get(code: str) -> Measure:
    measure = Measure.objects.filter(code=code).prefetch_related("triggering_lists", "implementing_bodies").first()
    if measure is None:
        raise NotFoundOrForbidden()
    return measure


# --- set-based resolution for the check ----------------------------------------------------------------------


@dataclass(slots=True)
class SubjectRow:
    id: int
    identifier_type: str
    kind: str
    name: str
    identifier_masked: str


_CASTS = frozenset({"", "::bigint[]"})


def _any_of(column: str, values: list, cast: str = "") -> RawSQL:
    """PostgreSQL: `column = ANY(…)` with the whole list as ONE parameter (a comma-joined string split by the
    server), instead of one parameter per value: 10,000 placeholders cost more to send and parse than the
    lookup itself. Values are blind indexes (hex) or integers, so they never contain a comma."""
    if cast not in _CASTS:
        raise ValueError(f"unexpected cast {cast!r}")
    # `column` and `cast` are constants of this module; the values travel as a bound parameter.
    return RawSQL(f"{column} = ANY(string_to_array(%s, ','){cast})", [",".join(map(str, values))],  # noqa: S611
                  output_field=BooleanField())


def _in(queryset: QuerySet, field: str, column: str, values: list, cast: str = "") -> Iterator[QuerySet]:
    """`queryset` filtered to `field` in `values`, as few queries as the database allows."""
    if connection.vendor == "postgresql":
        yield queryset.filter(_any_of(column, values, cast))
        return
    for chunk in _chunks(values):
        yield queryset.filter(**{f"{field}__in": chunk})


# PostgreSQL: one index probe per identifier. Written as a LATERAL subquery (LIMIT 1: the pair is unique) so
# that the planner cannot turn it into a scan of the whole table, which it prefers for large batches and which
# grows with the table instead of with the batch.
_SUBJECTS_BY_INDEX_SQL = (
    "SELECT s.id, s.identifier_index, s.kind, s.name, s.identifier_masked "
    "FROM unnest(string_to_array(%s, ',')) AS wanted(identifier_index) "
    "CROSS JOIN LATERAL (SELECT id, identifier_index, kind, name, identifier_masked FROM subjects_subject "
    "WHERE identifier_type = %s AND identifier_index = wanted.identifier_index LIMIT 1) AS s"
)


def subjects_by_index(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], SubjectRow]:
    """Subjects by (identifier type, blind index): one query per identifier type (per chunk on SQLite), each
    an index probe per identifier on the unique index `subjects_subject_unique_identifier`."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for id_type, index in pairs:
        by_type[id_type].add(index)
    found: dict[tuple[str, str], SubjectRow] = {}
    for id_type, indexes in sorted(by_type.items()):
        if connection.vendor == "postgresql":
            # Blind indexes are hex digits: the comma-joined list is one bound parameter.
            with connection.cursor() as cursor:
                cursor.execute(_SUBJECTS_BY_INDEX_SQL, [",".join(indexes), id_type])
                rows = cursor.fetchall()
        else:
            rows = [
                row
                for chunk in _chunks(sorted(indexes))
                for row in Subject.objects.filter(identifier_type=id_type, identifier_index__in=chunk).values_list(
                    "id", "identifier_index", "kind", "name", "identifier_masked"
                )
            ]
        for pk, index, kind, name, masked in rows:
            found[(id_type, index)] = SubjectRow(pk, id_type, kind, name, masked)
    return found


@dataclass(slots=True)
class EntryRow:
    id: int
    number: str
    subject_id: int
    definition_id: int
    listed_from: dt.date
    expires_on: dt.date | None
    # Marks of an open objection or repair application about the entry (Art 28, 31): shown with the hit.
    under_objection: bool = False
    under_repair: bool = False


def active_entries_of(
    subject_ids: Iterable[int], on: dt.date, definition_ids: Iterable[int]
) -> dict[int, list[EntryRow]]:
    """Active entries (published, inside their period) of the subjects on the given lists, by subject.
    Expired, repaired, revoked and not-yet-published entries are not active and never returned."""
    ids, lists = sorted(set(subject_ids)), sorted(set(definition_ids))
    result: dict[int, list[EntryRow]] = defaultdict(list)
    if not ids or not lists:
        return result
    base = ListEntry.objects.filter(active_entry_q(on), definition_id__in=lists).order_by()
    for queryset in _in(base, "subject_id", '"lists_listentry"."subject_id"', ids, "::bigint[]"):
        rows = queryset.values_list("id", "proposed_on", "subject_id", "definition_id", "listed_from", "expires_on",
                                    "under_objection", "under_repair")
        for pk, proposed_on, subject_id, definition_id, listed_from, expires_on, objection, repair in rows:
            result[subject_id].append(
                EntryRow(pk, entry_number(pk, proposed_on), subject_id, definition_id, listed_from, expires_on,
                         objection, repair)
            )
    return result


@dataclass(slots=True)
class RelatedEntryRow:
    entry: EntryRow
    person_id: int
    role: str
    organization_name: str


def related_person_entries_of(
    person_ids: Iterable[int], on: dt.date, definition_ids: Iterable[int]
) -> dict[int, list[RelatedEntryRow]]:
    """Active entries on which the given persons are recorded as related persons (Art 24), by person."""
    ids, lists = sorted(set(person_ids)), sorted(set(definition_ids))
    result: dict[int, list[RelatedEntryRow]] = defaultdict(list)
    if not ids or not lists:
        return result
    base = ListEntryPerson.objects.filter(active_entry_q(on, "entry__"), entry__definition_id__in=lists).order_by()
    for queryset in _in(base, "person_id", '"lists_listentryperson"."person_id"', ids, "::bigint[]"):
        rows = queryset.values_list(
            "person_id", "role", "entry_id", "entry__proposed_on", "entry__subject_id", "entry__definition_id",
            "entry__listed_from", "entry__expires_on", "entry__subject__name", "entry__under_objection",
            "entry__under_repair",
        )
        for (person_id, role, pk, proposed_on, subject_id, definition_id, listed_from, expires_on, org, objection,
             repair) in rows:
            entry = EntryRow(pk, entry_number(pk, proposed_on), subject_id, definition_id, listed_from, expires_on,
                             objection, repair)
            result[person_id].append(RelatedEntryRow(entry, person_id, role, org))
    return result


# --- cases and statistics (Art 22, 33) -----------------------------------------------------------------------


def cases_restrict(user, queryset: QuerySet[MeasureCase] | None = None) -> QuerySet[MeasureCase]:
    """Cases the user may see: an implementing department its own; the credit authority's staff with the
    statistics permission every department's; others none."""
    queryset = MeasureCase.objects.all() if queryset is None else queryset
    organization = getattr(user, "organization", None)
    if organization is None:
        return queryset.none()
    if has_permission(user, Permission.VIEW_MEASURE_STATS) and organization.kind == OrganizationKind.AUTHORITY:
        return queryset
    if has_permission(user, Permission.REPORT_FEEDBACK) or has_permission(user, Permission.VIEW_MEASURE_STATS):
        return queryset.filter(organization=organization)
    return queryset.none()


def overdue_q(on: dt.date) -> Q:
    return Q(status=MeasureCaseStatus.OPEN, feedback_due__lt=on)


def cases_for(user, *, status: str = "", overdue: bool = False, on: dt.date | None = None,
              limit: int = 200, offset: int = 0) -> list[MeasureCase]:
    day = on or timezone.localdate()
    queryset = cases_restrict(user).select_related("measure", "subject", "organization", "entry__definition")
    if status:
        queryset = queryset.filter(status=status)
    if overdue:
        queryset = queryset.filter(overdue_q(day))
    return list(queryset.order_by("feedback_due", "-id")[offset : offset + limit])


def case_for(user, case_id: int) -> MeasureCase:
    case = (
        cases_restrict(user)
        .select_related("measure", "subject", "organization", "entry__definition", "check_log", "feedback_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFoundOrForbidden()
    return case


@dataclass(frozen=True)
class CaseStatistics:
    organization_id: int
    organization: str
    measure_id: int
    measure: str
    total: int
    open: int
    applied: int
    not_applied: int
    overdue: int
    late: int


def case_statistics(user, on: dt.date | None = None) -> list[CaseStatistics]:
    """Cases per implementing department and measure: open, applied, not applied, overdue (open past the
    deadline) and answered late (Art 22 feedback; Art 33 counts failures against the department)."""
    day = on or timezone.localdate()
    rows = (
        cases_restrict(user)
        .values("organization_id", "organization__name", "measure_id", "measure__name")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status=MeasureCaseStatus.OPEN)),
            applied=Count("id", filter=Q(status=MeasureCaseStatus.APPLIED)),
            not_applied=Count("id", filter=Q(status=MeasureCaseStatus.NOT_APPLIED)),
            overdue=Count("id", filter=overdue_q(day)),
            late=Count("id", filter=Q(feedback_late=True)),
        )
        .order_by("organization__name", "measure__name")
    )
    return [
        CaseStatistics(
            r["organization_id"], r["organization__name"], r["measure_id"], r["measure__name"], r["total"],
            r["open"], r["applied"], r["not_applied"], r["overdue"], r["late"],
        )
        for r in rows
    ]


def checks_for(user, *, limit: int = 50) -> list[CheckLog]:
    """The latest checks of the user's department (the authority's statistics holders see all)."""
    organization = getattr(user, "organization", None)
    queryset = CheckLog.objects.select_related("requester", "organization")
    if organization is None:
        return []
    if not (has_permission(user, Permission.VIEW_MEASURE_STATS) and organization.kind == OrganizationKind.AUTHORITY):
        if not has_permission(user, Permission.CHECK_SUBJECTS):
            return []
        queryset = queryset.filter(organization=organization)
    return list(queryset.order_by("-requested_at", "-id")[:limit])
