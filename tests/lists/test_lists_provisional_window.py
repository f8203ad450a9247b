"""The objection window of a listing notice (Art 24, 28) that runs into a year whose holiday schedule is not
loaded (domain facts §11): the notice is served anyway, with a window counted on weekends alone and marked
provisional wherever it is shown; loading the year recomputes it, never earlier than the notice said.

The calendar holds 2004–2026 (chinesecalendar 1.11.0); 2027 is not loaded. Dates:
- served Thursday 24 December 2026: 25, 28, 29, 30, 31 December — the window ends on 31 December, inside 2026;
- served Friday 25 December 2026: 28, 29, 30, 31 December and Friday 1 January 2027 (counted: weekends alone)
  — provisional end 2027-01-01; with New Year's Day 2027 off it ends on Monday 4 January.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from lists_fixtures import definition

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.lists.choices import EntryAction, EntryState
from xinyong.lists.models import ListEntry, ListEntryEvent
from xinyong.lists.services import list_entry_decide, list_entry_notify, list_entry_propose
from xinyong.notifications.models import Notice
from xinyong.subjects.services import subject_account_create
from xinyong.web.testing import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IN_TIME = dt.date(2026, 12, 24)  # a Thursday
CROSSING = dt.date(2026, 12, 25)  # a Friday
MARK = "（暂定，待节假日安排公布后重新计算）"


@pytest.fixture
def clock(monkeypatch):
    """Freeze the platform's clock on a day (10:00 in Chengde)."""

    def freeze(day: dt.date) -> None:
        moment = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@pytest.fixture
def notices(monkeypatch):
    """The content of every notice rendered (as a tiny PDF: the text is what these tests read)."""
    rendered = []

    def render(content):
        rendered.append(content)
        return b"%PDF-1.7 test notice"

    monkeypatch.setattr("xinyong.lists.services.render_notice_pdf", render)
    return rendered


@pytest.fixture
def officer(make_staff, authority):
    """The credit authority's calendar keeper (catalog managers hold the calendar permission)."""
    return make_staff(roles=("catalog_manager",), organization=authority)


def serve(subject, clerk, day: dt.date) -> ListEntry:
    entry = list_entry_propose(definition=definition("serious-dishonesty"), subject=subject, reasons="提供虚假材料。",
                               actor=clerk, on=day)
    return list_entry_notify(entry=entry, served_on=day, actor=clerk)


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def load_2027(officer, *, makeup_saturday: bool = False) -> str:
    """2027 entered day by day with `calendar set`, then marked loaded; returns what mark-loaded printed."""
    if makeup_saturday:
        # An invented schedule: 1 January worked, Saturday 2 January a make-up working day.
        command("calendar", "set", "2027-01-02", "--kind", "makeup_workday", "--name", "调休",
                "--actor", officer.username)
        command("calendar", "set", "2027-02-11", "--kind", "holiday", "--name", "春节", "--actor", officer.username)
    else:
        command("calendar", "set", "2027-01-01", "--kind", "holiday", "--name", "元旦", "--actor", officer.username)
    return command("calendar", "mark-loaded", "2027", "--actor", officer.username, "--source", "国务院办公厅通知")


def test_a_notice_served_on_24_december_2026_has_a_final_window_inside_2026(clock, notices, clerk, company):
    clock(IN_TIME)
    entry = serve(company, clerk, IN_TIME)

    assert entry.state == EntryState.NOTIFIED
    assert entry.objection_window_end == dt.date(2026, 12, 31) and not entry.objection_window_provisional
    assert "至2026年12月31日止" in notices[-1].objection and "暂定" not in notices[-1].objection
    (notified,) = AuditEvent.objects.filter(event_type=int(AuditEventType.LIST_ENTRY_NOTIFIED))
    assert notified.details["window_end"] == "2026-12-31" and notified.details["window_provisional"] is False


def test_a_notice_whose_window_runs_into_2027_is_served_with_a_provisional_weekends_only_end(
    clock, notices, clerk, company, client, api_client_for, authority
):
    clock(CROSSING)
    entry = serve(company, clerk, CROSSING)

    assert entry.state == EntryState.NOTIFIED  # never blocked
    assert entry.objection_window_end == dt.date(2027, 1, 1) and entry.objection_window_provisional
    (notified,) = AuditEvent.objects.filter(event_type=int(AuditEventType.LIST_ENTRY_NOTIFIED))
    assert notified.details["window_provisional"] is True and notified.details["window_unloaded_years"] == [2027]
    # The written notice says the end is provisional, why, and that it will not be shortened.
    assert notices[-1].objection.endswith(
        "上述期限届满日为暂定日期（暂定，待节假日安排公布后重新计算）：期限跨入的年度节假日安排尚未公布，"
        "暂按周六、周日休息计算；节假日安排公布后重新计算，重新计算的届满日不早于本告知书载明的日期，"
        "可在平台“我的名单告知”中查看。"
    )
    # The subject's inbox notice, the console and the API mark it.
    (inbox,) = Notice.objects.filter(subject=company, kind="listing_notice")
    assert f"您可以在2027年1月1日{MARK}前（5个工作日内）陈述、申辩或者提出异议" in inbox.body
    staff_session(client, clerk)
    page = text_of(client.get(f"/console/lists/{entry.pk}/"))
    assert f"异议期届满日 2027-01-01 {MARK} （5 个工作日）" in page
    assert f"异议期至2027-01-01止，届满前不得作出决定。 {MARK}" in page
    assert f"已告知，异议期内 2027-01-01 {MARK}" in text_of(client.get("/console/lists/"))
    account = subject_account_create(subject=company, username="chengxin")
    subject_client = Client()
    subject_client.post("/login/", {"username": "chengxin", "password": account.password})
    assert f"2026-12-25 2027-01-01 {MARK}" in text_of(subject_client.get("/lists/my-notices/"))
    api = api_client_for(authority, {"case_handler"})
    shown = api.get(f"/api/v1/lists/entries/{entry.pk}").json()
    assert shown["objection_window_end"] == "2027-01-01" and shown["objection_window_provisional"] is True


def test_loading_2027_recomputes_the_window_which_loses_its_mark(clock, clerk, company, officer, render_notices_fast):
    clock(CROSSING)
    entry = serve(company, clerk, CROSSING)

    printed = load_2027(officer)

    entry.refresh_from_db()
    assert entry.objection_window_end == dt.date(2027, 1, 4) and not entry.objection_window_provisional
    assert "2027\tcomplete\t国务院办公厅通知\n" in printed
    assert "列入名单事先告知的陈述申辩期限：暂定期限1项，重新计算后确定1项，日期变化1项，仍为暂定0项" in printed
    (step,) = ListEntryEvent.objects.filter(entry=entry, action=EntryAction.WINDOW_SET)
    assert step.note == "节假日安排录入后重新计算陈述申辩期限：至2027-01-04。"
    assert step.state_after == EntryState.NOTIFIED and step.articles == ["Art 24", "Art 28"]
    # Audited in the calendar edit's own record, with the summary.
    loaded = AuditEvent.objects.filter(event_type=int(AuditEventType.CALENDAR_YEAR_LOADED)).latest("id")
    recount = loaded.details["deadlines"]["by_kind"]["lists.objection_window"]
    assert (recount["checked"], recount["final_ids"], recount["moved_ids"]) == (1, [entry.pk], [entry.pk])
    assert recount["changes"] == [{"from": "2027-01-01", "to": "2027-01-04", "provisional": False,
                                   "served_on": "2026-12-25", "window_days": 5, "ids": [entry.pk]}]
    # No new notice to the subject: its page shows the new end.
    assert Notice.objects.filter(subject=company, kind="listing_notice").count() == 1


def test_a_day_of_2027_set_while_the_year_is_being_entered_changes_no_window(clock, clerk, company, officer,
                                                                            render_notices_fast):
    clock(CROSSING)
    entry = serve(company, clerk, CROSSING)
    command("calendar", "set", "2027-01-01", "--kind", "holiday", "--name", "元旦", "--actor", officer.username)
    entry.refresh_from_db()
    assert entry.objection_window_end == dt.date(2027, 1, 1) and entry.objection_window_provisional


def test_a_recomputed_window_is_never_earlier_than_the_served_notice_said(clock, clerk, company, officer,
                                                                          render_notices_fast):
    monday = dt.date(2026, 12, 28)  # weekends alone: 29, 30, 31 December, 1 and 4 January
    clock(monday)
    entry = serve(company, clerk, monday)
    assert entry.objection_window_end == dt.date(2027, 1, 4)

    load_2027(officer, makeup_saturday=True)  # with Saturday 2 January worked the count would end on it

    entry.refresh_from_db()
    assert entry.objection_window_end == dt.date(2027, 1, 4) and not entry.objection_window_provisional
    (step,) = ListEntryEvent.objects.filter(entry=entry, action=EntryAction.WINDOW_SET)
    assert step.note == "节假日安排录入后重新计算陈述申辩期限：至2027-01-04（不早于告知书载明的期限）。"


def test_a_decision_after_a_still_provisional_window_is_taken_and_recorded_as_such(clock, clerk, company,
                                                                                    render_notices_fast):
    clock(CROSSING)
    entry = serve(company, clerk, CROSSING)
    clock(dt.date(2027, 1, 4))

    entry = list_entry_decide(entry=entry, decision="listed", reasons="事实清楚。", actor=clerk)

    assert entry.state == EntryState.LISTED
    decided = AuditEvent.objects.filter(event_type=int(AuditEventType.LIST_ENTRY_DECIDED)).latest("id")
    assert decided.details["window_provisional"] is True
