"""`xinyong calendar ...`: the working-day calendar the deadlines are counted in (domain facts §11).

    xinyong calendar years                                 loaded years and their sources
    xinyong calendar show YEAR                             holidays and make-up working days of a year
    xinyong calendar set DATE --kind holiday --name 春节 --actor USER
    xinyong calendar clear DATE --actor USER
    xinyong calendar import FILE --actor USER              a whole year, then marks it loaded
    xinyong calendar mark-loaded YEAR --actor USER [--source TEXT]
    xinyong calendar seed                                  load years the chinesecalendar package holds

Every change is audited with the acting account (`--actor`, an existing user name). A change to the calendar
deadlines are counted in (a year loaded, a day of a loaded year) recomputes the provisional deadlines in the
same transaction and prints one summary line per kind of deadline (domain facts §11).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import ServiceError
from xinyong.regulation.calendar_files import parse_year_schedule
from xinyong.regulation.choices import CalendarDayKind
from xinyong.regulation.selectors import calendar_days, calendar_years
from xinyong.regulation.services import (
    calendar_day_clear,
    calendar_day_set,
    calendar_seed_from_package,
    calendar_year_load,
    calendar_year_mark_loaded,
)

WEEKDAYS = "一二三四五六日"


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD: {raw!r}") from None


class Command(BaseCommand):
    help = "Show and edit the working-day calendar (holidays, make-up working days, loaded years)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("years", help="list the calendar's years")
        show = sub.add_parser("show", help="list a year's holidays and make-up working days")
        show.add_argument("year", type=int)
        set_ = sub.add_parser("set", help="make a day a holiday or a make-up working day")
        set_.add_argument("date")
        set_.add_argument("--kind", required=True, choices=CalendarDayKind.values)
        set_.add_argument("--name", required=True, help="e.g. 春节")
        set_.add_argument("--actor", required=True, help="user name of the account making the change")
        clear = sub.add_parser("clear", help="remove a day's entry (it follows the weekday rule again)")
        clear.add_argument("date")
        clear.add_argument("--actor", required=True)
        load = sub.add_parser("import", help="enter a whole year from a TOML file and mark it loaded")
        load.add_argument("file", type=Path)
        load.add_argument("--actor", required=True)
        mark = sub.add_parser("mark-loaded", help="declare a year's schedule complete")
        mark.add_argument("year", type=int)
        mark.add_argument("--actor", required=True)
        mark.add_argument("--source", default="", help="the State Council notice the schedule comes from")
        sub.add_parser("seed", help="load every year the chinesecalendar package holds that is missing")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            getattr(self, "_" + action.replace("-", "_"))(options)
        except ServiceError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None

    def _actor(self, options):
        try:
            return get_user_model().objects.get(username=options["actor"], is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no active account named {options['actor']!r}") from None

    def _years(self, options):
        for year in calendar_years():
            state = "complete" if year.complete else "incomplete"
            self.stdout.write(f"{year.year}\t{state}\t{year.source}")

    def _show(self, options):
        for entry in calendar_days(options["year"]):
            weekday = WEEKDAYS[entry.day.weekday()]
            self.stdout.write(
                f"{entry.day.isoformat()}\t周{weekday}\t{entry.kind}\t{entry.name}\t{entry.source}"
            )

    def _recomputed(self, deadlines) -> None:
        if deadlines is not None:
            for line in deadlines.as_lines():
                self.stdout.write(line)

    def _set(self, options):
        entry = calendar_day_set(
            day=_date(options["date"]), kind=options["kind"], name=options["name"], actor=self._actor(options)
        )
        self.stdout.write(f"{entry.day.isoformat()}\t{entry.kind}\t{entry.name}")
        self._recomputed(entry.deadlines)

    def _clear(self, options):
        day = _date(options["date"])
        deadlines = calendar_day_clear(day=day, actor=self._actor(options))
        self.stdout.write(f"{day.isoformat()}\tcleared")
        self._recomputed(deadlines)

    def _import(self, options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        schedule = parse_year_schedule(path.read_text(encoding="utf-8"))
        year = calendar_year_load(
            year=schedule.year, entries=schedule.entries, actor=self._actor(options), source=schedule.source
        )
        self.stdout.write(f"{year.year}\tcomplete\t{len(schedule.entries)} days\t{year.source}")
        self._recomputed(year.deadlines)

    def _mark_loaded(self, options):
        year = calendar_year_mark_loaded(
            year=options["year"], actor=self._actor(options), source=options["source"]
        )
        self.stdout.write(f"{year.year}\tcomplete\t{year.source}")
        self._recomputed(year.deadlines)

    def _seed(self, options):
        seed = calendar_seed_from_package()
        self.stdout.write(f"loaded: {', '.join(map(str, seed.years)) or 'nothing new'}")
        self._recomputed(seed.deadlines)
