"""Services of the regulation registry: loading the articles, and keeping the working-day calendar.

Each runs in one transaction and writes its audit record inside it (docs/development/conventions.md).
Calendar edits name the articles whose deadlines are counted in working days (`WORKING_DAY_ARTICLES`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.errors import ServiceError, bilingual
from xinyong.regulation.choices import CalendarDayKind
from xinyong.regulation.models import Article, CalendarDay, CalendarVersion, CalendarYear
from xinyong.regulation.text import REGULATION_FILE, regulation_text

# Deadlines counted in working days: 双公示 publication (Art 18), objections and corrections (Art 28, Art 30),
# credit repair decisions (Art 31). A calendar edit moves all of them.
WORKING_DAY_ARTICLES = ("Art 18", "Art 28", "Art 30", "Art 31")


def _package_source() -> str:
    import chinese_calendar

    return f"chinesecalendar {chinese_calendar.__version__}"


# --- articles -----------------------------------------------------------------------------------------------


def _article_snapshot(article: Article) -> dict:
    return {
        "number": article.number,
        "chapter": article.chapter,
        "chapter_title": article.chapter_title,
        "text": article.text,
    }


def regulation_load_articles(*, actor=None) -> int:
    """Load the articles from the vendored regulation text (idempotent); returns how many were added or
    corrected. A correction of the vendored text shows up in the audit log with before/after snapshots."""
    _title, parsed = regulation_text()
    changed = 0
    changes: list[Change] = []
    with transaction.atomic():
        existing = {a.number: a for a in Article.objects.all()}
        for item in parsed:
            wanted = {
                "number": item.number,
                "chapter": item.chapter,
                "chapter_title": item.chapter_title,
                "text": item.text,
            }
            article = existing.get(item.number)
            if article is None:
                article = Article.objects.create(**wanted)
                changes.append(Change("regulation.article", str(article.pk), "create", None, wanted))
            elif _article_snapshot(article) != wanted:
                before = _article_snapshot(article)
                for key, value in wanted.items():
                    setattr(article, key, value)
                article.save()
                changes.append(Change("regulation.article", str(article.pk), "update", before, wanted))
            else:
                continue
            changed += 1
        if changed:
            audit_record(
                AuditEventType.REGULATION_ARTICLES_LOADED,
                actor=actor,
                target_label="承德市社会信用促进条例",
                details={"changed": changed, "source": REGULATION_FILE.name},
                changes=changes,
            )
    return changed


# --- calendar -----------------------------------------------------------------------------------------------


def _bump_calendar_version() -> None:
    # A fresh random token per edit: cached calendars in every process notice on their next computation.
    CalendarVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
    CalendarVersion.objects.filter(pk=1).update(version=F("version") + 1, token=uuid.uuid4().hex)


def _day_snapshot(day: CalendarDay) -> dict:
    return {"day": day.day.isoformat(), "kind": day.kind, "name": day.name, "source": day.source}


def _actor_source(actor) -> str:
    return f"edited by {getattr(actor, 'username', '') or 'operator'}"


def package_calendar_years() -> list[int]:
    """The years `chinesecalendar` holds a schedule for (it raises for any other year)."""
    import chinese_calendar

    known = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    years = []
    for year in range(min(known), max(known) + 1):
        try:
            chinese_calendar.is_workday(dt.date(year, 7, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def calendar_seed_from_package(*, actor=None) -> list[int]:
    """Load every year `chinesecalendar` holds that the calendar does not have yet; returns those years.

    Idempotent: a year that already has a row is left alone, so the authority's edits and a year it is
    entering by hand are never overwritten by a later package release.
    """
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    chinese_names = {h.value: h.chinese for h in Holiday}
    source = _package_source()
    with transaction.atomic():
        present = set(CalendarYear.objects.values_list("year", flat=True))
        years = [y for y in package_calendar_years() if y not in present]
        if not years:
            return []
        wanted = set(years)
        taken = set(CalendarDay.objects.filter(day__year__in=years).values_list("day", flat=True))
        rows = [
            CalendarDay(day=day, kind=kind, name=chinese_names.get(name, name), source=source)
            for table, kind in (
                (chinese_calendar.holidays, CalendarDayKind.HOLIDAY),
                (chinese_calendar.workdays, CalendarDayKind.MAKEUP_WORKDAY),
            )
            for day, name in sorted(table.items())
            if day.year in wanted and day not in taken
        ]
        CalendarDay.objects.bulk_create(rows)
        CalendarYear.objects.bulk_create(CalendarYear(year=y, complete=True, source=source) for y in years)
        _bump_calendar_version()
        audit_record(
            AuditEventType.CALENDAR_SEEDED,
            actor=actor,
            target_label="工作日历",
            articles=WORKING_DAY_ARTICLES,
            details={"years": years, "days": len(rows), "source": source},
        )
    return years


def _check_day_kind(day: dt.date, kind: str) -> None:
    if kind not in CalendarDayKind.values:
        raise ServiceError(
            "invalid_calendar_day_kind",
            bilingual("日期类型应为节假日或调休上班日。", "The kind must be holiday or makeup_workday."),
            field="kind",
        )
    if kind == CalendarDayKind.MAKEUP_WORKDAY and day.weekday() < 5:
        # A make-up working day is a Saturday or Sunday that is worked; a weekday is a working day anyway.
        raise ServiceError(
            "makeup_workday_not_weekend",
            bilingual(
                "调休上班日只能是星期六或星期日。", "A make-up working day must be a Saturday or Sunday."
            ),
            field="day",
        )


def calendar_day_set(*, day: dt.date, kind: str, name: str, actor) -> CalendarDay:
    """Make `day` a holiday or a make-up working day (the authority's edit; audited with before/after).

    A day in a year not yet in the calendar opens that year as incomplete: it is not used for deadlines
    until `calendar_year_mark_loaded` (Art 18, Art 28, Art 30, Art 31 deadlines move with the calendar).
    """
    name = (name or "").strip()
    _check_day_kind(day, kind)
    if not name or len(name) > 64:
        raise ServiceError(
            "invalid_calendar_day_name",
            bilingual("请填写节日名称（不超过64个字）。", "Give the holiday's name (at most 64 characters)."),
            field="name",
        )
    with transaction.atomic():
        CalendarYear.objects.get_or_create(year=day.year, defaults={"complete": False})
        entry = CalendarDay.objects.select_for_update().filter(day=day).first()
        before = _day_snapshot(entry) if entry else None
        if entry is None:
            entry = CalendarDay(day=day)
        entry.kind, entry.name, entry.source = kind, name, _actor_source(actor)
        entry.full_clean(validate_unique=False)
        entry.save()
        after = _day_snapshot(entry)
        _bump_calendar_version()
        audit_record(
            AuditEventType.CALENDAR_DAY_SET,
            actor=actor,
            target=entry,
            target_label=f"{day.isoformat()} {name}",
            articles=WORKING_DAY_ARTICLES,
            changes=[
                Change(
                    "regulation.calendarday", str(entry.pk), "update" if before else "create", before, after
                )
            ],
        )
    return entry


def calendar_day_clear(*, day: dt.date, actor) -> None:
    """Remove the entry for `day`, so it follows the weekday rule again (audited with its before snapshot)."""
    with transaction.atomic():
        entry = CalendarDay.objects.select_for_update().filter(day=day).first()
        if entry is None:
            raise ServiceError(
                "calendar_day_not_set",
                bilingual(
                    f"{day.isoformat()} 没有节假日或调休记录。",
                    f"{day.isoformat()} has no holiday or make-up working day entry.",
                ),
                field="day",
            )
        before, pk = _day_snapshot(entry), entry.pk
        entry.delete()
        _bump_calendar_version()
        audit_record(
            AuditEventType.CALENDAR_DAY_CLEARED,
            actor=actor,
            target_label=f"{day.isoformat()} {before['name']}",
            articles=WORKING_DAY_ARTICLES,
            changes=[Change("regulation.calendarday", str(pk), "delete", before, None)],
        )


def calendar_year_mark_loaded(*, year: int, actor, source: str = "") -> CalendarYear:
    """Declare `year`'s schedule complete, so deadlines may run into it (domain facts §11).

    Refused for a year without any holiday: every year has at least New Year's Day and the Spring
    Festival, so an empty year means the schedule was not entered.
    """
    with transaction.atomic():
        if not CalendarDay.objects.filter(day__year=year, kind=CalendarDayKind.HOLIDAY).exists():
            raise ServiceError(
                "calendar_year_empty",
                bilingual(
                    f"{year}年尚未录入任何节假日，不能标记为已录入。",
                    f"No holidays are entered for {year}; it cannot be marked as loaded.",
                ),
                field="year",
            )
        entry, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
        if entry.complete:
            return entry
        before = {"year": year, "complete": False, "source": entry.source}
        entry.complete = True
        entry.source = (source or _actor_source(actor))[:255]
        entry.save()
        _bump_calendar_version()
        audit_record(
            AuditEventType.CALENDAR_YEAR_LOADED,
            actor=actor,
            target=entry,
            target_label=f"{year}年节假日安排",
            articles=WORKING_DAY_ARTICLES,
            details={
                "holidays": CalendarDay.objects.filter(day__year=year, kind=CalendarDayKind.HOLIDAY).count(),
                "makeup_workdays": CalendarDay.objects.filter(
                    day__year=year, kind=CalendarDayKind.MAKEUP_WORKDAY
                ).count(),
            },
            changes=[
                Change(
                    "regulation.calendaryear",
                    str(entry.pk),
                    "update",
                    before,
                    {"year": year, "complete": True, "source": entry.source},
                )
            ],
        )
    return entry


@dataclass(frozen=True)
class CalendarEntry:
    """One day of a year's schedule as announced: a holiday or a make-up working day, with its name."""

    day: dt.date
    kind: str
    name: str


def calendar_year_load(*, year: int, entries: Iterable[CalendarEntry], actor, source: str) -> CalendarYear:
    """Enter a whole year's schedule as announced by the State Council, and mark the year loaded.

    All or nothing: one transaction sets every day (each audited as an edit) and marks the year complete.
    Entries already present for that year but absent from the announcement are removed.
    """
    entries = list(entries)
    outside = [e.day.isoformat() for e in entries if e.day.year != year]
    if outside:
        raise ServiceError(
            "calendar_entry_outside_year",
            bilingual(
                f"以下日期不属于{year}年：{', '.join(outside)}", f"Not in {year}: {', '.join(outside)}"
            ),
            field="entries",
        )
    with transaction.atomic():
        wanted = {e.day for e in entries}
        for stale in (
            CalendarDay.objects.filter(day__year=year).exclude(day__in=wanted).values_list("day", flat=True)
        ):
            calendar_day_clear(day=stale, actor=actor)
        for entry in sorted(entries, key=lambda e: e.day):
            current = CalendarDay.objects.filter(day=entry.day).first()
            if current and (current.kind, current.name) == (entry.kind, entry.name):
                continue
            calendar_day_set(day=entry.day, kind=entry.kind, name=entry.name, actor=actor)
        return calendar_year_mark_loaded(year=year, actor=actor, source=source)
