"""`xinyong demo [--subjects N] [--seed S] [--logins-file PATH]`: load synthetic Chengde demo data.

Divisions, organizations (Art 6), staff logins with generated passwords, and N credit subjects (Art 19
persons by citizen ID, Art 20 organizations by USCC, Art 24 legal representatives), deterministic per seed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from xinyong.core.errors import ServiceError
from xinyong.demo.services import DEFAULT_BATCH_SIZE, demo_load, logins_table, logins_write


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Load synthetic Chengde demo data: organizations, staff logins and credit subjects."

    def add_arguments(self, parser):
        parser.add_argument("--subjects", type=_non_negative, default=2000, help="number of subjects (2000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed, the same data")
        parser.add_argument(
            "--batch-size", type=_positive, default=DEFAULT_BATCH_SIZE, help="subjects per transaction"
        )
        parser.add_argument(
            "--serial",
            action="store_true",
            help="generate subjects in this process only (by default a second process prepares the batches)",
        )
        parser.add_argument("--logins-file", help="also write the generated logins to this file (mode 0600)")

    def handle(self, *args, **options):
        total = options["subjects"]

        def progress(done: int, of: int, rate: float) -> None:
            self.stdout.write(f"subjects {done}/{of} ({rate:,.0f}/s)")
            self.stdout.flush()

        logins_file = options["logins_file"]
        staff_logins = []

        def save_staff_logins(logins) -> None:
            # Saved before the subjects are loaded: passwords are shown once and must survive a failure there.
            staff_logins.extend(logins)
            if logins_file:
                logins_write(logins_file, logins)

        try:
            result = demo_load(
                subjects=total,
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=progress,
                parallel=False if options["serial"] else None,
                on_accounts=save_staff_logins,
            )
        except BaseException as exc:
            if staff_logins:
                # The accounts exist now and a rerun will not show their passwords again.
                self.stdout.write("Loading stopped after the staff accounts were created. Their logins:")
                self.stdout.write(logins_table(staff_logins), ending="")
            if isinstance(exc, ServiceError):
                raise CommandError(f"{exc.field}: {exc.message} [{exc.code}]") from None
            if isinstance(exc, IntegrityError):
                raise CommandError(f"demo data clashes with data already in the database: {exc}") from None
            raise
        if not result.loaded:
            self.stdout.write(
                "demo data already loaded: nothing to do (the staff logins were printed on the first run)"
            )
            return
        stats = result.stats
        self.stdout.write(
            f"demo: {stats.subjects} subjects in {stats.seconds:.1f} s ({stats.rate:,.0f} subjects/s); "
            f"{stats.relations} legal representatives linked; {stats.batches} batches"
        )
        self.stdout.write("")
        self.stdout.write("Logins (generated passwords and API token, shown once):")
        self.stdout.write(logins_table(result.logins), ending="")
        if logins_file:
            path = logins_write(logins_file, result.logins)
            self.stdout.write(f"logins written to {path} (mode 0600)")
