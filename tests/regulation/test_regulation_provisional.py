"""Deadlines past the loaded calendar years (domain facts §11): counted on weekends alone and marked
provisional, never refused; and the console's warning, from 1 November (`calendar.next_year_warning_lead`),
that next year's holiday schedule is missing.

The calendar holds 2004–2026 (chinesecalendar 1.11.0); 2027 is not loaded.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from xinyong.accounts.testing import staff_session
from xinyong.core.workdays import Deadline, add_working_days, deadline, reset_calendar_cache
from xinyong.regulation.models import CalendarYear
from xinyong.regulation.parameters import parameter
from xinyong.regulation.services import calendar_day_set, calendar_year_mark_loaded
from xinyong.web.testing import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

D = dt.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WARNING = ("下一年度（2027年）节假日安排尚未录入。 跨入2027年的期限暂按周六、周日休息计算并标注“暂定”，"
           "节假日安排录入后自动重新计算。请在国务院办公厅公布后及时录入（命令“xinyong calendar import”）。")


@pytest.fixture
def clock(monkeypatch):
    def freeze(day: dt.date) -> None:
        moment = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


@pytest.fixture
def keeper(make_staff, authority):
    """Staff of the credit authority with the calendar-editing permission (catalog managers hold it)."""
    return make_staff(roles=("catalog_manager",), organization=authority)


def load_2027(officer) -> None:
    calendar_day_set(day=D(2027, 1, 1), kind="holiday", name="元旦", actor=officer)
    calendar_year_mark_loaded(year=2027, actor=officer, source="国务院办公厅通知")


# --- the computation --------------------------------------------------------------------------------------


def test_a_deadline_inside_the_loaded_years_is_the_working_day_count_and_not_provisional():
    assert deadline(D(2026, 12, 24), 5) == Deadline(D(2026, 12, 31))
    assert deadline(D(2025, 9, 30), 5) == Deadline(add_working_days(D(2025, 9, 30), 5))  # across National Day


def test_a_deadline_that_crosses_into_a_year_not_loaded_counts_weekends_alone_and_is_provisional():
    # 29, 30, 31 December 2026, then Friday 1 and Monday 4 January 2027 (New Year's Day counted: not loaded).
    assert deadline(D(2026, 12, 28), 5) == Deadline(D(2027, 1, 4), provisional=True, unloaded_years=(2027,))
    # A deadline starting inside 2027 skips Saturday 9 and Sunday 10 January.
    assert deadline(D(2027, 1, 8), 1).day == D(2027, 1, 11)
    assert deadline(D(2026, 12, 28), 5).label() == "2027-01-04（暂定，待节假日安排公布后重新计算）"


def test_zero_working_days_is_the_start_itself_in_any_year():
    assert deadline(D(2027, 3, 1), 0) == Deadline(D(2027, 3, 1))


def test_an_extension_counted_from_a_provisional_deadline_stays_provisional():
    provisional = deadline(D(2026, 12, 28), 5)
    assert deadline(provisional, 0).provisional
    # Even if the extension itself stays inside loaded days, it counts from a date that is not final.
    assert deadline(Deadline(D(2026, 12, 1), provisional=True), 1) == Deadline(D(2026, 12, 2), provisional=True)


def test_days_entered_for_a_year_still_being_entered_are_not_used(make_staff):
    officer = make_staff(roles=("system_admin",))
    calendar_day_set(day=D(2027, 1, 4), kind="holiday", name="测试", actor=officer)  # opens 2027, incomplete
    assert deadline(D(2026, 12, 28), 5) == Deadline(D(2027, 1, 4), provisional=True, unloaded_years=(2027,))


def test_once_the_year_is_loaded_the_same_deadline_is_final(make_staff):
    load_2027(make_staff(roles=("system_admin",)))
    assert deadline(D(2026, 12, 28), 5) == Deadline(D(2027, 1, 5))


def test_a_year_taken_out_of_the_calendar_is_counted_on_weekends_alone():
    CalendarYear.objects.filter(year=2026).update(complete=False)
    reset_calendar_cache()
    try:
        # Weekends alone: National Day (1–7 October 2026) is not skipped.
        assert deadline(D(2026, 9, 30), 5) == Deadline(D(2026, 10, 7), provisional=True, unloaded_years=(2026,))
    finally:
        CalendarYear.objects.filter(year=2026).update(complete=True)
        reset_calendar_cache()


# --- the console warning ----------------------------------------------------------------------------------


def test_the_warning_starts_on_1_november_by_the_registry():
    lead = parameter("calendar.next_year_warning_lead", D(2026, 11, 1))
    assert (lead.value, lead.unit) == (2, "months")


def test_the_console_home_warns_the_calendar_keeper_from_1_november_not_on_31_october(clock, client, keeper):
    clock(D(2026, 10, 31))
    staff_session(client, keeper)
    assert "节假日安排尚未录入" not in text_of(client.get("/console/"))

    clock(D(2026, 11, 1))
    staff_session(client, keeper)  # a new session on the new day (the old one has timed out)
    home = client.get("/console/")
    assert WARNING in text_of(home)
    assert 'data-missing-calendar-year="2027"' in home.content.decode()
    assert '<a href="/console/calendar/">工作日历</a>' in home.content.decode()


def test_the_calendar_page_warns_from_1_november_not_on_31_october(clock, client, keeper):
    clock(D(2026, 10, 31))
    staff_session(client, keeper)
    assert "节假日安排尚未录入" not in text_of(client.get("/console/calendar/"))
    clock(D(2026, 11, 1))
    staff_session(client, keeper)
    assert WARNING in text_of(client.get("/console/calendar/"))


def test_no_warning_once_next_year_is_loaded(clock, client, keeper):
    load_2027(keeper)
    clock(D(2026, 11, 1))
    staff_session(client, keeper)
    assert "节假日安排尚未录入" not in text_of(client.get("/console/"))
    assert "节假日安排尚未录入" not in text_of(client.get("/console/calendar/"))


def test_staff_who_cannot_edit_the_calendar_are_not_warned_on_the_console_home(clock, client, make_staff, make_org,
                                                                                authority):
    clock(D(2026, 11, 1))
    supervisor = make_staff(roles=("supervisor",), organization=authority)  # no calendar permission
    department_keeper = make_staff(roles=("catalog_manager",), organization=make_org(name="承德市财政局"))
    for user in (supervisor, department_keeper):
        staff_session(client, user)
        assert "节假日安排尚未录入" not in text_of(client.get("/console/"))


def test_in_a_year_not_loaded_the_warning_names_this_year(clock, client, keeper):
    clock(D(2027, 1, 4))
    staff_session(client, keeper)
    assert "本年度（2027年）节假日安排尚未录入。 跨入2027年的期限暂按周六、周日休息计算" in text_of(client.get("/console/"))
