"""Reads of lists and entries (Art 22, 24): what the portal publishes, what triggers measures, what staff see.

An entry is *active* — on its list, triggering measures — only while it is published and inside its listing
period: not proposed, notified or decided-but-unpublished, not removed (expiry, repair, revocation), and not
past `expires_on` even before the expiry job has recorded the removal (`active_entry_q`).

Natural persons' entries are not shown on the public portal (Art 19: personal information is published only
where a law requires it); they count in checks and are shown to the subject itself and to staff.

What an organization's public page shows of its lists on a day is `public_list_entries`, as the platform
knows it now or, for disputes (Art 30), as it knew it at the end of that day (`known_on`): one rule for both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.accounts.choices import OrganizationKind
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.lists.choices import EntryAction, EntryState
from xinyong.lists.models import ListDefinition, ListEntry, ListEntryEvent
from xinyong.lists.services import may_manage_list
from xinyong.subjects.choices import SubjectKind
from xinyong.subjects.models import Subject

PUBLIC_PAGE_SIZE = 200
RECENT_REMOVALS = 50


def active_entry_q(on: dt.date, prefix: str = "") -> Q:
    """Entries on their list on `on`: published, listed from on or before it, not yet expired."""
    p = prefix
    return (
        Q(**{f"{p}state": EntryState.PUBLISHED, f"{p}listed_from__lte": on})
        & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gt": on}))
    )


def active_entries(on: dt.date | None = None) -> QuerySet[ListEntry]:
    return ListEntry.objects.filter(active_entry_q(on or timezone.localdate()))


# --- the public portal (Art 22: 向社会公布) --------------------------------------------------------------


def public_list_definitions(on: dt.date | None = None) -> list[ListDefinition]:
    """The published lists, each with `public_count` (organizations on it on `on`) and its measures."""
    day = on or timezone.localdate()
    return list(
        ListDefinition.objects.filter(is_published=True)
        .select_related("responsible_body")
        .prefetch_related("measures")
        .annotate(
            public_count=Count(
                "entries",
                filter=active_entry_q(day, "entries__") & ~Q(entries__subject__kind=SubjectKind.NATURAL_PERSON),
            )
        )
        .order_by("order", "code")
    )


def public_list_definition(code: str) -> ListDefinition:
    definition = (
        ListDefinition.objects.filter(code=code, is_published=True)
        .select_related("responsible_body")
        .prefetch_related("measures")
        .first()
    )
    if definition is None:
        raise NotFoundOrForbidden()
    return definition


def public_entries_of(
    definition: ListDefinition, *, on: dt.date | None = None, query: str = "", limit: int = PUBLIC_PAGE_SIZE,
    offset: int = 0,
) -> list[ListEntry]:
    """Organizations on the list on `on`, newest listing first; `query` matches part of the name."""
    day = on or timezone.localdate()
    queryset = (
        ListEntry.objects.filter(active_entry_q(day), definition=definition)
        .exclude(subject__kind=SubjectKind.NATURAL_PERSON)
        .select_related("subject")
        .order_by("-listed_from", "-id")
    )
    if query:
        queryset = queryset.filter(subject__name__contains=query)
    return list(queryset[offset : offset + limit])


def public_removals_of(definition: ListDefinition, *, limit: int = RECENT_REMOVALS) -> list[ListEntry]:
    """The latest published removals of organizations from the list (Art 22, 24, 31)."""
    return list(
        ListEntry.objects.filter(definition=definition, state=EntryState.REMOVED, removal_published_at__isnull=False)
        .exclude(subject__kind=SubjectKind.NATURAL_PERSON)
        .select_related("subject")
        .order_by("-removal_published_at", "-id")[:limit]
    )


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the platform's time zone: what was recorded before it was known that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


def portal_entry_q(on: dt.date, known_at: dt.datetime) -> Q:
    """Entries the portal showed on `on`, as the platform knew it at `known_at`: published by then, listed from
    on or before `on`, and no removal taking effect on or before `on` recorded by then. The end of the term is
    checked beside it (`_ends_known_at`), since the court may have extended it later."""
    return (
        Q(published_at__isnull=False, published_at__lt=known_at, listed_from__lte=on)
        & (
            Q(removal_published_at__isnull=True) | Q(removal_published_at__gte=known_at)
            | Q(removed_on__isnull=True) | Q(removed_on__gt=on)
        )
    )


def _ends_known_at(entries: list[ListEntry], known_at: dt.datetime) -> dict[int, dt.date | None]:
    """Each entry's end (exclusive) as known at `known_at`: before a later extension by the court, the earlier
    end (kept in the extension step's parameters)."""
    ends = {e.pk: e.expires_on for e in entries}
    if not entries:
        return ends
    later = (
        ListEntryEvent.objects.filter(entry_id__in=list(ends), action=EntryAction.EXTENDED, at__gte=known_at)
        .order_by("entry_id", "at", "id")
        .values_list("entry_id", "parameters")
    )
    seen = set()
    for entry_id, parameters in later:
        if entry_id not in seen:
            seen.add(entry_id)
            previous = (parameters or {}).get("previous_expires_on")
            ends[entry_id] = dt.date.fromisoformat(previous) if previous else None
    return ends


@dataclass(frozen=True)
class PublicListEntry:
    """One list an organization is on, as the portal shows it (for the disclosure engineer's `/org/<uscc>/`)."""

    list_code: str
    list_name: str
    list_kind: str
    list_kind_label: str
    number: str
    listed_from: dt.date
    expires_on: dt.date | None
    reasons: str
    basis: str
    responsible_body: str
    under_objection: bool = False  # 异议中 (Art 28)
    under_repair: bool = False  # 信用修复中 (Art 31)
    decided_on: dt.date | None = None
    state_now: str = ""  # the entry's state today (EntryState), e.g. removed since
    state_now_label: str = ""


def public_list_entries(
    subject: Subject | None, on: dt.date | None = None, *, known_on: dt.date | None = None
) -> list[PublicListEntry]:
    """The published lists `subject` is on on `on` (today by default), for its public page (Art 22), as the
    platform knows it now, or as it knew it at the end of `known_on` (what the page showed that day, Art 30):
    a listing published or removed later, or a term extended later, is then as it was. `expires_on` is the
    end as known then.

    Natural persons get an empty list (Art 19), like a missing subject; so do unpublished lists."""
    if subject is None or subject.kind == SubjectKind.NATURAL_PERSON:
        return []
    day = on or timezone.localdate()
    known_at = end_of_day(known_on) if known_on is not None else timezone.now()
    entries = list(
        ListEntry.objects.filter(portal_entry_q(day, known_at), subject=subject, definition__is_published=True)
        .select_related("definition")
        .defer("notice_pdf")
        .order_by("definition__order", "-listed_from", "id")
    )
    # Known now, nothing was extended after now: the ends are the entries' own.
    ends = _ends_known_at(entries, known_at) if known_on is not None else {e.pk: e.expires_on for e in entries}
    return [
        PublicListEntry(
            list_code=e.definition.code, list_name=e.definition.name, list_kind=e.definition.kind,
            list_kind_label=str(e.definition.get_kind_display()), number=e.number, listed_from=e.listed_from,
            expires_on=ends[e.pk], reasons=e.reasons, basis=e.basis,
            responsible_body=e.definition.responsible_body_name, under_objection=e.under_objection,
            under_repair=e.under_repair, decided_on=e.decided_on, state_now=e.state,
            state_now_label=str(e.get_state_display()),
        )
        for e in entries
        if ends[e.pk] is None or ends[e.pk] > day
    ]


# --- the subject's own notices (Art 24, 29) -------------------------------------------------------------


def notices_of_subject(subject: Subject) -> list[ListEntry]:
    """Entries of the subject for which a written prior notice was served, newest first."""
    return list(
        ListEntry.objects.filter(subject=subject, notice_served_on__isnull=False)
        .select_related("definition")
        .defer("notice_pdf")
        .order_by("-notice_served_on", "-id")
    )


def notice_of_subject(subject: Subject, entry_id: int) -> ListEntry:
    """One of the subject's notices (with its PDF), or NotFoundOrForbidden for any other entry."""
    entry = (
        ListEntry.objects.filter(pk=entry_id, subject=subject, notice_served_on__isnull=False)
        .select_related("definition")
        .first()
    )
    if entry is None:
        raise NotFoundOrForbidden()
    return entry


# --- staff --------------------------------------------------------------------------------------------------


def _restrict(user, queryset: QuerySet[ListEntry]) -> QuerySet[ListEntry]:
    """Entries of the lists the user keeps: all of them for the credit authority, else its own lists."""
    from xinyong.accounts.permissions import Permission, has_permission

    if not has_permission(user, Permission.MANAGE_LISTS) or user.organization is None:
        return queryset.none()
    if user.organization.kind == OrganizationKind.AUTHORITY:
        return queryset
    return queryset.filter(definition__responsible_body=user.organization)


def entries_for_manager(user, *, state: str = "", definition: str = "", limit: int = 200,
                        offset: int = 0) -> list[ListEntry]:
    queryset = _restrict(user, ListEntry.objects.select_related("definition", "subject").defer("notice_pdf"))
    if state:
        queryset = queryset.filter(state=state)
    if definition:
        queryset = queryset.filter(definition__code=definition)
    return list(queryset.order_by("-proposed_at", "-id")[offset : offset + limit])


def entry_for_manager(user, entry_id: int) -> ListEntry:
    """One entry the user keeps, or NotFoundOrForbidden whether it is missing or outside their lists."""
    entry = (
        _restrict(user, ListEntry.objects.select_related("definition", "subject", "decided_by", "proposed_by"))
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFoundOrForbidden()
    return entry


def manageable_definitions(user) -> list[ListDefinition]:
    return [d for d in ListDefinition.objects.select_related("responsible_body") if may_manage_list(user, d)]


def definition_for_manager(user, code: str) -> ListDefinition:
    definition = ListDefinition.objects.select_related("responsible_body").filter(code=code).first()
    if definition is None or not may_manage_list(user, definition):
        raise NotFoundOrForbidden()
    return definition
