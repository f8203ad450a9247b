"""Reads of authorizations and of the query log (Art 21, 29): the subject's "who read my data", the
grantee's list of authorizations, the console's query statistics, and what an organization's public page
showed on a given day (Art 30 disputes: `public_view_on`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from xinyong.accounts.models import Organization, User
from xinyong.core.masking import mask_name
from xinyong.disclosure.access import GOVERNMENT_KINDS, RecordView, public_record_views
from xinyong.disclosure.choices import AuthorizationStatus
from xinyong.disclosure.models import Authorization, QueryLogEntry
from xinyong.regulation.parameters import parameter

IMPLEMENTS = ("Art 29: reads_of_subject",)

UNUSUAL_READS = "disclosure.unusual_reads_threshold"


def authorization_in_force(authorization: Authorization, day: dt.date | None = None) -> bool:
    day = day or timezone.localdate()
    return authorization.status == AuthorizationStatus.CONFIRMED and authorization.valid_until >= day


def authorizations_of_subject(subject) -> list[Authorization]:
    """Every authorization the subject has drafted, newest first."""
    return list(Authorization.objects.filter(subject=subject).select_related("grantee").order_by("-created_at", "-id"))


def authorizations_granted_to(organization: Organization, *, in_force_only: bool = False) -> QuerySet[Authorization]:
    """Authorizations granted to an organization (its grantee view); pending ones are not shown to it."""
    queryset = (
        Authorization.objects.filter(grantee=organization)
        .exclude(status=AuthorizationStatus.PENDING)
        .select_related("subject")
        .order_by("-created_at", "-id")
    )
    if in_force_only:
        queryset = queryset.filter(status=AuthorizationStatus.CONFIRMED, valid_until__gte=timezone.localdate())
    return queryset


@dataclass(frozen=True)
class ReadView:
    """One read of the subject's information as the subject sees it (Art 29): the requester's personal name
    is masked, the organization is named."""

    occurred_at: dt.datetime
    organization: str
    requester: str
    mode: str
    mode_label: str
    purpose: str
    categories: list[str]
    result: str
    result_label: str
    record_count: int
    authorization_id: int | None


def _requester_label(entry: QueryLogEntry) -> str:
    user = entry.requester
    if user is None:
        return ""
    if user.kind == "api":
        return "API"
    return mask_name(user.display_name or "") or mask_name(user.username)


def reads_of_subject(subject, *, limit: int = 200) -> list[ReadView]:
    """Who read the subject's information, newest first (every non-public read, served or refused)."""
    entries = (
        QueryLogEntry.objects.filter(subject=subject)
        .select_related("organization", "requester")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return [
        ReadView(
            occurred_at=e.occurred_at,
            organization=e.organization.name if e.organization_id else "",
            requester=_requester_label(e),
            mode=e.mode,
            mode_label=str(e.get_mode_display()),
            purpose=e.purpose,
            categories=list(e.categories),
            result=e.result,
            result_label=str(e.get_result_display()),
            record_count=e.record_count,
            authorization_id=e.authorization_id,
        )
        for e in entries
    ]


# --- statistics (console) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatRow:
    day: dt.date
    organization: str
    mode: str
    mode_label: str
    served: int
    refused: int


@dataclass(frozen=True)
class UnusualReader:
    day: dt.date
    username: str
    organization: str
    subjects: int


@dataclass(frozen=True)
class QueryStatistics:
    start: dt.date
    end: dt.date
    rows: list[StatRow]
    unusual: list[UnusualReader]
    threshold: int
    own_organization_only: bool


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def query_statistics(user, *, start: dt.date, end: dt.date) -> QueryStatistics:
    """Query counts per day, organization and mode, and the accounts that read more distinct subjects in a day
    than `disclosure.unusual_reads_threshold`. Staff of a government body see every organization's queries;
    others (a bank's analysts) only their own organization's."""
    from xinyong.disclosure.choices import QueryMode, QueryResult

    since, until = _day_bounds(start, end)
    entries = QueryLogEntry.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    own_only = user.organization.kind not in GOVERNMENT_KINDS
    if own_only:
        entries = entries.filter(organization_id=user.organization_id)
    day = TruncDate("occurred_at", tzinfo=timezone.get_current_timezone())
    counted = (
        entries.annotate(day=day)
        .values("day", "organization_id", "mode", "result")
        .annotate(n=Count("id"))
        .order_by()
    )
    names = dict(Organization.objects.values_list("pk", "name"))
    table: dict[tuple, dict[str, int]] = {}
    for row in counted:
        key = (row["day"], row["organization_id"], row["mode"])
        table.setdefault(key, {QueryResult.SERVED: 0, QueryResult.REFUSED: 0})[row["result"]] += row["n"]
    rows = [
        StatRow(
            day=key[0], organization=names.get(key[1], "") if key[1] else "", mode=key[2],
            mode_label=str(QueryMode(key[2]).label), served=counts[QueryResult.SERVED],
            refused=counts[QueryResult.REFUSED],
        )
        for key, counts in sorted(table.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1], ""), kv[0][2]),
                                  reverse=True)
    ]
    threshold = int(parameter(UNUSUAL_READS, end).value)
    heavy = (
        entries.filter(requester__isnull=False, subject__isnull=False)
        .annotate(day=day)
        .values("day", "requester_id")
        .annotate(subjects=Count("subject_id", distinct=True))
        .filter(subjects__gt=threshold)
        .order_by("-day", "-subjects")
    )
    heavy = list(heavy)
    users = {u.pk: u for u in User.objects.filter(pk__in={h["requester_id"] for h in heavy}).select_related("organization")}
    unusual = [
        UnusualReader(
            day=h["day"], username=users[h["requester_id"]].username,
            organization=users[h["requester_id"]].organization.name if users[h["requester_id"]].organization_id else "",
            subjects=h["subjects"],
        )
        for h in heavy
    ]
    return QueryStatistics(start, end, rows, unusual, threshold, own_only)


# --- what the public page showed on a day (Art 18, 22, 30) ---------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class PublicViewOn:
    """An organization's public page as it was on `on`, as the platform knew it at the end of that day: the
    records (`RecordView`, each by the revision current then) and the list entries (`PublicListEntry`, with
    the end of the term as known then) that anyone could see. For today it is the public page itself."""

    subject: object
    on: dt.date
    records: list[RecordView]
    list_entries: list

    def lines(self) -> list[dict]:
        """One JSON-ready dict per thing shown; `publication_end` is exclusive, `status` is the state shown that
        day and `status_now` today's (a record withdrawn or repaired since, an entry removed since)."""
        lines = [
            {
                "type": "record", "item": v.item_code, "item_name": v.item_name,
                "document_number": v.document_number, "decision_date": _iso(v.decision_date),
                "publication_start": _iso(v.publication_start), "publication_end": _iso(v.publication_end),
                "status": v.revision.status, "status_now": v.record.status, "revision": v.revision.number,
                "provider": v.provider_name,
            }
            for v in self.records
        ]
        lines += [
            {
                "type": "list_entry", "item": e.list_code, "item_name": e.list_name, "document_number": e.number,
                "decision_date": _iso(e.decided_on), "publication_start": _iso(e.listed_from),
                "publication_end": _iso(e.expires_on), "status": "published", "status_now": e.state_now,
                "provider": e.responsible_body,
            }
            for e in self.list_entries
        ]
        return lines


def public_view_on(subject, on: dt.date) -> PublicViewOn:
    """What anyone could see on the organization's public page on `on` (Art 18, 22), as the platform knew it at
    the end of that day: a record received later is not shown; one withdrawn, corrected or repaired later is
    shown as it was, with the publication window of the revision current then; list entries published by
    then and not yet removed or expired that day. Natural persons: nothing (Art 19).

    The same rules as the public page (`public_record_views`, `public_list_entries`), only with the day's
    knowledge; not logged, like every public read — staff read it through the access function (official
    query, `as_public_on`)."""
    # The lists (a higher app) publish their entries on the organization's page, as the page view does.
    from xinyong.lists.selectors import public_list_entries

    return PublicViewOn(
        subject=subject, on=on,
        records=public_record_views(subject, on, known_on=on),
        list_entries=public_list_entries(subject, on, known_on=on),
    )
