"""Reads of the regulation registry: articles and the working-day calendar (parameters: `parameters.py`)."""

from __future__ import annotations

from django.db.models import QuerySet

from xinyong.core.errors import NotFoundOrForbidden
from xinyong.regulation.models import Article, CalendarDay, CalendarYear


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
