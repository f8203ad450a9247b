"""Reads of the regulation registry: articles and the working-day calendar (parameters: `parameters.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from xinyong.core.errors import NotFoundOrForbidden
from xinyong.regulation.models import Article, CalendarDay, CalendarYear
from xinyong.regulation.parameters import parameter

#: From how many months before 1 January the console warns that next year's schedule is missing.
NEXT_YEAR_WARNING_LEAD = "calendar.next_year_warning_lead"


def article_list() -> QuerySet[Article]:
    """All articles in order."""
    return Article.objects.order_by("number")


def article_get(number: int) -> Article:
    """One article by its number; NotFoundOrForbidden if the regulation has no such article."""
    try:
        return Article.objects.get(number=number)
    except Article.DoesNotExist:
        raise NotFoundOrForbidden() from None


def calendar_years() -> QuerySet[CalendarYear]:
    """The calendar's years, complete or still being entered."""
    return CalendarYear.objects.order_by("year")


def calendar_days(year: int) -> QuerySet[CalendarDay]:
    """Holidays and make-up working days of one year, in date order."""
    return CalendarDay.objects.filter(day__year=year).order_by("day")


@dataclass(frozen=True)
class MissingCalendarYear:
    """A year whose holiday schedule the console asks the authority to load (domain facts §11)."""

    year: int
    current: bool  # True: the year we are in; False: next year, warned from `since`
    since: dt.date


def calendar_missing_year(on: dt.date) -> MissingCalendarYear | None:
    """The year whose schedule is missing and should be loaded now, if any: this year if it is not loaded;
    else next year from `calendar.next_year_warning_lead` months before 1 January (1 November) while its
    schedule is not loaded. Deadlines into such a year are provisional (weekends alone) until it is."""
    loaded = set(
        CalendarYear.objects.filter(complete=True, year__in=[on.year, on.year + 1]).values_list("year", flat=True)
    )
    if on.year not in loaded:
        return MissingCalendarYear(year=on.year, current=True, since=dt.date(on.year, 1, 1))
    lead = int(parameter(NEXT_YEAR_WARNING_LEAD, on).value)
    since = dt.date(on.year, 13 - lead, 1) if 1 <= lead <= 12 else dt.date(on.year + 1, 1, 1)
    if on >= since and on.year + 1 not in loaded:
        return MissingCalendarYear(year=on.year + 1, current=False, since=since)
    return None
