"""Services of the regulation registry: loading the articles, and keeping the working-day calendar.

Each runs in one transaction and writes its audit record inside it (docs/development/conventions.md).
Calendar edits name the articles whose deadlines are counted in working days (`WORKING_DAY_ARTICLES`).

Every edit that changes the calendar deadlines are counted in (a year loaded, a day of a loaded year set or
cleared) recomputes, in the same transaction, the provisional deadlines the other apps store (those that ran
into a year not loaded, counted on weekends alone; domain facts §11): `provisional_deadlines_recompute` is
sent, each app answers with what it recomputed, and the summary goes into the edit's own audit record
(`details["deadlines"]`) and back to the caller (`.deadlines`). Deadlines that were not provisional are not
moved by a later edit. See docs/decisions/0013-provisional-deadlines.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.errors import ServiceError, bilingual
from xinyong.core.workdays import (
    ProvisionalRecount,
    WorkdayCalendar,
    current_calendar,
    provisional_deadlines_recompute,
)
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

#: How many ids of each kind a recompute names in its audit details (the counts are always complete).
RECOMPUTE_IDS_IN_AUDIT = 1000


@dataclass(frozen=True)
class DeadlineRecompute:
    """The provisional deadlines recomputed after a calendar edit, one part per app that stores them."""

    parts: tuple[ProvisionalRecount, ...] = ()

    @property
    def checked(self) -> int:
        return sum(p.checked for p in self.parts)

    @property
    def final(self) -> int:
        return sum(len(p.final) for p in self.parts)

    @property
    def moved(self) -> int:
        return sum(len(p.moved) for p in self.parts)

    @property
    def still_provisional(self) -> int:
        return sum(p.still_provisional for p in self.parts)

    def merged(self, other: DeadlineRecompute | None) -> DeadlineRecompute:
        """This recompute followed by `other` (a whole year entered day by day): the later count of what is
        still provisional, the union of what became final or moved."""
        if other is None:
            return self
        mine = {p.key: p for p in self.parts}
        parts = []
        for later in other.parts:
            earlier = mine.pop(later.key, None)
            if earlier is None:
                parts.append(later)
                continue
            parts.append(ProvisionalRecount(
                key=later.key, label=later.label, checked=max(earlier.checked, later.checked),
                final=tuple(sorted({*earlier.final, *later.final})), moved=tuple(sorted({*earlier.moved, *later.moved})),
                still_provisional=later.still_provisional, changes=earlier.changes + later.changes,
            ))
        return DeadlineRecompute(tuple(sorted([*parts, *mine.values()], key=lambda p: p.key)))

    def as_details(self) -> dict:
        """For the audit record of the edit that triggered it."""
        return {
            "checked": self.checked, "final": self.final, "moved": self.moved,
            "still_provisional": self.still_provisional,
            "by_kind": {
                p.key: {
                    "checked": p.checked, "final": len(p.final), "moved": len(p.moved),
                    "still_provisional": p.still_provisional,
                    "final_ids": list(p.final[:RECOMPUTE_IDS_IN_AUDIT]),
                    "moved_ids": list(p.moved[:RECOMPUTE_IDS_IN_AUDIT]),
                    "changes": [
                        {**c, "ids": list(c["ids"][:RECOMPUTE_IDS_IN_AUDIT])} for c in p.changes
                    ],
                }
                for p in self.parts
            },
        }

    def as_lines(self) -> list[str]:
        """One Chinese line per kind of deadline, for the command's output and the console's message."""
        if not self.parts or not self.checked:
            return ["暂定期限：无需重新计算"]
        return [p.as_line() for p in self.parts if p.checked]


def _recompute_provisional_deadlines(*, on: dt.date | None = None) -> DeadlineRecompute:
    """Ask every app to recompute its provisional deadlines with the calendar as it now stands (inside the
    caller's transaction, after `_bump_calendar_version`, so the snapshot is the edited calendar)."""
    calendar = current_calendar()
    day = on or timezone.localdate()
    parts = [
        answer
        for _receiver, answer in provisional_deadlines_recompute.send(sender=WorkdayCalendar, calendar=calendar, on=day)
        if isinstance(answer, ProvisionalRecount)
    ]
    return DeadlineRecompute(tuple(sorted(parts, key=lambda p: p.key)))


def _year_is_loaded(year: int) -> bool:
    return CalendarYear.objects.filter(year=year, complete=True).exists()


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


@dataclass(frozen=True)
class CalendarSeed:
    """What `calendar_seed_from_package` loaded, and the provisional deadlines it recomputed."""

    years: list[int]
    deadlines: DeadlineRecompute | None = None


def calendar_seed_from_package(*, actor=None) -> CalendarSeed:
    """Load every year `chinesecalendar` holds that the calendar does not have yet (a new package release,
    or a fresh database), and recompute the provisional deadlines that ran into those years.

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
            return CalendarSeed(years=[])
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
        deadlines = _recompute_provisional_deadlines()
        audit_record(
            AuditEventType.CALENDAR_SEEDED,
            actor=actor,
            target_label="工作日历",
            articles=WORKING_DAY_ARTICLES,
            details={"years": years, "days": len(rows), "source": source, "deadlines": deadlines.as_details()},
        )
    return CalendarSeed(years=years, deadlines=deadlines)


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
    A day of a loaded year recomputes the provisional deadlines (the returned day's `.deadlines`; None when
    the year is not loaded, which changes no computation).
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
        deadlines = _recompute_provisional_deadlines() if _year_is_loaded(day.year) else None
        audit_record(
            AuditEventType.CALENDAR_DAY_SET,
            actor=actor,
            target=entry,
            target_label=f"{day.isoformat()} {name}",
            articles=WORKING_DAY_ARTICLES,
            details={"deadlines": deadlines.as_details()} if deadlines else None,
            changes=[
                Change(
                    "regulation.calendarday", str(entry.pk), "update" if before else "create", before, after
                )
            ],
        )
    entry.deadlines = deadlines
    return entry


def calendar_day_clear(*, day: dt.date, actor) -> DeadlineRecompute | None:
    """Remove the entry for `day`, so it follows the weekday rule again (audited with its before snapshot).
    Returns the recompute of provisional deadlines (None when the day's year is not loaded)."""
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
        deadlines = _recompute_provisional_deadlines() if _year_is_loaded(day.year) else None
        audit_record(
            AuditEventType.CALENDAR_DAY_CLEARED,
            actor=actor,
            target_label=f"{day.isoformat()} {before['name']}",
            articles=WORKING_DAY_ARTICLES,
            details={"deadlines": deadlines.as_details()} if deadlines else None,
            changes=[Change("regulation.calendarday", str(pk), "delete", before, None)],
        )
    return deadlines


def calendar_year_mark_loaded(*, year: int, actor, source: str = "") -> CalendarYear:
    """Declare `year`'s schedule complete, so deadlines may run into it (domain facts §11).

    Refused for a year without any holiday: every year has at least New Year's Day and the Spring
    Festival, so an empty year means the schedule was not entered. Loading the year recomputes the
    provisional deadlines that ran into it (the returned year's `.deadlines`; None if it was loaded already).
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
            entry.deadlines = None
            return entry
        before = {"year": year, "complete": False, "source": entry.source}
        entry.complete = True
        entry.source = (source or _actor_source(actor))[:255]
        entry.save()
        _bump_calendar_version()
        deadlines = _recompute_provisional_deadlines()
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
                "deadlines": deadlines.as_details(),
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
    entry.deadlines = deadlines
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
    Entries already present for that year but absent from the announcement are removed. The returned year's
    `.deadlines` sums up the provisional deadlines recomputed (when the year is loaded, or, for a year loaded
    before, after each corrected day).
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
        deadlines: DeadlineRecompute | None = None
        wanted = {e.day for e in entries}
        for stale in (
            CalendarDay.objects.filter(day__year=year).exclude(day__in=wanted).values_list("day", flat=True)
        ):
            recomputed = calendar_day_clear(day=stale, actor=actor)
            deadlines = deadlines.merged(recomputed) if deadlines else recomputed
        for entry in sorted(entries, key=lambda e: e.day):
            current = CalendarDay.objects.filter(day=entry.day).first()
            if current and (current.kind, current.name) == (entry.kind, entry.name):
                continue
            recomputed = calendar_day_set(day=entry.day, kind=entry.kind, name=entry.name, actor=actor).deadlines
            deadlines = deadlines.merged(recomputed) if deadlines else recomputed
        loaded = calendar_year_mark_loaded(year=year, actor=actor, source=source)
        loaded.deadlines = deadlines.merged(loaded.deadlines) if deadlines else loaded.deadlines
        return loaded
