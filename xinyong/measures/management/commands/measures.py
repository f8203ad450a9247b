"""`xinyong measures deadlines`: the daily job giving open measure cases the feedback deadline the calendar
could not give when they were opened (a year not loaded yet), and counting the overdue ones (Art 22, 33).

`xinyong measures seed`: create the seeded measures that are missing (idempotent; Art 22–26).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from xinyong.lists.seed import lists_seed
from xinyong.measures.choices import MeasureCaseStatus
from xinyong.measures.models import MeasureCase
from xinyong.measures.seed import measures_seed
from xinyong.measures.selectors import overdue_q
from xinyong.measures.services import cases_set_deadlines


class Command(BaseCommand):
    help = "Set measure case deadlines, or seed the measures."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("deadlines", help="fill in missing feedback deadlines and report overdue cases")
        sub.add_parser("seed", help="create the seeded measures if they are missing")

    def handle(self, *args, **options):
        if options["action"] == "seed":
            lists_seed()
            created = measures_seed().created
            self.stdout.write(f"measures created: {', '.join(created)}" if created else "measures: nothing to do")
            return
        result = cases_set_deadlines()
        today = timezone.localdate()
        overdue = MeasureCase.objects.filter(overdue_q(today)).count()
        open_cases = MeasureCase.objects.filter(status=MeasureCaseStatus.OPEN).count()
        self.stdout.write(
            f"measures: {result.updated} deadlines set, {result.pending} still waiting for the calendar; "
            f"{open_cases} open cases, {overdue} overdue"
        )
