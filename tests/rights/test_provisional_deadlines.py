"""Objection and repair deadlines that run into a year whose holiday schedule is not loaded (Art 28, 30, 31,
33 (5); domain facts §11): counted on weekends alone, marked provisional wherever they are shown, never
blocking the case, and recomputed when the year is loaded.

The calendar holds 2004–2026; 2027 is not loaded. An objection filed on Thursday 24 December 2026 is due
five working days later on Thursday 31 December (final). One filed on Monday 28 December 2026 counts 29, 30,
31 December, then Friday 1 and Monday 4 January 2027 on weekends alone: provisional 2027-01-04. With New
Year's Day 2027 off, it is due on Tuesday 5 January.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rights_fixtures import audit_events

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.notifications.models import Notice
from xinyong.rights.choices import CaseAction
from xinyong.rights.deadlines import cases_run_deadlines
from xinyong.rights.models import Case
from xinyong.rights.services import case_extend, objection_decide, objection_file
from xinyong.web.testing import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IN_TIME = dt.date(2026, 12, 24)  # a Thursday
CROSSING = dt.date(2026, 12, 28)  # a Monday
PROVISIONAL_DUE = dt.date(2027, 1, 4)
FINAL_DUE = dt.date(2027, 1, 5)
MARK = "（暂定，待节假日安排公布后重新计算）"


@pytest.fixture
def clock(monkeypatch):
    """Freeze the platform's clock on a day (10:00 in Chengde)."""

    def freeze(day: dt.date) -> None:
        moment = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@pytest.fixture
def officer(make_staff, authority):
    """The credit authority's calendar keeper."""
    return make_staff(roles=("catalog_manager",), organization=authority)


def objection(record, on):
    return objection_file(subject=record.subject, record=record, reasons="处罚决定已被复议机关撤销。", on=on)


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def load_2027(officer) -> str:
    command("calendar", "set", "2027-01-01", "--kind", "holiday", "--name", "元旦", "--actor", officer.username)
    return command("calendar", "mark-loaded", "2027", "--actor", officer.username, "--source", "国务院办公厅通知")


def test_an_objection_due_inside_2026_is_not_provisional(clock, record):
    clock(IN_TIME)
    case = objection(record, IN_TIME)
    assert (case.due_on, case.due_on_provisional) == (dt.date(2026, 12, 31), False)
    (notice,) = Notice.objects.filter(subject=record.subject, kind="case_update")
    assert "将于2026-12-31前作出处理决定" in notice.body and "暂定" not in notice.body


def test_an_objection_due_in_2027_is_filed_with_a_provisional_date_marked_everywhere(
    clock, record, provider, submitter, account, console_client_for, api_client_for
):
    clock(CROSSING)
    case = objection(record, CROSSING)
    portal_client = Client()  # logged in on the frozen day (a session from the real day would have expired)
    portal_client.post("/login/", {"username": account.username, "password": account.plain_password})

    assert (case.due_on, case.due_on_provisional) == (PROVISIONAL_DUE, True)
    (filed,) = audit_events(AuditEventType.OBJECTION_FILED)
    assert filed.details["due_on"] == "2027-01-04" and filed.details["due_on_provisional"] is True
    # The notices to the subject and to the department.
    (to_subject,) = Notice.objects.filter(subject=record.subject, kind="case_update")
    assert f"将于2027-01-04{MARK}前作出处理决定" in to_subject.body
    (to_department,) = Notice.objects.filter(organization=provider, kind="case_update")
    assert f"请于2027-01-04{MARK}前作出处理决定" in to_department.body
    # The subject's pages, the department's console and the API.
    assert f"2027-01-04 {MARK}" in text_of(portal_client.get(f"/rights/{case.pk}/"))
    assert f"2027-01-04 {MARK}" in text_of(portal_client.get("/rights/"))
    console = console_client_for(submitter)
    page = text_of(console.get(f"/console/rights/cases/{case.pk}/"))
    assert f"办理期限 2027-01-04 {MARK} （自提出之日起 5 个工作日）" in page
    assert f"2026-12-28 受理并标注；办理截止日 2027-01-04{MARK}" in page  # the timeline
    assert f"2027-01-04 {MARK}" in text_of(console.get("/console/rights/cases/"))
    api = api_client_for(provider, {"data_submitter"})
    shown = api.get(f"/api/v1/rights/cases/{case.pk}").json()
    assert shown["due_on"] == "2027-01-04" and shown["due_on_provisional"] is True


def test_an_extension_of_a_provisional_due_date_is_provisional_too(clock, record, submitter):
    clock(CROSSING)
    case = objection(record, CROSSING)
    case = case_extend(case=case, days=3, reason="需向复议机关调取材料。", actor=submitter)
    # 5, 6 and 7 January 2027 on weekends alone.
    assert (case.due_on, case.due_on_provisional) == (dt.date(2027, 1, 7), True)
    (extended,) = audit_events(AuditEventType.OBJECTION_EXTENDED)
    assert extended.details["due_on_provisional"] is True


def test_loading_2027_recomputes_the_due_date_which_loses_its_mark(clock, record, officer, submitter):
    clock(CROSSING)
    case = objection(record, CROSSING)
    notices_before = Notice.objects.count()

    printed = load_2027(officer)

    case.refresh_from_db()
    assert (case.due_on, case.due_on_provisional) == (FINAL_DUE, False)
    assert "异议、信用修复办理期限：暂定期限1项，重新计算后确定1项，日期变化1项，仍为暂定0项" in printed
    (step,) = case.events.filter(action=CaseAction.DUE_SET)
    assert step.details == {"due_on": "2027-01-05", "due_on_provisional": False, "deadline_days": 5,
                            "extended_days": None}
    assert step.note == "节假日安排录入后确定办理期限。" and step.actor_label == "工作日历"
    (loaded,) = audit_events(AuditEventType.CALENDAR_YEAR_LOADED)
    recount = loaded.details["deadlines"]["by_kind"]["rights.decision_due"]
    assert recount["final_ids"] == [case.pk] and recount["changes"] == [
        {"from": "2027-01-04", "to": "2027-01-05", "provisional": False, "ids": [case.pk]}
    ]
    assert Notice.objects.count() == notices_before  # no notice is sent again

    # From now on the daily run counts the final date: escalated the day after it, not before.
    clock(dt.date(2027, 1, 6))
    assert cases_run_deadlines(on=FINAL_DUE).escalated == ()
    assert cases_run_deadlines(on=dt.date(2027, 1, 6)).escalated == (case.pk,)


def test_a_decision_after_the_provisional_but_within_the_final_due_date_is_not_late(clock, record, officer,
                                                                                     submitter):
    clock(CROSSING)
    case = objection(record, CROSSING)
    clock(FINAL_DUE)
    case = objection_decide(case=case, outcome="maintained", reasons="经核实，信息无误。", actor=submitter)
    assert case.decided_late  # judged against the provisional 4 January for now

    load_2027(officer)

    case.refresh_from_db()
    assert (case.due_on, case.due_on_provisional, case.decided_late) == (FINAL_DUE, False, False)


def test_importing_2027_from_a_file_recomputes_too(clock, record, officer, tmp_path):
    clock(CROSSING)
    case = objection(record, CROSSING)
    schedule = tmp_path / "2027.toml"
    schedule.write_text('year = 2027\nsource = "国务院办公厅关于2027年部分节假日安排的通知"\n'
                        '[[holiday]]\nname = "元旦"\nfrom = 2027-01-01\nto = 2027-01-03\n', encoding="utf-8")

    printed = command("calendar", "import", str(schedule), "--actor", officer.username)

    assert "重新计算后确定1项" in printed
    assert Case.objects.filter(pk=case.pk, due_on=FINAL_DUE, due_on_provisional=False).exists()


def test_the_daily_run_recomputes_a_provisional_date_when_the_calendar_changed_behind_the_services(clock, record):
    clock(CROSSING)
    case = objection(record, CROSSING)
    # A due date left provisional although its year is loaded (e.g. a database restored from before the load).
    Case.objects.filter(pk=case.pk).update(due_on=dt.date(2026, 12, 30), due_on_provisional=True)

    run = cases_run_deadlines(on=CROSSING)

    case.refresh_from_db()
    assert (case.due_on, case.due_on_provisional) == (PROVISIONAL_DUE, True)
    assert run.waiting == (case.pk,) and run.waiting_years == (2027,) and run.due_set == ()
    (step,) = case.events.filter(action=CaseAction.DUE_SET)
    assert step.note == "重新计算办理期限（仍为暂定，待节假日安排公布后重新计算）。"


def test_a_console_edit_of_a_loaded_day_recomputes_the_provisional_dates_that_count_it(clock, record, officer):
    clock(CROSSING)
    case = objection(record, CROSSING)
    console = staff_session(Client(), officer)

    # Thursday 31 December 2026 made a holiday: 29, 30 December, then 1, 4 and 5 January 2027.
    response = console.post("/console/calendar/set/", {"day": "2026-12-31", "kind": "holiday", "name": "测试调休"},
                            follow=True)

    assert response.status_code == 200
    assert "已重新计算暂定期限：共1项，确定0项，日期变化1项，仍为暂定1项。" in text_of(response)
    case.refresh_from_db()
    assert (case.due_on, case.due_on_provisional) == (dt.date(2027, 1, 5), True)
    (day_set,) = [e for e in audit_events(AuditEventType.CALENDAR_DAY_SET) if e.target_label.startswith("2026-12-31")]
    assert day_set.details["deadlines"]["by_kind"]["rights.decision_due"]["moved_ids"] == [case.pk]
