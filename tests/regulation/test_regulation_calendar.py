"""The calendar is seeded from chinesecalendar and edited by the authority, every edit audited (item B.1)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent, ObjectChange
from xinyong.core.errors import ServiceError
from xinyong.core.workdays import CalendarRangeError, add_working_days, is_working_day
from xinyong.regulation.calendar_files import parse_year_schedule
from xinyong.regulation.models import CalendarDay, CalendarVersion, CalendarYear
from xinyong.regulation.services import (
    calendar_day_clear,
    calendar_day_set,
    calendar_seed_from_package,
    calendar_year_load,
    calendar_year_mark_loaded,
    package_calendar_years,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

D = dt.date
WORKING_DAY_ARTICLES = ["Art 18", "Art 28", "Art 30", "Art 31"]

SCHEDULE_2027 = """
year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"

[[holiday]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03

[[holiday]]
name = "春节"
from = 2027-02-06
to = 2027-02-13

[[makeup_workday]]
name = "春节"
date = 2027-02-14
"""


def test_the_package_covers_2004_to_2026_and_refuses_2027():
    assert package_calendar_years() == list(range(2004, 2027))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


def test_a_fresh_database_holds_every_year_the_package_holds_as_complete():
    years = CalendarYear.objects.order_by("year")
    assert [y.year for y in years] == list(range(2004, 2027))
    assert all(y.complete and y.source == "chinesecalendar 1.11.0" for y in years)
    spring = CalendarDay.objects.get(day=D(2026, 2, 17))
    assert (spring.kind, spring.name, spring.source) == ("holiday", "春节", "chinesecalendar 1.11.0")
    makeup = CalendarDay.objects.get(day=D(2025, 10, 11))
    assert (makeup.kind, makeup.name) == ("makeup_workday", "国庆节")


def test_seeding_again_adds_nothing_and_writes_no_audit_record():
    events = AuditEvent.objects.count()
    assert calendar_seed_from_package().years == []
    assert AuditEvent.objects.count() == events


def test_seeding_never_overwrites_a_year_the_authority_is_editing(make_staff):
    officer = make_staff(roles=("system_admin",))
    CalendarDay.objects.filter(day__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    calendar_day_set(day=D(2026, 1, 1), kind="holiday", name="元旦", actor=officer)
    assert calendar_seed_from_package().years == []
    assert CalendarDay.objects.filter(day__year=2026).count() == 1


def test_an_authority_edit_takes_effect_at_once_and_is_audited(make_staff):
    officer = make_staff(roles=("system_admin",))
    assert add_working_days(D(2026, 7, 9), 1) == D(2026, 7, 10)
    version = CalendarVersion.objects.get().version

    calendar_day_set(day=D(2026, 7, 10), kind="holiday", name="防汛调休", actor=officer)

    assert not is_working_day(D(2026, 7, 10))
    assert add_working_days(D(2026, 7, 9), 1) == D(2026, 7, 13)
    assert CalendarVersion.objects.get().version == version + 1
    event = AuditEvent.objects.filter(event_type=AuditEventType.CALENDAR_DAY_SET).latest("id")
    assert event.actor == officer
    assert event.articles == WORKING_DAY_ARTICLES
    change = ObjectChange.objects.get(event=event)
    assert change.action == "create" and change.before is None
    assert change.after["source"] == f"edited by {officer.username}"

    calendar_day_clear(day=D(2026, 7, 10), actor=officer)

    assert is_working_day(D(2026, 7, 10))
    cleared = AuditEvent.objects.filter(event_type=AuditEventType.CALENDAR_DAY_CLEARED).latest("id")
    assert cleared.actor == officer and cleared.articles == WORKING_DAY_ARTICLES
    assert ObjectChange.objects.get(event=cleared).before["name"] == "防汛调休"


def test_changing_a_seeded_day_keeps_its_before_snapshot(make_staff):
    officer = make_staff(roles=("system_admin",))
    calendar_day_set(day=D(2026, 10, 7), kind="holiday", name="国庆节（更正）", actor=officer)
    change = ObjectChange.objects.filter(object_type="regulation.calendarday").latest("id")
    assert change.action == "update"
    assert change.before["source"] == "chinesecalendar 1.11.0"


def test_a_make_up_working_day_must_be_a_weekend_day(make_staff):
    officer = make_staff(roles=("system_admin",))
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as info:
        calendar_day_set(day=D(2026, 7, 8), kind="makeup_workday", name="调休", actor=officer)
    assert info.value.code == "makeup_workday_not_weekend"
    assert AuditEvent.objects.count() == events


def test_clearing_a_day_without_an_entry_is_refused(make_staff):
    with pytest.raises(ServiceError) as info:
        calendar_day_clear(day=D(2026, 7, 8), actor=make_staff(roles=("system_admin",)))
    assert info.value.code == "calendar_day_not_set"


def test_a_new_year_is_usable_only_once_marked_loaded(make_staff):
    officer = make_staff(roles=("system_admin",))
    calendar_day_set(day=D(2027, 1, 1), kind="holiday", name="元旦", actor=officer)
    assert not CalendarYear.objects.get(year=2027).complete
    with pytest.raises(CalendarRangeError):
        add_working_days(D(2026, 12, 31), 1)

    calendar_year_mark_loaded(year=2027, actor=officer, source="国务院办公厅通知")

    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    event = AuditEvent.objects.filter(event_type=AuditEventType.CALENDAR_YEAR_LOADED).latest("id")
    assert event.actor == officer and event.details["holidays"] == 1


def test_a_year_without_holidays_cannot_be_marked_loaded(make_staff):
    with pytest.raises(ServiceError) as info:
        calendar_year_mark_loaded(year=2028, actor=make_staff(roles=("system_admin",)))
    assert info.value.code == "calendar_year_empty"
    assert not CalendarYear.objects.filter(year=2028).exists()


def test_a_year_announced_in_a_file_is_loaded_in_one_go(make_staff):
    officer = make_staff(roles=("system_admin",))
    schedule = parse_year_schedule(SCHEDULE_2027)
    assert len(schedule.entries) == 3 + 8 + 1

    calendar_year_load(year=schedule.year, entries=schedule.entries, actor=officer, source=schedule.source)

    year = CalendarYear.objects.get(year=2027)
    assert year.complete and year.source == schedule.source
    assert not is_working_day(D(2027, 2, 10)) and is_working_day(D(2027, 2, 14))
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 14)
    assert AuditEvent.objects.filter(event_type=AuditEventType.CALENDAR_DAY_SET, actor=officer).count() == 12


def test_a_schedule_file_with_a_day_outside_its_year_is_refused(make_staff):
    schedule = parse_year_schedule(SCHEDULE_2027.replace("2027-02-14", "2028-02-14"))
    with pytest.raises(ServiceError) as info:
        calendar_year_load(
            year=2027, entries=schedule.entries, actor=make_staff(roles=("system_admin",)), source="x"
        )
    assert info.value.code == "calendar_entry_outside_year"
    assert not CalendarDay.objects.filter(day__year=2027).exists()


def test_a_schedule_file_naming_a_day_twice_is_refused():
    with pytest.raises(ServiceError) as info:
        parse_year_schedule(SCHEDULE_2027.replace("2027-02-14", "2027-02-13"))
    assert info.value.code == "invalid_calendar_file"
