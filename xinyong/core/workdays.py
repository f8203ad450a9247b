"""Counting Chinese working days for deadlines (domain facts §11).

Deadlines for publishing permits and penalties (Art 18), deciding objections (Art 28, 30) and repair
applications (Art 31) are counted in working days: Saturdays and Sundays are off unless the State Council
made them make-up working days (调休上班), and statutory holidays are off. The schedule comes from the
calendar tables of the regulation app (seeded from `chinesecalendar`, edited by the authority); a year whose
schedule is not loaded is refused with `CalendarRangeError` rather than guessed.

Conventions:

- ``add_working_days(start, n)`` is the n-th working day *after* ``start``; ``start`` itself never counts,
  so a decision taken on a Friday with a 1-working-day deadline is due on Monday. ``n = 0`` returns
  ``start`` unchanged, whatever day it is, and consults no calendar ("at once").
- ``working_days_between(a, b)`` counts the working days in the half-open interval ``(a, b]``: ``a``
  excluded, ``b`` included, so ``working_days_between(d, add_working_days(d, n)) == n``. For ``b < a`` it
  is the negative count of ``(b, a]``.
- Only the days a computation looks at need a loaded year; ``start`` itself is not looked at.

The calendar is read once into memory (a few hundred rows for two decades) and reused until its version
token changes, so a computation costs one small query, not one per day. Batch callers take one snapshot
with ``current_calendar()`` and call its methods to avoid even that.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from dataclasses import dataclass, field

from xinyong.core.errors import ServiceError, bilingual

_ONE_DAY = dt.timedelta(days=1)


class CalendarRangeError(ServiceError):
    """A deadline computation reached a year whose holiday schedule is not loaded (domain facts §11)."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            "calendar_year_not_loaded",
            bilingual(
                f"{year}年的节假日安排尚未录入，无法计算期限",
                f"The holiday schedule for {year} has not been entered; the deadline cannot be computed.",
            ),
        )


def _weekdays_through(ordinal: int) -> int:
    """Mondays to Fridays from 0001-01-01 (ordinal 1, a Monday) through the given ordinal."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkdayCalendar:
    """An immutable snapshot of the calendar: loaded years, holidays and make-up working days."""

    years: frozenset[int]
    holidays: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]
    token: str | None = None
    # Sorted exceptions to the weekday rule, for counting long intervals by bisection instead of day by day.
    _weekday_holidays: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _weekend_makeups: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_weekday_holidays", tuple(sorted(d for d in self.holidays if d.weekday() < 5))
        )
        object.__setattr__(
            self, "_weekend_makeups", tuple(sorted(d for d in self.makeup_workdays if d.weekday() >= 5))
        )

    def _require_year(self, year: int) -> None:
        if year not in self.years:
            raise CalendarRangeError(year)

    def is_working_day(self, day: dt.date) -> bool:
        """True for a weekday that is not a holiday, or a weekend day made a working day."""
        self._require_year(day.year)
        if day in self.holidays:
            return False
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (`start` excluded); `start` itself when n is 0."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError("the number of working days must be an integer >= 0")
        day, counted = start, 0
        while counted < n:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        if a == b:
            return 0
        for year in range((a + _ONE_DAY).year, b.year + 1):
            self._require_year(year)
        weekdays = _weekdays_through(b.toordinal()) - _weekdays_through(a.toordinal())
        holidays = bisect.bisect_right(self._weekday_holidays, b) - bisect.bisect_right(
            self._weekday_holidays, a
        )
        makeups = bisect.bisect_right(self._weekend_makeups, b) - bisect.bisect_right(
            self._weekend_makeups, a
        )
        return weekdays - holidays + makeups


_cache_lock = threading.Lock()
_cached: WorkdayCalendar | None = None


def current_calendar() -> WorkdayCalendar:
    """The calendar as stored now: the cached snapshot if its version token is still current."""
    global _cached
    from xinyong.regulation.choices import CalendarDayKind
    from xinyong.regulation.models import CalendarDay, CalendarVersion, CalendarYear

    # The token is read before the days: an edit committed in between makes the snapshot newer than its
    # token, which only costs one extra reload, never a stale answer.
    token = CalendarVersion.objects.values_list("token", flat=True).first()
    cached = _cached
    if cached is not None and token is not None and cached.token == token:
        return cached
    years = frozenset(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    holidays, makeups = set(), set()
    for day, kind in CalendarDay.objects.values_list("day", "kind"):
        (holidays if kind == CalendarDayKind.HOLIDAY else makeups).add(day)
    snapshot = WorkdayCalendar(
        years=years, holidays=frozenset(holidays), makeup_workdays=frozenset(makeups), token=token
    )
    with _cache_lock:
        _cached = snapshot
    return snapshot


def reset_calendar_cache() -> None:
    """Drop the cached snapshot (tests that rewrite the tables behind the services' back use this)."""
    global _cached
    with _cache_lock:
        _cached = None


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day; CalendarRangeError if its year is not loaded."""
    return current_calendar().is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n >= 0; n = 0 returns `start`). See the module docstring."""
    if type(n) is int and n == 0:
        return start  # "at once": no calendar lookup, so it works in any year
    return current_calendar().add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b] (a excluded, b included); negative if b < a. See the module docstring."""
    return current_calendar().working_days_between(a, b)
