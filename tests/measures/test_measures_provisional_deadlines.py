"""Feedback deadlines of measure cases (闭环, Art 22, 33) that run into a year whose holiday schedule is not
loaded (domain facts §11): the check opens its cases anyway, with a deadline counted on weekends alone and
marked provisional; loading the year recomputes it, and a late answer is judged against the final date.

A check on Thursday 10 December 2026 is due 10 working days later, on 24 December (final). One on Monday
28 December 2026 counts 29–31 December and 1, 4–8, 11 January 2027 on weekends alone: provisional
2027-01-11; with New Year's Day 2027 off it is due on 12 January.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from lists_fixtures import audit_count, publish_entry, register_org

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.measures.models import MeasureCase
from xinyong.measures.services import DeadlineResult, case_feedback, cases_set_deadlines, check_subjects
from xinyong.web.testing import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CROSSING = dt.date(2026, 12, 28)  # a Monday
MARK = "（暂定，待节假日安排公布后重新计算）"


@pytest.fixture
def clock(monkeypatch):
    def freeze(day: dt.date) -> None:
        moment = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@pytest.fixture
def listed(clerk, divisions):
    subject = register_org("承德市失信测试工程有限公司")
    publish_entry(subject, clerk)
    return subject


@pytest.fixture
def officer(make_staff, authority):
    return make_staff(roles=("catalog_manager",), organization=authority)


def open_cases(implementer, subject, on):
    result = check_subjects(requester=implementer, scenario="procurement",
                            identifiers=[("uscc", subject.identifier)], on=on)
    return [MeasureCase.objects.get(pk=m.case_id) for m in result.results[0].measures]


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_check_inside_2026_opens_cases_with_a_final_deadline(clock, implementer, listed):
    clock(dt.date(2026, 12, 10))
    cases = open_cases(implementer, listed, dt.date(2026, 12, 10))
    assert {(c.feedback_due, c.feedback_due_provisional) for c in cases} == {(dt.date(2026, 12, 24), False)}


def test_a_check_whose_deadline_runs_into_2027_opens_cases_with_a_provisional_deadline_shown_as_such(
    clock, implementer, listed, client, api_client_for, department
):
    clock(CROSSING)
    cases = open_cases(implementer, listed, CROSSING)

    assert {(c.feedback_due, c.feedback_due_provisional) for c in cases} == {(dt.date(2027, 1, 11), True)}
    checked = AuditEvent.objects.filter(event_type=int(AuditEventType.SUBJECTS_CHECKED)).latest("id")
    assert checked.details["feedback_due"] == "2027-01-11" and checked.details["feedback_due_provisional"] is True
    staff_session(client, implementer)
    assert f"2027-01-11 {MARK}" in text_of(client.get(f"/console/measures/cases/{cases[0].pk}/"))
    assert f"2027-01-11 {MARK}" in text_of(client.get("/console/measures/cases/"))
    shown = api_client_for(department, {"measure_implementer"}).get("/api/v1/cases?status=open").json()
    assert {(c["feedback_due"], c["feedback_due_provisional"]) for c in shown} == {("2027-01-11", True)}


def test_loading_2027_recomputes_the_deadline_and_a_late_answer_is_judged_against_it(clock, implementer, listed,
                                                                                     officer):
    clock(CROSSING)
    answered, still_open = open_cases(implementer, listed, CROSSING)
    clock(dt.date(2027, 1, 12))
    answered = case_feedback(case=answered, applied=True, note="已拒绝其参与采购。", actor=implementer)
    assert answered.feedback_late  # after the provisional 11 January, for now

    command("calendar", "set", "2027-01-01", "--kind", "holiday", "--name", "元旦", "--actor", officer.username)
    printed = command("calendar", "mark-loaded", "2027", "--actor", officer.username, "--source", "国务院办公厅通知")

    assert "联合奖惩措施实施情况反馈期限：暂定期限2项，重新计算后确定2项，日期变化2项，仍为暂定0项" in printed
    for case in (answered, still_open):
        case.refresh_from_db()
        assert (case.feedback_due, case.feedback_due_provisional) == (dt.date(2027, 1, 12), False)
    assert not answered.feedback_late  # answered on the last day
    # The daily job finds nothing left to do.
    assert cases_set_deadlines() == DeadlineResult(0, 0)
    assert audit_count(AuditEventType.MEASURE_CASE_DEADLINES_SET) == 0
