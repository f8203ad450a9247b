"""The daily deadline run of objections and credit repair (Art 28, 30, 31, 33 (5); domain facts §5, §11).

Cases are filed through the services on days inside 2026 (the calendar is loaded); a run is dated with `on=`.
Dates: an objection filed on Monday 2 November 2026 is due 5 working days later, on Monday 9 November, and is
overdue from Tuesday 10 November. One filed on Wednesday 30 September 2026, the eve of National Day (1–7
October off, Saturday 10 October worked), is due on Tuesday 13 October. One filed on Monday 28 December 2026
runs into 2027, whose holiday schedule is not loaded: its due date is provisional, counted on weekends alone
(Monday 4 January 2027), and it waits for the calendar (tests/rights/test_provisional_deadlines.py).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.utils import timezone
from rights_fixtures import DUE, FILED, Upload, audit_events

from xinyong.audit.choices import AuditEventType
from xinyong.core.errors import ServiceError
from xinyong.core.workdays import add_working_days, reset_calendar_cache
from xinyong.notifications.models import Notice
from xinyong.regulation.models import CalendarYear
from xinyong.regulation.parameters import parameter
from xinyong.rights.choices import CaseAction, CaseKind, CaseStatus
from xinyong.rights.deadlines import cases_run_deadlines
from xinyong.rights.models import Case, CaseEvent
from xinyong.rights.services import objection_decide, objection_file, repair_apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 28", "Art 33")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NATIONAL_DAY_EVE = dt.date(2026, 9, 30)  # a Wednesday
AFTER_NATIONAL_DAY = dt.date(2026, 10, 13)  # 10-08 Thu, 10-09 Fri, 10-10 Sat (worked), 10-12 Mon, 10-13 Tue
OVERDUE_DAY = DUE + dt.timedelta(days=1)  # Tuesday 10 November
LATE_DECEMBER = dt.date(2026, 12, 28)  # a Monday: 5 working days run into 2027

_numbers = iter(range(4600, 4900))


@pytest.fixture
def clock(monkeypatch):
    """Freeze the platform's clock on a day (10:00 in Chengde)."""

    def freeze(day: dt.date, hour: int = 10) -> None:
        moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@contextmanager
def calendar_without(year: int):
    """The year's holiday schedule taken out for a while (as before it is announced)."""
    CalendarYear.objects.filter(year=year).update(complete=False)
    reset_calendar_cache()
    try:
        yield
    finally:
        CalendarYear.objects.filter(year=year).update(complete=True)
        reset_calendar_cache()


@pytest.fixture
def new_record(file_penalty):
    """Another penalty of the company from the same provider: one open objection per record."""

    def make():
        n = next(_numbers)
        return file_penalty(**{"行政处罚决定书文号": f"承市监罚〔2026〕{n}号"})

    return make


def objection(record, on=FILED):
    return objection_file(subject=record.subject, record=record, reasons="处罚决定已被复议机关撤销。", on=on)


def events(case, action) -> list[CaseEvent]:
    return list(case.events.filter(action=action).order_by("id"))


def run_record():
    (event,) = audit_events(AuditEventType.RIGHTS_DEADLINES_RUN)[-1:]
    return event


# --- deadlines the calendar gives -----------------------------------------------------------------------------


@pytest.mark.smoke
def test_a_provisional_deadline_is_recomputed_in_working_days_across_national_day_once_the_year_is_loaded(record):
    with calendar_without(2026):
        case = objection(record, on=NATIONAL_DAY_EVE)
    # Weekends alone: 1, 2, 5, 6 and 7 October.
    assert (case.due_on, case.due_on_provisional) == (dt.date(2026, 10, 7), True)

    run = cases_run_deadlines(on=dt.date(2026, 10, 9))

    case.refresh_from_db()
    assert case.due_on == AFTER_NATIONAL_DAY == add_working_days(NATIONAL_DAY_EVE, case.deadline_days)
    assert not case.due_on_provisional
    assert run.due_set == (case.pk,) and run.waiting == () and run.escalated == ()
    (step,) = events(case, CaseAction.DUE_SET)
    assert step.details["due_on"] == "2026-10-13" and step.status_after == CaseStatus.OPEN
    assert step.details["due_on_provisional"] is False and step.note == "节假日安排录入后确定办理期限。"
    assert step.articles == ["Art 28", "Art 30"] and step.rule_version == run_record().details["rule_version"]
    details = run_record().details
    assert details["due_set"] == 1 and details["due_set_ids"] == [case.pk]


def test_a_deadline_that_runs_into_2027_is_provisional_waits_for_the_calendar_and_nothing_breaks(record, clock):
    clock(LATE_DECEMBER)
    case = objection(record, on=LATE_DECEMBER)
    assert (case.due_on, case.due_on_provisional) == (dt.date(2027, 1, 4), True)

    run = cases_run_deadlines(on=LATE_DECEMBER)
    clock(dt.date(2027, 1, 5))  # past the provisional due date, in a year not loaded: the run still runs
    again = cases_run_deadlines()

    case.refresh_from_db()
    # Not escalated on a provisional date (Art 33 (5) waits for the real one).
    assert (case.due_on, case.due_on_provisional) == (dt.date(2027, 1, 4), True) and case.escalated_on is None
    assert again.escalated == ()
    assert run.waiting == again.waiting == (case.pk,) and run.waiting_years == (2027,)
    assert run.due_set == () and not events(case, CaseAction.DUE_SET)
    details = run_record().details
    assert (details["waiting"], details["waiting_ids"], details["waiting_years"]) == (1, [case.pk], [2027])
    assert "waiting for the calendar (2027)" in again.as_line() and not again.reminders_sent


def test_an_extension_that_was_left_empty_counts_from_the_original_due_date(record):
    case = objection(record)
    # The state a case is in when its extension ran past the loaded years: extended, no due date yet.
    Case.objects.filter(pk=case.pk).update(due_on=None, extended_days=3, extensions=1)

    run = cases_run_deadlines(on=FILED)

    case.refresh_from_db()
    assert case.due_on == add_working_days(DUE, 3) == dt.date(2026, 11, 12)
    assert run.due_set == (case.pk,)
    (step,) = events(case, CaseAction.DUE_SET)
    assert step.details == {"due_on": "2026-11-12", "due_on_provisional": False, "deadline_days": 5,
                            "extended_days": 3}


# --- escalation ---------------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_an_overdue_objection_is_escalated_once_and_only_once(record):
    case = objection(record)
    assert case.due_on == DUE

    on_the_last_day = cases_run_deadlines(on=DUE)
    first = cases_run_deadlines(on=OVERDUE_DAY)
    same_day = cases_run_deadlines(on=OVERDUE_DAY)
    next_day = cases_run_deadlines(on=OVERDUE_DAY + dt.timedelta(days=1))

    assert on_the_last_day.escalated == () and on_the_last_day.overdue == 0  # the due date is the last day
    assert first.escalated == (case.pk,) and first.overdue == 1
    assert same_day.escalated == () and next_day.escalated == ()
    case.refresh_from_db()
    assert case.escalated_on == OVERDUE_DAY and case.status == CaseStatus.OPEN
    assert "Art 33" in case.articles
    (step,) = events(case, CaseAction.ESCALATED)
    assert step.on == OVERDUE_DAY and step.details == {"due_on": "2026-11-09", "working_days_overdue": 1}
    assert sorted(step.articles) == ["Art 28", "Art 30", "Art 33"]
    # One audit record per run, the escalation named once.
    runs = audit_events(AuditEventType.RIGHTS_DEADLINES_RUN)
    assert len(runs) == 4
    assert [r.details["escalated_ids"] for r in runs] == [[], [case.pk], [], []]
    assert runs[1].articles == ["Art 28", "Art 30", "Art 31", "Art 33"]


def test_the_authority_and_the_deciding_department_are_told_of_the_escalation(record, provider, authority):
    case = objection(record)
    cases_run_deadlines(on=OVERDUE_DAY)
    cases_run_deadlines(on=OVERDUE_DAY)

    (to_authority,) = Notice.objects.filter(organization=authority, kind="escalation")
    (to_department,) = Notice.objects.filter(organization=provider, kind="escalation")
    assert case.number in to_authority.body and provider.name in to_authority.body
    assert case.number in to_department.body and "第三十三条第五项" in to_department.body
    assert to_department.link == "/console/rights/dashboard/?due=overdue"
    assert "Art 33" in to_authority.articles
    assert run_record().details["notices"] == 0  # the second run told nobody again


def test_decided_cases_are_never_escalated_and_a_late_decision_stays_counted(record, new_record, submitter):
    decided_in_time = objection(record)
    objection_decide(case=decided_in_time, outcome="maintained", reasons="经核实，信息无误。", actor=submitter, on=DUE)
    still_open = objection(new_record())

    run = cases_run_deadlines(on=OVERDUE_DAY)

    assert run.escalated == (still_open.pk,) and run.open_cases == 1
    decided_in_time.refresh_from_db()
    assert decided_in_time.escalated_on is None and not decided_in_time.decided_late


@pytest.mark.articles("Art 31")
def test_a_repair_application_has_its_own_deadline_and_is_escalated_like_an_objection(record, account):
    materials = {"commitment": [Upload(name="承诺书.pdf")], "rectification": [Upload(name="缴款凭证.pdf")]}
    case = repair_apply(subject=record.subject, record=record, reasons="已缴清罚款并完成整改。", applicant=account,
                        materials=materials, on=FILED)
    days = int(parameter("repair.decision_deadline", FILED).value)
    assert case.kind == CaseKind.REPAIR and case.due_on == add_working_days(FILED, days)

    run = cases_run_deadlines(on=case.due_on + dt.timedelta(days=1))

    assert run.escalated == (case.pk,)
    (step,) = events(case, CaseAction.ESCALATED)
    assert sorted(step.articles) == ["Art 28", "Art 31", "Art 33"]


# --- reminders ----------------------------------------------------------------------------------------------


def test_the_department_is_reminded_on_the_working_day_before_and_at_most_once_a_day(record, provider):
    case = objection(record)
    friday, saturday = dt.date(2026, 11, 6), dt.date(2026, 11, 7)

    first = cases_run_deadlines(on=friday)  # Monday the 9th is the next working day
    again = cases_run_deadlines(on=friday)
    weekend = cases_run_deadlines(on=saturday)

    assert first.reminded == (case.pk,) and first.reminders_sent
    assert again.reminded == () and not again.reminders_sent
    assert weekend.reminded == () and not weekend.reminders_sent
    (reminder,) = Notice.objects.filter(organization=provider, kind="case_update", title__startswith="到期提醒")
    assert case.number in reminder.body and "2026-11-09" in reminder.body
    assert reminder.link == "/console/rights/dashboard/?due=soon"


# --- the run ------------------------------------------------------------------------------------------------


def test_the_run_records_the_registry_values_and_rule_version_it_used(record):
    objection(record)
    cases_run_deadlines(on=FILED)
    details = run_record().details
    assert details["parameters"] == {
        "objection.decision_deadline": parameter("objection.decision_deadline", FILED).value,
        "objection.extension_maximum": parameter("objection.extension_maximum", FILED).value,
        "repair.decision_deadline": parameter("repair.decision_deadline", FILED).value,
        "repair.decision_extension": parameter("repair.decision_extension", FILED).value,
    }
    assert details["rule_version"] and details["on"] == FILED.isoformat()
    assert (details["open"], details["overdue"], details["escalated"]) == (1, 0, 0)


def test_a_run_for_a_future_day_is_refused():
    with pytest.raises(ServiceError) as raised:
        cases_run_deadlines(on=timezone.localdate() + dt.timedelta(days=1))
    assert raised.value.code == "future_date"


@pytest.mark.smoke
def test_the_command_runs_the_rights_job_and_prints_one_line(record, authority, capsys):
    case = objection(record)
    call_command("rights", "deadlines", "--on", OVERDUE_DAY.isoformat())
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["rights: 2026-11-10: 0 deadlines set, 0 waiting for the calendar; 1 escalated, 0 due soon "
                   "reminded; 1 open cases, 1 overdue; 2 notices"]
    case.refresh_from_db()
    assert case.escalated_on == OVERDUE_DAY


def test_many_cases_are_escalated_in_one_run_with_one_notice_per_department(new_record, provider, authority):
    cases = [objection(new_record()) for _ in range(3)]
    run = cases_run_deadlines(on=OVERDUE_DAY)
    assert sorted(run.escalated) == sorted(c.pk for c in cases)
    assert Notice.objects.filter(organization=provider, kind="escalation").count() == 1
    assert Notice.objects.filter(organization=authority, kind="escalation").count() == 1
    assert CaseEvent.objects.filter(action=CaseAction.ESCALATED).count() == 3
