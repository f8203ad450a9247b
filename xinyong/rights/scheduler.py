"""The platform's daily jobs and notification delivery: the loop behind `xinyong scheduler`.

Every tick (`--interval` seconds, 60 by default) delivers the notifications that are due
(`xinyong.notifications.services.outbox_deliver_due`) and, once the local time (Asia/Shanghai) has reached
`XINYONG_DAILY_JOBS_AT` ("HH:MM", default "00:30"), runs each daily job for the day that has not run yet:

* ``lists-expire`` — remove listings whose period has ended (`xinyong.lists.services.list_entries_expire`);
* ``measures-deadlines`` — give measure cases the deadlines the calendar can now give
  (`xinyong.measures.services.cases_set_deadlines`);
* ``rights-deadlines`` — objection and repair deadlines, escalation and reminders
  (`xinyong.rights.deadlines.cases_run_deadlines`);
* ``uploads-expire`` — delete stored submission files past `retention.submission_upload`
  (`xinyong.ingestion.uploads.uploads_expire`).

Exactly once a day, across restarts and several schedulers: a job runs inside a transaction that first
claims its `ScheduledJobRun(job, on)` row — unique per job and day. A second scheduler trying the same claim
waits for the first to commit and then finds the row done; a scheduler killed in the middle of a job leaves
nothing behind (its transaction rolls back, the claim with it) and the next tick runs the job again. A job
that fails is rolled back to a savepoint and its row records ok=False with the error; the next tick retries
it, until it succeeds. One job failing does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinyong.rights.models import ScheduledJobRun

logger = logging.getLogger(__name__)

DEFAULT_DAILY_JOBS_AT = "00:30"
DEFAULT_INTERVAL = 60
ERROR_LENGTH = 2000
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# --- the jobs -----------------------------------------------------------------------------------------------


def _lists_expire(day: dt.date) -> dict:
    from xinyong.lists.services import list_entries_expire

    result = list_entries_expire(on=day)
    return {"on": result.on.isoformat(), "removed": result.removed}


def _measures_deadlines(day: dt.date) -> dict:
    from xinyong.measures.services import cases_set_deadlines

    result = cases_set_deadlines()
    return {"updated": result.updated, "pending": result.pending}


def _rights_deadlines(day: dt.date) -> dict:
    from xinyong.rights.deadlines import cases_run_deadlines

    return cases_run_deadlines(on=day).as_summary()


def _uploads_expire(day: dt.date) -> dict:
    from xinyong.ingestion.uploads import uploads_expire

    return uploads_expire(on=day).as_summary()


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: Callable[[dt.date], dict]


#: In the order they run: list expiry first (it changes which entries are in force), deadlines after.
DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("lists-expire", _lists_expire),
    DailyJob("measures-deadlines", _measures_deadlines),
    DailyJob("rights-deadlines", _rights_deadlines),
    DailyJob("uploads-expire", _uploads_expire),
)


# --- configuration ------------------------------------------------------------------------------------------


def parse_time_of_day(value: str) -> dt.time:
    match = _TIME_RE.match((value or "").strip())
    if not match:
        raise ImproperlyConfigured(f"XINYONG_DAILY_JOBS_AT must be a local time HH:MM (e.g. 00:30), not {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def daily_jobs_at() -> dt.time:
    """When the daily jobs may start each day (local time): the setting, the environment, or 00:30."""
    value = getattr(settings, "XINYONG_DAILY_JOBS_AT", None) or os.environ.get("XINYONG_DAILY_JOBS_AT") or \
        DEFAULT_DAILY_JOBS_AT
    return parse_time_of_day(value)


# --- one job, once a day ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobOutcome:
    job: str
    on: dt.date
    status: str  # "ok", "failed", or "done" (already run that day, nothing done now)
    summary: dict = field(default_factory=dict)

    def as_line(self) -> str:
        if self.status == "failed":
            return f"{self.job} {self.on.isoformat()}: FAILED: {self.summary.get('error', '')}"
        if self.status == "done":
            return f"{self.job} {self.on.isoformat()}: already done"
        details = ", ".join(f"{k}={v}" for k, v in self.summary.items() if k != "on")
        return f"{self.job} {self.on.isoformat()}: ok ({details})"


def _claim(job: str, day: dt.date, now: dt.datetime) -> ScheduledJobRun | None:
    """Lock the day's row of `job`, creating it; None when the job already succeeded that day. Inside the
    caller's transaction: a concurrent claimer waits on the row (or on the unique index) until it commits."""
    row = ScheduledJobRun.objects.select_for_update().filter(job=job, on=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = ScheduledJobRun.objects.create(job=job, on=day, started_at=now)
        except IntegrityError:  # another scheduler created it and has committed since
            row = ScheduledJobRun.objects.select_for_update().get(job=job, on=day)
    if row.ok:
        return None
    return row


def job_run_once(job: DailyJob, day: dt.date) -> JobOutcome:
    """Run `job` for `day` unless it already succeeded that day (see the module docstring)."""
    now = timezone.now()
    with transaction.atomic():
        row = _claim(job.name, day, now)
        if row is None:
            return JobOutcome(job.name, day, "done")
        attempts = int((row.summary or {}).get("attempts", 0)) + 1
        row.started_at = now
        try:
            with transaction.atomic():
                summary = dict(job.run(day) or {})
        except Exception as error:
            logger.exception("daily job %s for %s failed (attempt %d)", job.name, day, attempts)
            message = f"{type(error).__name__}: {error}"
            row.ok = False
            row.summary = {"error": message[:ERROR_LENGTH], "attempts": attempts,
                           "traceback": traceback.format_exc()[-ERROR_LENGTH:]}
            status = "failed"
        else:
            row.ok = True
            row.summary = {**summary, "attempts": attempts}
            status = "ok"
        row.finished_at = timezone.now()
        row.save()
    return JobOutcome(job.name, day, status, row.summary)


# --- a tick -------------------------------------------------------------------------------------------------


@dataclass
class TickResult:
    delivery: str = ""  # the delivery run's summary line, "" when nothing was delivered or none ran
    jobs: list[JobOutcome] = field(default_factory=list)
    waiting_until: dt.time | None = None  # the daily jobs have not started today: not before this time

    def lines(self) -> list[str]:
        out = [self.delivery] if self.delivery else []
        out += [job.as_line() for job in self.jobs]
        if self.waiting_until is not None:
            out.append(f"daily jobs: not before {self.waiting_until:%H:%M}")
        return out


def deliver_notifications() -> str:
    """Send the due outbox messages; "" when the notifications app has nothing to send. Never raises."""
    try:
        from xinyong.notifications.services import outbox_deliver_due
    except ImportError:  # a platform without the notifications app
        return ""
    try:
        result = outbox_deliver_due()
    except Exception:
        logger.exception("notification delivery failed")
        return "notifications: delivery failed (see the log)"
    if not (result.sent or result.retried or result.gave_up):
        return ""
    return result.as_line()


def tick(*, on: dt.date | None = None, now: dt.datetime | None = None, deliver: bool = True,
         jobs: tuple[DailyJob, ...] = DAILY_JOBS) -> TickResult:
    """One round: deliver due notifications, then run the daily jobs not yet run for the day.

    Without `on` the day is today and the jobs wait for `daily_jobs_at()`; with `on` (a past day, catching up
    or testing) they run for that day at once."""
    result = TickResult()
    if deliver:
        result.delivery = deliver_notifications()
    local = timezone.localtime(now or timezone.now())
    if on is None:
        start = daily_jobs_at()
        if local.time() < start:
            result.waiting_until = start
            return result
        day = local.date()
    else:
        if on > local.date():
            raise ValueError("the scheduler does not run the jobs of a future day")
        day = on
    for job in jobs:
        result.jobs.append(job_run_once(job, day))
    return result


def run_forever(*, interval: float = DEFAULT_INTERVAL, on: dt.date | None = None,
                write: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep) -> None:
    """Tick every `interval` seconds until interrupted. Only lines that say something are written: a
    delivery that sent something, and each job outcome other than "already done"."""
    while True:
        started = time.monotonic()
        try:
            result = tick(on=on)
        except Exception:  # a database outage, say: log it and try again at the next tick
            logger.exception("scheduler tick failed")
        else:
            if result.delivery:
                write(result.delivery)
            for job in result.jobs:
                if job.status != "done":
                    write(job.as_line())
        sleep(max(0.0, interval - (time.monotonic() - started)))
