"""The scheduler (`xinyong scheduler`): notification delivery every tick, the daily jobs once a day.

Ticks are dated with `--on` (a past day) or with a frozen clock; the jobs are the real ones (list expiry,
measure case deadlines, objection and repair deadlines) unless a test replaces one to make it fail.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from rights_fixtures import DUE, FILED, audit_events

from xinyong.audit.choices import AuditEventType
from xinyong.rights import scheduler
from xinyong.rights.models import ScheduledJobRun
from xinyong.rights.scheduler import DAILY_JOBS, DailyJob, job_run_once, parse_time_of_day, tick
from xinyong.rights.services import objection_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = DUE + dt.timedelta(days=1)  # Tuesday 10 November 2026: an objection filed on the 2nd is overdue
JOB_NAMES = ["lists-expire", "measures-deadlines", "rights-deadlines", "uploads-expire"]


def runs() -> dict[str, ScheduledJobRun]:
    return {r.job: r for r in ScheduledJobRun.objects.filter(on=DAY)}


@pytest.fixture
def no_delivery(monkeypatch):
    """Count the delivery runs instead of sending (the notifications tests cover sending)."""
    calls = []

    def deliver():
        calls.append(1)
        return ""

    monkeypatch.setattr(scheduler, "deliver_notifications", deliver)
    return calls


@pytest.mark.smoke
def test_two_ticks_run_the_days_jobs_once(no_delivery, capsys):
    call_command("scheduler", "--once", "--on", DAY.isoformat())
    first = capsys.readouterr().out
    call_command("scheduler", "--once", "--on", DAY.isoformat())
    second = capsys.readouterr().out

    assert sorted(runs()) == JOB_NAMES and all(r.ok and r.finished_at for r in runs().values())
    assert all(f"{name} 2026-11-10: ok" in first for name in JOB_NAMES)
    assert all(f"{name} 2026-11-10: already done" in second for name in JOB_NAMES)
    assert len(audit_events(AuditEventType.RIGHTS_DEADLINES_RUN)) == 1
    assert len(no_delivery) == 2  # notifications are delivered at every tick


def test_the_rights_job_escalates_the_overdue_case_once_across_ticks(no_delivery, record):
    case = objection_file(subject=record.subject, record=record, reasons="处罚决定已被复议机关撤销。", on=FILED)
    tick(on=DAY)
    tick(on=DAY)
    case.refresh_from_db()
    assert case.escalated_on == DAY and case.events.filter(action="escalated").count() == 1
    assert runs()["rights-deadlines"].summary["escalated"] == 1


def test_a_second_claim_of_the_same_day_does_not_run_the_job_again():
    ran = []
    job = DailyJob("counting", lambda day: ran.append(day) or {"n": len(ran)})
    first = job_run_once(job, DAY)
    second = job_run_once(job, DAY)
    assert (first.status, second.status) == ("ok", "done") and ran == [DAY]
    (row,) = ScheduledJobRun.objects.filter(job="counting")
    assert row.ok and row.summary == {"n": 1, "attempts": 1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_run_a_day_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL's row locks")
    ran = []

    def slow(day):
        ran.append(day)
        time.sleep(0.5)  # the other scheduler tries its claim meanwhile
        return {}

    job = DailyJob("slow", slow)
    outcomes = []
    barrier = threading.Barrier(2)

    def scheduler_thread():
        try:
            barrier.wait()
            outcomes.append(job_run_once(job, DAY).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["done", "ok"] and ran == [DAY]
    assert ScheduledJobRun.objects.filter(job="slow", on=DAY, ok=True).count() == 1


def test_a_failed_job_records_its_error_is_retried_next_tick_and_does_not_stop_the_others(
    monkeypatch, no_delivery,
):
    def broken(*, on=None, actor=None):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("xinyong.lists.services.list_entries_expire", broken)
    with pytest.raises(CommandError):
        call_command("scheduler", "--once", "--on", DAY.isoformat())
    failed = runs()["lists-expire"]
    assert not failed.ok and failed.summary["error"] == "RuntimeError: the disk is full"
    assert failed.summary["attempts"] == 1 and failed.finished_at is not None
    assert runs()["rights-deadlines"].ok and runs()["measures-deadlines"].ok

    monkeypatch.undo()
    result = tick(on=DAY)
    assert [(j.job, j.status) for j in result.jobs] == [
        ("lists-expire", "ok"), ("measures-deadlines", "done"), ("rights-deadlines", "done"),
        ("uploads-expire", "done"),
    ]
    retried = runs()["lists-expire"]
    assert retried.ok and retried.summary["attempts"] == 2 and "error" not in retried.summary


def test_the_daily_jobs_wait_for_the_configured_local_time(settings, no_delivery):
    settings.XINYONG_DAILY_JOBS_AT = "02:00"
    before = tick(now=dt.datetime(2026, 11, 10, 1, 59, tzinfo=SHANGHAI))
    assert before.jobs == [] and before.waiting_until == dt.time(2, 0)
    assert not ScheduledJobRun.objects.exists()
    after = tick(now=dt.datetime(2026, 11, 10, 2, 0, tzinfo=SHANGHAI))
    assert [j.status for j in after.jobs] == ["ok"] * len(JOB_NAMES) and sorted(runs()) == JOB_NAMES


def test_the_daily_jobs_run_for_the_local_day_not_the_utc_one(settings, monkeypatch, no_delivery):
    settings.XINYONG_DAILY_JOBS_AT = "00:30"
    # 00:45 on 11 November in Chengde is still 10 November in UTC.
    moment = dt.datetime(2026, 11, 11, 0, 45, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    result = tick()
    assert {j.on for j in result.jobs} == {dt.date(2026, 11, 11)}


def test_the_time_of_day_and_the_options_are_checked(settings):
    assert parse_time_of_day("7:05") == dt.time(7, 5)
    with pytest.raises(ImproperlyConfigured):
        parse_time_of_day("25:00")
    with pytest.raises(CommandError, match="future"):
        call_command("scheduler", "--once", "--on", (timezone.localdate() + dt.timedelta(days=1)).isoformat())
    with pytest.raises(CommandError, match="--once"):
        call_command("scheduler", "--on", DAY.isoformat())
    settings.XINYONG_DAILY_JOBS_AT = "half past midnight"
    with pytest.raises(ImproperlyConfigured):
        call_command("scheduler", "--once")


def test_the_jobs_run_in_order_expiry_first():
    assert [job.name for job in DAILY_JOBS] == JOB_NAMES


def test_the_loop_ticks_every_interval_and_says_only_what_it_did(monkeypatch, no_delivery):
    from xinyong.rights.scheduler import run_forever

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 10, 8, 0, tzinfo=SHANGHAI))
    lines, sleeps = [], []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_forever(interval=60, write=lines.append, sleep=sleep)
    assert len(no_delivery) == 3 and all(0 < s <= 60 for s in sleeps)
    assert sorted(line.split()[0] for line in lines) == JOB_NAMES  # the first tick ran them; the others said nothing
