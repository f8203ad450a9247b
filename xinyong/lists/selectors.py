"""Reads of lists and entries (Art 22, 24): what the portal publishes, what triggers measures, what staff see.

An entry is *active* — on its list, triggering measures — only while it is published and inside its listing
period: not proposed, notified or decided-but-unpublished, not removed (expiry, repair, revocation), and not
past `expires_on` even before the expiry job has recorded the removal (`active_entry_q`).

Natural persons' entries are not shown on the public portal (Art 19: personal information is published only
where a law requires it); they count in checks and are shown to the subject itself and to staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.accounts.choices import OrganizationKind
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.lists.choices import EntryState
from xinyong.lists.models import ListDefinition, ListEntry
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


def public_list_entries(subject: Subject | None, on: dt.date | None = None) -> list[PublicListEntry]:
    """The published lists `subject` is on on `on` (today by default), for its public page (Art 22).

    Natural persons get an empty list (Art 19), like a missing subject; so do unpublished lists. One query."""
    if subject is None or subject.kind == SubjectKind.NATURAL_PERSON:
        return []
    day = on or timezone.localdate()
    entries = (
        ListEntry.objects.filter(active_entry_q(day), subject=subject, definition__is_published=True)
        .select_related("definition")
        .order_by("definition__order", "-listed_from", "id")
    )
    return [
        PublicListEntry(
            list_code=e.definition.code, list_name=e.definition.name, list_kind=e.definition.kind,
            list_kind_label=str(e.definition.get_kind_display()), number=e.number, listed_from=e.listed_from,
            expires_on=e.expires_on, reasons=e.reasons, basis=e.basis,
            responsible_body=e.definition.responsible_body_name, under_objection=e.under_objection,
            under_repair=e.under_repair,
        )
        for e in entries
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
