"""The daily deadline run for objections and credit repair (Art 28, 30, 31, 33 (5); domain facts §5, §11).

`cases_run_deadlines` is the rights job of the scheduler (`xinyong scheduler`, `xinyong rights deadlines`). Over
every open case, set-based, in one transaction with ONE audit record (RIGHTS_DEADLINES_RUN):

1. **Provisional deadlines recomputed.** A case filed (or extended) while its deadline ran into a year whose
   holiday schedule was not loaded has a provisional `due_on`, counted on weekends alone
   (`due_on_provisional`; domain facts §11). With the calendar as it now stands the due date is
   ``deadline(filed_on, deadline_days)``, plus ``extended_days`` counted from that original due date; a case
   whose due date becomes final or moves gets a DUE_SET step (a decided case also has `decided_late`
   recomputed). The calendar services do the same at once when a year is loaded
   (`cases_recompute_provisional`); the run is the safety net. A deadline that still runs past the last loaded
   year stays provisional and the case is reported as waiting for the calendar. Cases filed before
   provisional deadlines existed (no `due_on`) get theirs here.
2. **Escalation.** Every open case past its final due date (the due date is the last day, inclusive) that is
   not escalated yet is escalated: `escalated_on` is set, an ESCALATED step is appended, the deciding
   department is told the case is counted against it (Art 33 (5)) and the credit authority receives one
   summary notice. A case is escalated once: running twice the same day (or every day after) escalates
   nothing twice. A provisional due date is never escalated on: being counted against a department
   (Art 33 (5)) waits for the real date, which the next run after the year is loaded applies.
3. **Reminders.** On a working day, each department with open cases due that day or on the next working day
   receives one reminder notice listing them (a provisional date with its mark) — at most one reminder run a
   day, whoever runs the job.

The run uses each case's own `deadline_days` and `extended_days` (the registry values in force when it was
filed and extended); the audit record also names the registry values in force on the day of the run and the
rule version (`decision_basis`). Notices are one per department and one per authority organization, not one
per case, so a run over many cases writes few notices.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField as DbBooleanField
from django.db.models import Count, ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.models import Organization
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_record
from xinyong.core.errors import ServiceError
from xinyong.core.workdays import (
    PROVISIONAL_MARK,
    CalendarRangeError,
    Deadline,
    ProvisionalRecount,
    WorkdayCalendar,
    current_calendar,
)
from xinyong.notifications.services import notice_send
from xinyong.regulation.parameters import decision_basis
from xinyong.rights.choices import CaseAction, CaseKind, CaseStatus
from xinyong.rights.models import Case, CaseEvent

IMPLEMENTS = ("Art 28: cases_run_deadlines", "Art 31: cases_run_deadlines", "Art 33: cases_run_deadlines")

OBJECTION_DEADLINE = "objection.decision_deadline"
OBJECTION_EXTENSION = "objection.extension_maximum"
REPAIR_DEADLINE = "repair.decision_deadline"
REPAIR_EXTENSION = "repair.decision_extension"
#: The registry values the run records in its audit details (with the rule version).
DEADLINE_PARAMETERS = (OBJECTION_DEADLINE, OBJECTION_EXTENSION, REPAIR_DEADLINE, REPAIR_EXTENSION)

#: Articles of each kind of case; escalation adds Art 33 (5) (failing to handle objections and repairs).
KIND_ARTICLES = {CaseKind.OBJECTION: ["Art 28", "Art 30"], CaseKind.REPAIR: ["Art 28", "Art 31"]}
ESCALATION_ARTICLES = ["Art 33"]
RUN_ARTICLES = ["Art 28", "Art 30", "Art 31", "Art 33"]

#: How many case ids one run's audit record names per list (the counts are always complete).
DEADLINE_IDS_IN_AUDIT = 1000
#: How many case numbers one notice names (the count is always complete).
NUMBERS_IN_NOTICE = 50
_IN_CHUNK = 900  # SQLite's bound on the parameters of one statement, with room to spare
_BATCH = 1000
# Serializes concurrent runs on PostgreSQL (a scheduler and an operator's command at the same moment), so that
# the once-a-day reminder check below cannot race. "xyRD" as an integer.
_RUN_LOCK_KEY = 0x78795244

# Timeline notes and notices are official communications, kept in Chinese whatever the operator's language.
ESCALATION_NOTE = "逾期未作出决定，已报送社会信用主管部门督办，计入办理单位履职情况（《承德市社会信用促进条例》第三十三条第五项）。"
DUE_SET_NOTE = "节假日安排录入后确定办理期限。"
DUE_SET_PROVISIONAL_NOTE = "重新计算办理期限（仍为暂定，待节假日安排公布后重新计算）。"
ACTOR_LABEL = "每日期限任务"
CALENDAR_ACTOR_LABEL = "工作日历"
RECOUNT_KEY = "rights.decision_due"
RECOUNT_LABEL = "异议、信用修复办理期限"
_KIND_NAMES = {CaseKind.OBJECTION: "异议", CaseKind.REPAIR: "信用修复"}


@dataclass(frozen=True)
class DeadlineRun:
    """What one run did (ids in full; the audit record names the first `DEADLINE_IDS_IN_AUDIT` of each)."""

    on: dt.date
    open_cases: int
    overdue: int
    due_set: tuple[int, ...]
    waiting: tuple[int, ...]  # open cases whose deadline still runs past the last loaded calendar year
    waiting_years: tuple[int, ...]  # the years the calendar is waiting for
    escalated: tuple[int, ...]
    reminded: tuple[int, ...]
    reminders_sent: bool  # False when today's reminders were already sent by an earlier run, or not a working day
    notices: int

    def as_line(self) -> str:
        waiting = f"{len(self.waiting)} waiting for the calendar"
        if self.waiting_years:
            waiting += f" ({', '.join(str(y) for y in self.waiting_years)})"
        return (
            f"rights: {self.on.isoformat()}: {len(self.due_set)} deadlines set, {waiting}; "
            f"{len(self.escalated)} escalated, {len(self.reminded)} due soon reminded; "
            f"{self.open_cases} open cases, {self.overdue} overdue; {self.notices} notices"
        )

    def as_summary(self) -> dict:
        """For the scheduler's job record."""
        return {
            "on": self.on.isoformat(), "open": self.open_cases, "overdue": self.overdue,
            "due_set": len(self.due_set), "waiting": len(self.waiting), "waiting_years": list(self.waiting_years),
            "escalated": len(self.escalated), "reminded": len(self.reminded), "notices": self.notices,
        }


@dataclass(frozen=True)
class _Row:
    pk: int
    kind: str
    organization_id: int
    filed_on: dt.date
    due_on: dt.date | None
    due_on_provisional: bool = False

    @property
    def number(self) -> str:
        # The model's own property on this row (it reads kind, filed_on and pk), without building a model.
        return Case.number.fget(self)


def due_date(calendar: WorkdayCalendar, filed_on: dt.date, deadline_days: int, extended_days: int | None) -> Deadline:
    """The last day for the decision: `deadline_days` working days after filing, plus an extension counted
    from that original due date; provisional while it runs past the last loaded year (weekends alone)."""
    due = calendar.deadline(filed_on, int(deadline_days))
    if extended_days:
        due = calendar.deadline(due, int(extended_days))
    return due


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start:start + _IN_CHUNK]


def _serialize_runs() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RUN_LOCK_KEY])


_EVENT_COLUMNS = ("case_id", "action", "status_after", "at", "on", "actor_id", "actor_label", "organization_name",
                  "note", "details", "articles", "rule_version")


def _events(rows: Iterable[tuple[int, str, dict] | tuple[int, str, dict, str, str]], *, action: str, day: dt.date,
            now: dt.datetime, actor, note: str, rule_version: str, extra_articles: list[str],
            actor_label: str = ACTOR_LABEL) -> None:
    """One timeline step per case: (case id, kind, details[, status after, note]). COPY on PostgreSQL (the
    table only takes inserts), a bulk insert elsewhere."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    label = getattr(actor, "username", "") or actor_label
    rows = [(*row, CaseStatus.OPEN.value, note) if len(row) == 3 else row for row in rows]
    articles = {kind: sorted({*KIND_ARTICLES[kind], *extra_articles}) for kind in KIND_ARTICLES}
    if connection.vendor == "postgresql":
        columns = ", ".join(f'"{c}"' for c in _EVENT_COLUMNS)
        dumped = {kind: json.dumps(value) for kind, value in articles.items()}
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY {CaseEvent._meta.db_table} ({columns}) FROM STDIN"
        ) as copy:
            for pk, kind, details, status, text in rows:
                copy.write_row((pk, action, status, now, day, actor_id, label, "", text,
                                json.dumps(details, ensure_ascii=False), dumped[kind], rule_version))
        return
    CaseEvent.objects.bulk_create(
        (
            CaseEvent(case_id=pk, action=action, status_after=status, at=now, on=day, actor_id=actor_id,
                      actor_label=label, note=text, details=details, articles=articles[kind],
                      rule_version=rule_version)
            for pk, kind, details, status, text in rows
        ),
        batch_size=_BATCH,
    )


@dataclass(frozen=True)
class _Recount:
    final: list[int]  # due date now final (was provisional, or missing)
    moved: list[int]  # due date changed (final or still provisional)
    waiting: list[int]  # open cases whose due date is still provisional
    years: list[int]  # the years the calendar is waiting for
    checked: int
    changes: list[dict]


def _recompute_due_dates(calendar: WorkdayCalendar, *, day, now, actor, rule_version: str,
                         actor_label: str = ACTOR_LABEL) -> _Recount:
    """Step 1: recompute the provisional (or missing) due dates with `calendar`, set-based: one computation
    and one UPDATE per group of cases with the same filing day, deadline, extension and current due date."""
    pending = list(
        Case.objects.select_for_update(of=("self",))
        .filter(Q(due_on__isnull=True) | Q(due_on_provisional=True))
        .exclude(status=CaseStatus.CANCELLED)
        .order_by("id")
        .values_list("id", "kind", "status", "filed_on", "deadline_days", "extended_days", "due_on")
    )
    groups: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for pk, kind, status, filed_on, deadline_days, extended_days, due_on in pending:
        groups[(kind, filed_on, deadline_days, extended_days or 0, due_on)].append((pk, status))
    final: list[int] = []
    moved: list[int] = []
    waiting: list[int] = []
    years: set[int] = set()
    changes: list[dict] = []
    events = []
    for (kind, filed_on, deadline_days, extended_days, due_on), members in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3], item[0][4] or dt.date.min)
    ):
        ids = [pk for pk, _status in members]
        due = due_date(calendar, filed_on, deadline_days, extended_days)
        if due.provisional:
            waiting += [pk for pk, status in members if status == CaseStatus.OPEN]
            years.update(due.unloaded_years)
            if due.day == due_on:
                continue  # still provisional, same day: nothing to write
        else:
            final += ids
        if due.day != due_on:
            moved += ids
        for chunk in _chunks(ids):
            # A decided case is judged late against the recomputed date (Art 33 (5)).
            Case.objects.filter(pk__in=chunk).update(
                due_on=due.day, due_on_provisional=due.provisional, updated_at=now,
                decided_late=ExpressionWrapper(Q(status=CaseStatus.DECIDED, decided_on__gt=due.day),
                                               output_field=DbBooleanField()),
            )
        changes.append({"from": due_on.isoformat() if due_on else None, "to": due.day.isoformat(),
                        "provisional": due.provisional, "ids": ids})
        details = {"due_on": due.day.isoformat(), "due_on_provisional": due.provisional,
                   "deadline_days": deadline_days, "extended_days": extended_days or None}
        note = DUE_SET_PROVISIONAL_NOTE if due.provisional else DUE_SET_NOTE
        events += [(pk, kind, details, status, note) for pk, status in members]
    _events(events, action=CaseAction.DUE_SET, day=day, now=now, actor=actor, note=DUE_SET_NOTE,
            rule_version=rule_version, extra_articles=[], actor_label=actor_label)
    return _Recount(final=sorted(final), moved=sorted(moved), waiting=sorted(waiting), years=sorted(years),
                    checked=len(pending), changes=changes)


def cases_recompute_provisional(*, calendar: WorkdayCalendar, on: dt.date, actor=None,
                                **_ignored) -> ProvisionalRecount:
    """Recompute the provisional due dates with `calendar` when the calendar changes (the calendar service
    sends `provisional_deadlines_recompute` inside its transaction and audits the answer). No notice is sent:
    the applicant and the department see the recomputed date on the case (Art 28, 30, 31)."""
    recount = _recompute_due_dates(
        calendar, day=on, now=timezone.now(), actor=actor,
        rule_version=decision_basis(on=on)["rule_version"], actor_label=CALENDAR_ACTOR_LABEL,
    )
    return ProvisionalRecount(
        key=RECOUNT_KEY, label=RECOUNT_LABEL, checked=recount.checked, final=tuple(recount.final),
        moved=tuple(recount.moved), still_provisional=recount.checked - len(recount.final),
        changes=tuple(recount.changes),
    )


def _escalate(calendar: WorkdayCalendar, *, day, now, actor, rule_version: str) -> list[_Row]:
    """Step 2: escalate the open cases past their due date that are not escalated yet."""
    rows = [
        _Row(*values)
        for values in Case.objects.select_for_update(of=("self",))
        .filter(status=CaseStatus.OPEN, due_on__lt=day, due_on_provisional=False, escalated_on__isnull=True)
        .order_by("due_on", "id")
        .values_list("id", "kind", "organization_id", "filed_on", "due_on")
    ]
    articles = {kind: sorted({*KIND_ARTICLES[kind], *ESCALATION_ARTICLES}) for kind in KIND_ARTICLES}
    for kind in KIND_ARTICLES:
        ids = [r.pk for r in rows if r.kind == kind]
        for chunk in _chunks(ids):
            Case.objects.filter(pk__in=chunk, escalated_on__isnull=True).update(
                escalated_on=day, rule_version=rule_version, articles=articles[kind], updated_at=now
            )
    overdue_by: dict[dt.date, int | None] = {}
    for row in rows:
        if row.due_on not in overdue_by:
            try:
                overdue_by[row.due_on] = calendar.working_days_between(row.due_on, day)
            except CalendarRangeError:
                overdue_by[row.due_on] = None
    _events(
        ((r.pk, r.kind, {"due_on": r.due_on.isoformat(), "working_days_overdue": overdue_by[r.due_on]})
         for r in rows),
        action=CaseAction.ESCALATED, day=day, now=now, actor=actor, note=ESCALATION_NOTE,
        rule_version=rule_version, extra_articles=ESCALATION_ARTICLES,
    )
    return rows


def _reminders_already_sent(day: dt.date) -> bool:
    return AuditEvent.objects.filter(
        event_type=int(AuditEventType.RIGHTS_DEADLINES_RUN), details__on=day.isoformat(), details__reminders_sent=True
    ).exists()


def _due_soon(calendar: WorkdayCalendar, day: dt.date) -> list[_Row] | None:
    """Step 3: open cases due today or on the next working day; None when no reminders go out today (not a
    working day, or already sent by an earlier run)."""
    try:
        if not calendar.is_working_day(day):
            return None
    except CalendarRangeError:
        return None
    if _reminders_already_sent(day):
        return None
    # The next working day, on weekends alone when it falls in a year not loaded (domain facts §11).
    queryset = Case.objects.filter(status=CaseStatus.OPEN, due_on__gte=day, due_on__lte=calendar.deadline(day, 1).day)
    return [
        _Row(*values)
        for values in queryset.order_by("due_on", "id").values_list("id", "kind", "organization_id", "filed_on",
                                                                    "due_on", "due_on_provisional")
    ]


# --- notices ------------------------------------------------------------------------------------------------


def _dashboard_link(**query: str) -> str:
    url = reverse("rights_dashboard:dashboard")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _numbers(rows: list[_Row]) -> str:
    shown = "、".join(r.number for r in rows[:NUMBERS_IN_NOTICE])
    return shown + (f"等{len(rows)}件" if len(rows) > NUMBERS_IN_NOTICE else "")


def _kinds(rows: list[_Row]) -> str:
    counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in KIND_ARTICLES}
    return "、".join(f"{_KIND_NAMES[kind]}{n}件" for kind, n in counts.items() if n)


def _notify_escalations(rows: list[_Row], *, day: dt.date, actor, organizations: dict[int, Organization]) -> int:
    by_department: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_department[row.organization_id].append(row)
    sent = 0
    articles = ["Art 28", "Art 30", "Art 31", "Art 33"]
    for organization_id, cases in sorted(by_department.items()):
        notice_send(
            organization=organizations[organization_id], kind="escalation",
            title=f"逾期督办：{len(cases)}件异议、信用修复案件超过办理期限",
            body=(f"截至{day.isoformat()}，贵单位办理的下列案件已超过办理期限仍未作出决定（{_kinds(cases)}）："
                  f"{_numbers(cases)}。依照《承德市社会信用促进条例》第三十三条第五项，已报送社会信用主管部门督办，"
                  "并计入贵单位履职情况。请尽快依法作出决定并告知申请人。"),
            link=_dashboard_link(due="overdue"), articles=articles, actor=actor,
        )
        sent += 1
    authorities = list(
        Organization.objects.filter(kind=OrganizationKind.AUTHORITY, is_active=True).order_by("id")
    )
    if authorities:
        lines = "；".join(
            f"{organizations[pk].name}{len(cases)}件（{_numbers(cases)}）" for pk, cases in sorted(
                by_department.items(), key=lambda item: organizations[item[0]].name)
        )
        for authority in authorities:
            notice_send(
                organization=authority, kind="escalation",
                title=f"逾期督办：{len(rows)}件异议、信用修复案件超过办理期限",
                body=(f"截至{day.isoformat()}，以下单位的异议、信用修复案件超过办理期限仍未作出决定（{_kinds(rows)}），"
                      f"已逾期督办：{lines}。依照《承德市社会信用促进条例》第三十三条第五项，计入各单位履职情况。"),
                link=_dashboard_link(due="overdue"), articles=articles, actor=actor,
            )
            sent += 1
    return sent


def _notify_due_soon(rows: list[_Row], *, day: dt.date, actor, organizations: dict[int, Organization]) -> int:
    by_department: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_department[row.organization_id].append(row)
    for organization_id, cases in sorted(by_department.items()):
        today = [r for r in cases if r.due_on == day]
        later = [r for r in cases if r.due_on != day]
        parts = []
        if today:
            parts.append(f"今日（{day.isoformat()}）到期：{_numbers(today)}")
        if later:
            mark = PROVISIONAL_MARK if later[0].due_on_provisional else ""
            parts.append(f"下一个工作日（{later[0].due_on.isoformat()}{mark}）到期：{_numbers(later)}")
        notice_send(
            organization=organizations[organization_id], kind="case_update",
            title=f"到期提醒：{len(cases)}件异议、信用修复案件即将到期",
            body=("贵单位办理的异议、信用修复案件即将到期（" + _kinds(cases) + "）。" + "；".join(parts)
                  + "。逾期未作出决定的，将报送社会信用主管部门督办（《承德市社会信用促进条例》第三十三条第五项）。"),
            link=_dashboard_link(due="soon"), articles=["Art 28", "Art 30", "Art 31"], actor=actor,
        )
    return len(by_department)


# --- the run ------------------------------------------------------------------------------------------------


def cases_run_deadlines(*, on: dt.date | None = None, actor=None) -> DeadlineRun:
    """Run the day's deadlines for objections and repairs (see the module docstring). `on` is the day of the
    run (today by default; never in the future — a past day serves tests and catching up)."""
    today = timezone.localdate()
    day = on or today
    if day > today:
        raise ServiceError("future_date", _("The day of the run cannot be in the future."), field="on")
    calendar = current_calendar()
    basis = decision_basis(*DEADLINE_PARAMETERS, on=day)
    rule_version = basis["rule_version"]
    now = timezone.now()
    with transaction.atomic():
        _serialize_runs()
        recount = _recompute_due_dates(calendar, day=day, now=now, actor=actor, rule_version=rule_version)
        filled, waiting, years = recount.final, recount.waiting, recount.years
        escalated = _escalate(calendar, day=day, now=now, actor=actor, rule_version=rule_version)
        due_soon = _due_soon(calendar, day)
        reminders_sent = due_soon is not None
        due_soon = due_soon or []
        wanted = {r.organization_id for r in escalated} | {r.organization_id for r in due_soon}
        organizations = Organization.objects.in_bulk(sorted(wanted))
        notices = 0
        if escalated:
            notices += _notify_escalations(escalated, day=day, actor=actor, organizations=organizations)
        if due_soon:
            notices += _notify_due_soon(due_soon, day=day, actor=actor, organizations=organizations)
        counts = Case.objects.filter(status=CaseStatus.OPEN).aggregate(
            open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=day))
        )
        escalated_ids = [r.pk for r in escalated]
        reminded_ids = [r.pk for r in due_soon]
        audit_record(
            AuditEventType.RIGHTS_DEADLINES_RUN, actor=actor, target_label="异议与信用修复期限", articles=RUN_ARTICLES,
            details={
                "on": day.isoformat(), "open": counts["open"], "overdue": counts["overdue"],
                "due_set": len(filled), "due_set_ids": filled[:DEADLINE_IDS_IN_AUDIT],
                "waiting": len(waiting), "waiting_ids": waiting[:DEADLINE_IDS_IN_AUDIT], "waiting_years": years,
                "escalated": len(escalated_ids), "escalated_ids": escalated_ids[:DEADLINE_IDS_IN_AUDIT],
                "reminded": len(reminded_ids), "reminded_ids": reminded_ids[:DEADLINE_IDS_IN_AUDIT],
                "reminders_sent": reminders_sent, "notices": notices, **basis,
            },
        )
    return DeadlineRun(
        on=day, open_cases=counts["open"], overdue=counts["overdue"], due_set=tuple(filled), waiting=tuple(waiting),
        waiting_years=tuple(years), escalated=tuple(escalated_ids), reminded=tuple(reminded_ids),
        reminders_sent=reminders_sent, notices=notices,
    )
