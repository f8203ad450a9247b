"""Reads for the deadline dashboard of objections and credit repair (Art 28, 30, 31, 33 (5)).

Who sees what: `xinyong.rights.selectors.cases_restrict` — the credit authority's staff every department's
cases, a department's staff its own. Every count and list here starts from it.

Due-date buckets of open cases, counted with the working-day calendar on the day `on`:
overdue (the due date, the last day, has passed), due today, due within the next `SOON_WORKING_DAYS` working
days, later, and provisional (a due date counted on weekends alone, waiting for the year's holiday schedule;
domain facts §11). A provisional due date is in no other bucket: like the escalation of the daily job, the
dashboard counts no case overdue against a department (Art 33 (5)) on a date that is not final. The per-department table counts,
for Art 33 (5): open, overdue, escalated (ever), decided late, decided on time, and the average number of
working days from filing to decision.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case as DbCase
from django.db.models import Count, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyong.core.workdays import CalendarRangeError, WorkdayCalendar, current_calendar
from xinyong.rights.choices import CaseKind, CaseStatus
from xinyong.rights.models import Case
from xinyong.rights.selectors import cases_restrict

IMPLEMENTS = ("Art 33: dashboard",)

#: [ours] The "due soon" bucket of the dashboard: a display window chosen for the console, not a legal deadline.
SOON_WORKING_DAYS = 3
OVERDUE_LIST_LIMIT = 200
CASE_LIST_LIMIT = 200

BUCKET_OVERDUE, BUCKET_TODAY, BUCKET_SOON, BUCKET_LATER, BUCKET_NONE = "overdue", "today", "soon", "later", "none"
BUCKETS = (
    (BUCKET_OVERDUE, pgettext_lazy("rights due date", "Overdue")),
    (BUCKET_TODAY, _("Due today")),
    (BUCKET_SOON, _("Due within 3 working days")),
    (BUCKET_LATER, _("Due later")),
    (BUCKET_NONE, _("Provisional deadline (holiday schedule not loaded)")),
)
BUCKET_KEYS = tuple(key for key, _label in BUCKETS)


@dataclass(frozen=True)
class CaseFilters:
    """The dashboard's filters; empty values mean "all". `due` (a bucket) only matches open cases."""

    kind: str = ""
    organization_id: int | None = None
    status: str = ""
    due: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "department": self.organization_id, "status": self.status, "due": self.due}


@dataclass(frozen=True)
class DueBounds:
    """The day the buckets are counted on and the last day of "due soon" (past the loaded years counted on
    weekends alone, as the provisional due dates are; None only for a caller that gives none)."""

    on: dt.date
    soon_until: dt.date | None


def due_bounds(on: dt.date, calendar: WorkdayCalendar | None = None) -> DueBounds:
    calendar = calendar or current_calendar()
    # Past the loaded years "soon" is counted on weekends alone, as the provisional due dates are.
    return DueBounds(on, calendar.deadline(on, SOON_WORKING_DAYS).day)


def bucket_q(bucket: str, bounds: DueBounds) -> Q:
    """The open cases of one due-date bucket."""
    day = bounds.on
    if bucket == BUCKET_NONE:
        return Q(status=CaseStatus.OPEN) & (Q(due_on__isnull=True) | Q(due_on_provisional=True))
    open_ = Q(status=CaseStatus.OPEN, due_on_provisional=False)
    if bucket == BUCKET_OVERDUE:
        return open_ & Q(due_on__lt=day)
    if bucket == BUCKET_TODAY:
        return open_ & Q(due_on=day)
    if bucket == BUCKET_SOON:
        soon = open_ & Q(due_on__gt=day)
        return soon & Q(due_on__lte=bounds.soon_until) if bounds.soon_until else soon
    if bucket == BUCKET_LATER:
        return open_ & Q(due_on__gt=bounds.soon_until) if bounds.soon_until else Q(pk__in=[])
    raise ValueError(f"unknown bucket {bucket!r}")


def bucket_of(case: Case, bounds: DueBounds) -> str | None:
    """The bucket of one case (None when it is not open)."""
    if case.status != CaseStatus.OPEN:
        return None
    if case.due_on is None or case.due_on_provisional:
        return BUCKET_NONE
    if case.due_on < bounds.on:
        return BUCKET_OVERDUE
    if case.due_on == bounds.on:
        return BUCKET_TODAY
    if bounds.soon_until is None or case.due_on <= bounds.soon_until:
        return BUCKET_SOON
    return BUCKET_LATER


def visible_departments(user) -> list[tuple[int, str]]:
    """The departments whose cases the user sees, for the filter: (id, name), by name."""
    return list(
        cases_restrict(user).order_by("organization__name", "organization_id")
        .values_list("organization_id", "organization__name").distinct()
    )


def _scoped(user, filters: CaseFilters) -> QuerySet[Case]:
    """Visible cases of the kind and department filters (the summary tables ignore status and due)."""
    queryset = cases_restrict(user)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.organization_id:
        queryset = queryset.filter(organization_id=filters.organization_id)
    return queryset


def filtered_cases(user, filters: CaseFilters, bounds: DueBounds) -> QuerySet[Case]:
    """The visible cases matching every filter, for the list and the exports: open ones first by due date."""
    queryset = _scoped(user, filters)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.due:
        queryset = queryset.filter(bucket_q(filters.due, bounds))
    open_first = When(status=CaseStatus.OPEN, then=Value(0))
    return queryset.select_related("subject", "organization").order_by(
        DbCase(open_first, default=Value(1)), F("due_on").asc(nulls_last=True), "-filed_on", "-id"
    )


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    counts: dict[str, int]  # status → count
    total: int

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(status, count) in the order of `CaseStatus`."""
        return [(status, self.counts.get(status, 0)) for status in CaseStatus.values]


@dataclass(frozen=True)
class BucketRow:
    key: str
    label: str
    count: int


@dataclass
class DepartmentRow:
    organization_id: int
    name: str
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    decided_late: int = 0
    decided_on_time: int = 0
    average_days: float | None = None  # working days from filing to decision, over the decided cases counted
    uncounted: int = 0  # decided cases whose working days the calendar cannot count (a year not loaded)

    @property
    def decided(self) -> int:
        return self.decided_late + self.decided_on_time


@dataclass
class Dashboard:
    bounds: DueBounds
    kinds: list[KindRow]
    statuses: list[tuple[str, str]]
    buckets: list[BucketRow]
    departments: list[DepartmentRow]
    overdue: list[Case]
    overdue_total: int
    missing_years: list[int] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return sum(b.count for b in self.buckets)


def _kind_status(queryset: QuerySet[Case]) -> list[KindRow]:
    counts: dict[str, dict[str, int]] = {kind: {s: 0 for s in CaseStatus.values} for kind in CaseKind.values}
    for row in queryset.values("kind", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["kind"], {s: 0 for s in CaseStatus.values})[row["status"]] = row["n"]
    return [KindRow(kind, str(CaseKind(kind).label), by_status, sum(by_status.values()))
            for kind, by_status in counts.items() if kind in CaseKind.values]


def _buckets(queryset: QuerySet[Case], bounds: DueBounds) -> list[BucketRow]:
    counts = queryset.aggregate(**{key: Count("id", filter=bucket_q(key, bounds)) for key in BUCKET_KEYS})
    return [BucketRow(key, str(label), counts[key]) for key, label in BUCKETS]


def _departments(queryset: QuerySet[Case], bounds: DueBounds, calendar: WorkdayCalendar) -> tuple[list, set]:
    decided = Q(status=CaseStatus.DECIDED)
    rows = {
        r["organization_id"]: DepartmentRow(
            r["organization_id"], r["organization__name"], r["open"], r["overdue"], r["escalated"], r["late"],
            r["on_time"],
        )
        for r in queryset.values("organization_id", "organization__name").annotate(
            open=Count("id", filter=Q(status=CaseStatus.OPEN)),
            overdue=Count("id", filter=bucket_q(BUCKET_OVERDUE, bounds)),
            escalated=Count("id", filter=Q(escalated_on__isnull=False)),
            late=Count("id", filter=decided & Q(decided_late=True)),
            on_time=Count("id", filter=decided & Q(decided_late=False)),
        ).order_by()
    }
    # Working days to decide: one calendar computation per distinct (filed, decided) pair, not per case.
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # organization → [sum of days, cases counted]
    missing: set[int] = set()
    for r in (queryset.filter(decided, decided_on__isnull=False)
              .values("organization_id", "filed_on", "decided_on").annotate(n=Count("id")).order_by()):
        try:
            days = calendar.working_days_between(r["filed_on"], r["decided_on"])
        except CalendarRangeError as error:
            rows[r["organization_id"]].uncounted += r["n"]
            missing.add(error.year)
            continue
        totals[r["organization_id"]][0] += days * r["n"]
        totals[r["organization_id"]][1] += r["n"]
    for pk, (days, n) in totals.items():
        rows[pk].average_days = days / n if n else None
    return sorted(rows.values(), key=lambda d: (-d.overdue, -d.escalated, d.name)), missing


def dashboard(user, *, on: dt.date, filters: CaseFilters | None = None) -> Dashboard:
    """Everything the dashboard shows for `user` on the day `on`, under the kind and department filters."""
    filters = filters or CaseFilters()
    calendar = current_calendar()
    bounds = due_bounds(on, calendar)
    queryset = _scoped(user, filters)
    departments, missing = _departments(queryset, bounds, calendar)
    overdue = queryset.filter(bucket_q(BUCKET_OVERDUE, bounds))
    return Dashboard(
        bounds=bounds,
        kinds=_kind_status(queryset),
        statuses=[(value, str(label)) for value, label in CaseStatus.choices],
        buckets=_buckets(queryset, bounds),
        departments=departments,
        overdue=list(overdue.select_related("subject", "organization").order_by("due_on", "id")[:OVERDUE_LIST_LIMIT]),
        overdue_total=overdue.count(),
        missing_years=sorted(missing),
    )
