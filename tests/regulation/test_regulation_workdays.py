"""Working days follow the State Council's schedule; deadlines past the loaded years are refused (item B.2).

Facts below are from the official 2025 and 2026 schedules as held by chinesecalendar 1.11.0.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core.errors import ServiceError
from xinyong.core.workdays import (
    CalendarRangeError,
    WorkdayCalendar,
    add_working_days,
    current_calendar,
    is_working_day,
    working_days_between,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

D = dt.date
FIRST_DAY, LAST_DAY = D(2004, 1, 1), D(2026, 12, 31)


def test_the_2025_national_day_holiday_runs_from_1_to_8_october():
    assert all(not is_working_day(D(2025, 10, day)) for day in range(1, 9))
    assert is_working_day(D(2025, 9, 30)) and is_working_day(D(2025, 10, 9))


def test_the_sundays_and_saturdays_worked_for_national_day_2025_are_working_days():
    assert D(2025, 9, 28).weekday() == 6 and D(2025, 10, 11).weekday() == 5
    assert is_working_day(D(2025, 9, 28))
    assert is_working_day(D(2025, 10, 11))
    assert not is_working_day(D(2025, 10, 12))  # an ordinary Sunday


def test_the_2026_spring_festival_holiday_and_its_make_up_saturdays():
    assert all(not is_working_day(D(2026, 2, day)) for day in range(15, 24))
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))


def test_one_working_day_after_the_eve_of_national_day_is_the_day_after_the_holiday():
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)


def test_five_working_days_across_national_day_2025_count_the_make_up_saturday():
    # 10-09 Thu, 10-10 Fri, 10-11 Sat (make-up), 10-13 Mon, 10-14 Tue
    assert add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 14)) == 5


def test_a_friday_decision_with_one_working_day_is_due_on_the_make_up_sunday():
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_seven_working_days_for_publication_run_across_the_2026_spring_festival():
    # 双公示: decided Thursday 12 February; 13 Feb, 14 Feb (make-up), 24–27 Feb, 28 Feb (make-up)
    assert add_working_days(D(2026, 2, 12), 7) == D(2026, 2, 28)


def test_zero_working_days_is_the_start_day_itself_even_on_a_holiday_or_an_unloaded_year():
    assert add_working_days(D(2025, 10, 3), 0) == D(2025, 10, 3)
    assert add_working_days(D(2027, 3, 1), 0) == D(2027, 3, 1)


def test_a_negative_number_of_working_days_is_a_programming_error():
    with pytest.raises(ValueError):
        add_working_days(D(2025, 1, 6), -1)


def test_between_excludes_the_first_day_and_includes_the_last():
    monday, friday = D(2025, 6, 9), D(2025, 6, 13)
    assert working_days_between(monday, friday) == 4
    assert working_days_between(monday, monday) == 0
    assert working_days_between(friday, monday) == -4
    # The whole National Day week 2025 and its weekends contain only the two make-up days.
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 9)) == 4


def test_2025_and_2026_have_248_working_days_each():
    # Two more statutory holiday days from 2025 (Spring Festival eve, 2 May); 2024 had 251.
    assert working_days_between(D(2023, 12, 31), D(2024, 12, 31)) == 251
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


def test_every_day_from_2004_to_2026_agrees_with_the_package():
    calendar = current_calendar()
    day = FIRST_DAY
    while day <= LAST_DAY:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_a_deadline_past_the_last_loaded_year_is_refused_in_chinese():
    with pytest.raises(CalendarRangeError) as info:
        add_working_days(D(2026, 12, 30), 5)
    error = info.value
    assert isinstance(error, ServiceError)
    assert error.code == "calendar_year_not_loaded"
    assert error.year == 2027
    assert str(error.message) == "2027年的节假日安排尚未录入，无法计算期限"


def test_counting_into_an_unloaded_year_is_refused_for_between_and_is_working_day_too():
    with pytest.raises(CalendarRangeError) as info:
        working_days_between(D(2026, 12, 1), D(2027, 1, 10))
    assert info.value.year == 2027
    with pytest.raises(CalendarRangeError) as info:
        working_days_between(D(2003, 12, 30), D(2004, 1, 10))
    assert info.value.year == 2003
    with pytest.raises(CalendarRangeError):
        is_working_day(D(2027, 1, 4))


def test_the_last_day_of_the_last_loaded_year_can_still_be_reached():
    assert add_working_days(D(2026, 12, 29), 2) == D(2026, 12, 31)


def test_a_computation_costs_one_query_once_the_calendar_is_cached(django_assert_num_queries):
    add_working_days(D(2025, 1, 2), 3)
    with django_assert_num_queries(1):
        add_working_days(D(2025, 9, 30), 20)
    with django_assert_num_queries(1):
        working_days_between(D(2004, 1, 1), D(2026, 12, 31))


def test_counting_by_bisection_agrees_with_counting_day_by_day():
    calendar = current_calendar()

    @settings(max_examples=300, deadline=None)
    @given(start=st.dates(FIRST_DAY, LAST_DAY), span=st.integers(0, 500))
    def check(start, span):
        end = min(start + dt.timedelta(days=span), LAST_DAY)
        naive = sum(
            calendar.is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )
        assert calendar.working_days_between(start, end) == naive

    check()


def test_adding_the_count_between_two_days_lands_on_the_last_working_day_up_to_the_second():
    calendar = current_calendar()

    @settings(max_examples=300, deadline=None)
    @given(start=st.dates(FIRST_DAY, LAST_DAY), span=st.integers(0, 400))
    def check(start, span):
        end = min(start + dt.timedelta(days=span), LAST_DAY)
        count = calendar.working_days_between(start, end)
        landed = calendar.add_working_days(start, count)
        assert start <= landed <= end
        assert calendar.working_days_between(landed, end) == 0
        if count:
            assert calendar.is_working_day(landed)

    check()


def test_counting_from_a_day_to_its_n_th_working_day_gives_n():
    calendar = current_calendar()

    @settings(max_examples=300, deadline=None)
    @given(start=st.dates(FIRST_DAY, D(2026, 6, 30)), n=st.integers(0, 80))
    def check(start, n):
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n

    check()


def test_a_calendar_snapshot_works_without_the_database():
    # Weekends off, one holiday Wednesday and one make-up Saturday.
    calendar = WorkdayCalendar(
        years=frozenset({2030}),
        holidays=frozenset({D(2030, 1, 2)}),
        makeup_workdays=frozenset({D(2030, 1, 5)}),
    )
    assert calendar.add_working_days(D(2030, 1, 1), 2) == D(2030, 1, 4)
    assert calendar.add_working_days(D(2030, 1, 1), 3) == D(2030, 1, 5)
    assert calendar.working_days_between(D(2030, 1, 1), D(2030, 1, 7)) == 4
