"""Counting Chinese working days for deadlines (domain facts §11).

Deadlines for publishing permits and penalties (Art 18), deciding objections (Art 28, 30) and repair
applications (Art 31) are counted in working days: Saturdays and Sundays are off unless the State Council
made them make-up working days (调休上班), and statutory holidays are off. The schedule comes from the
calendar tables of the regulation app (seeded from `chinesecalendar`, edited by the authority).

A year whose schedule is not loaded (the State Council announces next year's each November):

- the strict functions (`add_working_days`, `working_days_between`, `is_working_day`) refuse it with
  `CalendarRangeError`;
- a *deadline* (`deadline(start, n)`) is never refused: the days of such a year are counted on weekends alone
  (Saturday and Sunday off) and the result is marked provisional (`Deadline.provisional`, shown to people
  with `PROVISIONAL_MARK`). The services that store deadlines store the mark beside the date, and the
  calendar services recompute provisional deadlines when a year is loaded (`provisional_deadlines_recompute`,
  docs/decisions/0013-provisional-deadlines.md). A procedure never waits for a calendar.

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

from django.dispatch import Signal

from xinyong.core.errors import ServiceError, bilingual

_ONE_DAY = dt.timedelta(days=1)

#: How a provisional deadline is marked wherever it is shown (pages, notices, commands; domain facts §11).
PROVISIONAL_MARK = "（暂定，待节假日安排公布后重新计算）"

#: Sent by the calendar services inside their transaction whenever the calendar that deadlines are counted in
#: changes (a year loaded, a day of a loaded year set or cleared). Each app that stores provisional deadlines
#: connects a receiver ``(sender, *, calendar: WorkdayCalendar, on: date, **kwargs) -> ProvisionalRecount``
#: that recomputes them with `calendar` (set-based). The regulation app audits the answers in one record.
provisional_deadlines_recompute = Signal()


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


@dataclass(frozen=True)
class Deadline:
    """A deadline: its last day, and whether it is provisional (暂定).

    Provisional when the count ran through a year whose schedule is not loaded (`unloaded_years`), whose days
    were counted on weekends alone, or when it was counted from a provisional deadline (an extension).
    """

    day: dt.date
    provisional: bool = False
    unloaded_years: tuple[int, ...] = ()

    def label(self) -> str:
        """The date as shown in notices and commands: ISO date, with the provisional mark when provisional."""
        return self.day.isoformat() + (PROVISIONAL_MARK if self.provisional else "")


@dataclass(frozen=True)
class ProvisionalRecount:
    """What one app's recompute of its provisional deadlines did (answer to `provisional_deadlines_recompute`).

    `checked`: provisional deadlines examined; `final`: ids whose deadline is no longer provisional; `moved`:
    ids whose date changed; `still_provisional`: how many still run into a year not loaded.
    """

    key: str  # e.g. "lists.objection_window"
    label: str  # Chinese, for the summary shown to the authority
    checked: int = 0
    final: tuple[int, ...] = ()
    moved: tuple[int, ...] = ()
    still_provisional: int = 0
    changes: tuple[dict, ...] = ()  # one per group moved: {"from", "to", "provisional", "ids"} for the audit

    def as_line(self) -> str:
        return (
            f"{self.label}：暂定期限{self.checked}项，重新计算后确定{len(self.final)}项，"
            f"日期变化{len(self.moved)}项，仍为暂定{self.still_provisional}项"
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

    def is_loaded(self, year: int) -> bool:
        return year in self.years

    def deadline(self, start: dt.date | Deadline, n: int) -> Deadline:
        """The n-th working day after `start` (`start` excluded), never refused (domain facts §11).

        Days of a year whose schedule is not loaded count on weekends alone (Monday to Friday worked, entries
        of a year still being entered ignored) and make the result provisional. A `Deadline` as `start` (an
        extension counted from a due date) passes its provisional mark on. n = 0 returns `start` itself.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError("the number of working days must be an integer >= 0")
        inherited = start.provisional if isinstance(start, Deadline) else False
        inherited_years = start.unloaded_years if isinstance(start, Deadline) else ()
        day = start.day if isinstance(start, Deadline) else start
        unloaded: set[int] = set(inherited_years)
        counted = 0
        while counted < n:
            day += _ONE_DAY
            if day.year in self.years:
                working = self.is_working_day(day)
            else:
                unloaded.add(day.year)
                working = day.weekday() < 5
            if working:
                counted += 1
        return Deadline(day=day, provisional=inherited or bool(unloaded), unloaded_years=tuple(sorted(unloaded)))

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


def deadline(start: dt.date | Deadline, n: int) -> Deadline:
    """The deadline n working days after `start`, provisional past the loaded years (see the module docstring).
    n = 0 returns `start` without consulting the calendar."""
    if type(n) is int and n == 0:
        return start if isinstance(start, Deadline) else Deadline(day=start)
    return current_calendar().deadline(start, n)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n >= 0; n = 0 returns `start`). See the module docstring."""
    if type(n) is int and n == 0:
        return start  # "at once": no calendar lookup, so it works in any year
    return current_calendar().add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b] (a excluded, b included); negative if b < a. See the module docstring."""
    return current_calendar().working_days_between(a, b)
