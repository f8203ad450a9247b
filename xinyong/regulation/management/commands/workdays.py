"""`xinyong workdays add DATE N` and `xinyong workdays between DATE1 DATE2`: working-day arithmetic.

Conventions are those of `xinyong.core.workdays`: `add` gives the N-th working day after DATE (DATE itself
for N = 0); `between` counts the working days in (DATE1, DATE2].
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import ServiceError
from xinyong.core.workdays import add_working_days, working_days_between


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD: {raw!r}") from None


class Command(BaseCommand):
    help = "Working-day arithmetic on the platform's calendar (holidays and make-up working days)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="print the N-th working day after DATE (DATE itself for N = 0)")
        add.add_argument("date")
        add.add_argument("n", type=int)
        between = sub.add_parser("between", help="print the number of working days in (DATE1, DATE2]")
        between.add_argument("date1")
        between.add_argument("date2")

    def handle(self, *args, **options):
        try:
            if options["action"] == "add":
                if options["n"] < 0:
                    raise CommandError("工作日数不能为负数")
                result = add_working_days(_date(options["date"]), options["n"]).isoformat()
            else:
                result = str(working_days_between(_date(options["date1"]), _date(options["date2"])))
        except ServiceError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        self.stdout.write(result)
