"""`xinyong workdays add DATE N` and `xinyong workdays between DATE1 DATE2`: working-day arithmetic.

Conventions are those of `xinyong.core.workdays`: `add` gives the N-th working day after DATE (DATE itself
for N = 0) as deadlines are computed — past the loaded years on weekends alone, printed with the provisional
mark and the years not loaded (domain facts §11); `between` counts the working days in (DATE1, DATE2] and
refuses a year not loaded.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import ServiceError
from xinyong.core.workdays import PROVISIONAL_MARK, deadline, working_days_between


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
                due = deadline(_date(options["date"]), options["n"])
                result = due.day.isoformat()
                if due.provisional:
                    years = "、".join(f"{y}年" for y in due.unloaded_years)
                    result += f"\t{PROVISIONAL_MARK}\t{years}节假日安排尚未录入，按周六、周日休息计算"
            else:
                result = str(working_days_between(_date(options["date1"]), _date(options["date2"])))
        except ServiceError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        self.stdout.write(result)
