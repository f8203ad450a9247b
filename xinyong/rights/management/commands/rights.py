"""`xinyong rights deadlines [--on DATE]`: run the daily deadline job of objections and credit repair by hand
(Art 28, 30, 31, 33 (5)): fill in the deadlines the calendar can now give, escalate the overdue cases, remind
departments of cases due soon. Prints one summary line. The scheduler (`xinyong scheduler`) runs it every day.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import ServiceError
from xinyong.rights.deadlines import cases_run_deadlines


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--on: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Objections and credit repair: run the daily deadline job."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        deadlines = sub.add_parser("deadlines", help="set deadlines, escalate overdue cases, remind of due ones")
        deadlines.add_argument("--on", type=_day, default=None,
                               help="the day of the run (YYYY-MM-DD, not in the future; default today)")

    def handle(self, *args, **options):
        try:
            result = cases_run_deadlines(on=options["on"])
        except ServiceError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(result.as_line())
