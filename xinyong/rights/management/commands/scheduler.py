"""`xinyong scheduler [--interval SECONDS] [--once] [--on DATE]`: the daily jobs and notification delivery.

Runs in the background beside the web server (`scripts/run.sh` starts one; see
docs/operations/scheduled-jobs.md). Every tick delivers the notifications that are due and, once a day after
`XINYONG_DAILY_JOBS_AT` (local time, default 00:30), runs the daily jobs — list expiry, measure case deadlines,
objection and repair deadlines — exactly once per day, whatever the number of schedulers or restarts
(`xinyong.rights.scheduler`).

`--once` runs one tick and exits (cron, tests); its exit status is 1 if a job failed. `--on DATE` runs the
daily jobs for that past day at once (catching up, testing), with `--once`.
"""

from __future__ import annotations

import datetime as dt
import signal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinyong.rights.scheduler import DEFAULT_INTERVAL, daily_jobs_at, run_forever, tick


def _stop(signum, frame):
    # SIGTERM (kill, systemd, the end of `make run`) stops like Ctrl-C: a job in progress rolls back whole and
    # runs again at the next start.
    raise KeyboardInterrupt


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--on: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Run the daily jobs once a day and deliver due notifications, every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL,
                            help=f"seconds between ticks (default {DEFAULT_INTERVAL})")
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument("--on", type=_day, default=None,
                            help="run the daily jobs of this day (YYYY-MM-DD, not in the future) at once; "
                                 "for catching up and testing, with --once")

    def handle(self, *args, **options):
        interval, once, day = options["interval"], options["once"], options["on"]
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        if day is not None:
            if not once:
                raise CommandError("--on runs one day's jobs: use it with --once")
            if day > timezone.localdate():
                raise CommandError("--on cannot be in the future")
        start = daily_jobs_at()  # refuses a malformed XINYONG_DAILY_JOBS_AT before the first tick
        if once:
            result = tick(on=day)
            for line in result.lines():
                self.stdout.write(line)
            if any(job.status == "failed" for job in result.jobs):
                raise CommandError("a daily job failed; it is retried at the next tick")
            return
        if options["verbosity"] >= 1:
            self.stdout.write(f"scheduler: every {interval:g} s; daily jobs after {start:%H:%M} local time")
        signal.signal(signal.SIGTERM, _stop)
        try:
            run_forever(interval=interval, write=self.stdout.write)
        except KeyboardInterrupt:
            if options["verbosity"] >= 1:
                self.stdout.write("scheduler: stopped")
