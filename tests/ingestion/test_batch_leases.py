"""Batch leases (security req. 22): a batch stranded by a dead process is taken over and stored exactly once
from its stored upload; a live lease is left alone; a run that lost its lease stores nothing; a batch
without a stored upload, or interrupted too often, is closed as failed; every takeover and closure is
audited. `xinyong ingest resume` and the worker do the takeover."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from ingestion_fixtures import penalty_row, person_row, write_csv

from xinyong.audit.choices import AuditEventType
from xinyong.audit.log import audit_log_verify
from xinyong.audit.models import AuditEvent
from xinyong.ingestion.leases import LeaseLost, batch_lease_claim
from xinyong.ingestion.models import Batch, RejectedRow
from xinyong.ingestion.pipeline import batch_process, batch_receipt_verify, batch_receive
from xinyong.ingestion.recovery import stranded_batches
from xinyong.ingestion.uploads import upload_store
from xinyong.records.models import CreditRecord

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.XINYONG_UPLOAD_DIR = tmp_path / "uploads"
    return settings.XINYONG_UPLOAD_DIR


def received(tmp_path, provider, rows, name="处罚.csv") -> Batch:
    """A batch as the console registers it: its file stored encrypted, not yet processed."""
    data = write_csv(tmp_path / "file.csv", rows).read_bytes()
    stored = upload_store(iter([data]))
    return batch_receive(item_code="admin-penalty", provider=provider, channel="console", file_name=name,
                         upload=stored)


def expire(batch: Batch) -> None:
    """What a dead owner leaves: its lease runs out, nobody extends it."""
    Batch.objects.filter(pk=batch.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))


def resume(*args) -> list[dict]:
    out = io.StringIO()
    call_command("ingest", "resume", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def events(event_type) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


@pytest.mark.smoke
def test_a_batch_whose_worker_died_is_taken_over_and_stored_once(tmp_path, penalty, provider):
    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc), penalty_row(provider.uscc, **{"违法事实": ""})]
    batch = received(tmp_path, provider, rows)
    dead = batch_lease_claim(batch.pk, owner="worker host-a:4242")
    expire(batch)
    assert list(stranded_batches()) == [batch]

    (line,) = resume()
    assert line["action"] == "taken_over" and line["batch"] == batch.pk
    assert (line["received"], line["accepted"], line["rejected"], line["duplicates"]) == (3, 2, 1, 0)
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.lease_expires_at) == ("done", 2, None)
    assert batch.lease_owner.startswith("resume ")
    assert CreditRecord.objects.filter(batch=batch).count() == 2 and batch_receipt_verify(batch)
    (takeover,) = events(AuditEventType.SUBMISSION_TAKEN_OVER)
    assert takeover.target_id == str(batch.pk) and takeover.details["previous_owner"] == "worker host-a:4242"
    assert takeover.details["attempts"] == 2
    assert len(events(AuditEventType.SUBMISSION_ACCEPTED)) == 1

    assert resume() == []  # nothing stranded any more
    with pytest.raises(LeaseLost):  # the old owner, had it only stalled, cannot store the batch again
        batch_process(batch, lease=dead.lease)
    assert CreditRecord.objects.count() == 2 and RejectedRow.objects.filter(batch=batch).count() == 1
    assert len(events(AuditEventType.SUBMISSION_ACCEPTED)) == 1
    assert audit_log_verify().ok


@pytest.mark.smoke
def test_a_batch_under_a_live_lease_is_left_to_its_owner(tmp_path, penalty, provider):
    batch = received(tmp_path, provider, [penalty_row(provider.uscc)])
    assert batch_lease_claim(batch.pk, owner="worker host-a:1") is not None
    assert resume() == []
    assert resume("--batch", str(batch.pk)) == [{"batch": batch.pk, "action": "skipped"}]
    assert batch_lease_claim(batch.pk, owner="worker host-b:2") is None
    batch.refresh_from_db()
    assert (batch.status, batch.lease_owner) == ("processing", "worker host-a:1")
    assert not CreditRecord.objects.exists()


@pytest.mark.smoke
def test_a_received_batch_whose_task_was_lost_is_started_after_one_lease_length(tmp_path, penalty, provider):
    batch = received(tmp_path, provider, [penalty_row(provider.uscc)])
    assert resume() == []  # still waiting in the queue
    Batch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    (line,) = resume()
    assert (line["action"], line["accepted"]) == ("processed", 1)
    assert not events(AuditEventType.SUBMISSION_TAKEN_OVER)  # it never started: nothing was taken over


@pytest.mark.smoke
def test_a_run_that_lost_its_lease_stores_nothing_and_the_new_owner_stores_the_batch_once(
    tmp_path, penalty, provider,
):
    rows = [penalty_row(provider.uscc) for _ in range(4)]
    batch = received(tmp_path, provider, rows)
    stalled = batch_lease_claim(batch.pk, owner="worker host-a:1")
    expire(batch)
    new_owner = batch_lease_claim(batch.pk, owner="worker host-b:2")
    assert new_owner is not None and new_owner.previous_owner == "worker host-a:1"
    with pytest.raises(LeaseLost):
        batch_process(batch, lease=stalled.lease)  # the stalled run wakes up and finishes its file
    assert not CreditRecord.objects.exists() and not events(AuditEventType.SUBMISSION_ACCEPTED)
    batch.refresh_from_db()
    assert (batch.status, batch.lease_owner) == ("processing", "worker host-b:2")
    result = batch_process(batch, lease=new_owner.lease)
    assert (result.status, result.accepted) == ("done", 4)
    assert CreditRecord.objects.count() == 4 and len(events(AuditEventType.SUBMISSION_ACCEPTED)) == 1


@pytest.mark.smoke
def test_a_batch_without_a_stored_upload_is_closed_as_interrupted(tmp_path, penalty, provider):
    from xinyong.ingestion.leases import lease_fields

    # What `xinyong ingest` or a synchronous API request leaves when it is killed mid-batch: a processing
    # batch under its own lease, and no stored file (it never acknowledged anything).
    batch = Batch.objects.create(provider=provider, item=penalty, item_code="admin-penalty", channel="command",
                                 file_name="大文件.csv", status="processing", attempts=1,
                                 **lease_fields("ingest host-a:7", "a" * 32, timezone.now()))
    expire(batch)
    (line,) = resume()
    assert (line["action"], line["reason"]) == ("closed", "interrupted")
    batch.refresh_from_db()
    assert (batch.status, batch.error_code) == ("failed", "interrupted")
    assert batch.error == "处理过程中断（服务进程或数据库意外停止），本批次未保存任何记录，也未出具回执，请重新报送该文件"
    (closed,) = events(AuditEventType.SUBMISSION_INTERRUPTED)
    assert closed.outcome == "failure" and closed.details["reason"] == "interrupted"
    assert closed.details["previous_owner"] == "ingest host-a:7"


@pytest.mark.smoke
def test_a_batch_interrupted_too_often_is_closed_and_an_operator_can_retry_it(settings, tmp_path, penalty, provider):
    settings.XINYONG_BATCH_MAX_ATTEMPTS = 2
    batch = received(tmp_path, provider, [penalty_row(provider.uscc)])
    for owner in ("worker a:1", "worker b:2"):
        assert batch_lease_claim(batch.pk, owner=owner) is not None
        expire(batch)
    (line,) = resume()
    assert (line["action"], line["reason"]) == ("closed", "attempts_exhausted")
    batch.refresh_from_db()
    assert (batch.status, batch.error_code, batch.attempts) == ("failed", "attempts_exhausted", 3)
    assert batch.error == "本批次多次处理均被中断，未保存任何记录，请联系平台运维人员"
    assert resume() == []  # a failed batch is not retried by itself
    (retried,) = resume("--batch", str(batch.pk))
    assert (retried["action"], retried["accepted"]) == ("taken_over", 1)
    batch.refresh_from_db()
    assert (batch.status, batch.error_code, batch.error) == ("done", "", "")


@pytest.mark.smoke
def test_a_stored_upload_that_does_not_authenticate_closes_the_batch(tmp_path, settings, penalty, provider):
    batch = received(tmp_path, provider, [person_row(provider.uscc) for _ in range(3)])
    path = settings.XINYONG_UPLOAD_DIR / batch.upload_name
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.chmod(0o600)
    path.write_bytes(bytes(data))
    (line,) = resume("--batch", str(batch.pk))
    assert (line["action"], line["reason"]) == ("closed", "upload_unreadable")
    batch.refresh_from_db()
    assert batch.status == "failed" and not CreditRecord.objects.exists()


# --- several processes (PostgreSQL) ------------------------------------------------------------------------


def _database_env(**extra) -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return {**os.environ, "DATABASE_URL": url, **extra}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claimers_of_one_expired_lease_get_it_once(tmp_path, penalty, provider):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL's row locks")
    batch = received(tmp_path, provider, [penalty_row(provider.uscc)])
    batch_lease_claim(batch.pk, owner="worker dead:1")
    expire(batch)
    barrier, claims = threading.Barrier(4), []

    def claimer(n):
        try:
            barrier.wait()
            claims.append(batch_lease_claim(batch.pk, owner=f"worker {n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    won = [c for c in claims if c is not None]
    assert len(claims) == 4 and len(won) == 1
    batch.refresh_from_db()
    assert batch.lease_token == won[0].lease.token and batch.attempts == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_a_running_batch_and_notices_a_takeover(settings, tmp_path, penalty, provider):
    if connection.vendor != "postgresql":
        pytest.skip("the heartbeat writes through a second connection (PostgreSQL)")
    settings.XINYONG_BATCH_LEASE_SECONDS = 1
    batch = received(tmp_path, provider, [penalty_row(provider.uscc)])
    claim = batch_lease_claim(batch.pk, owner="worker here:1")
    first = Batch.objects.get(pk=batch.pk).lease_expires_at
    claim.lease.start()
    try:
        deadline = time.monotonic() + 20
        while Batch.objects.get(pk=batch.pk).lease_expires_at <= first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Batch.objects.get(pk=batch.pk).lease_expires_at > first  # extended while the run is alive
        Batch.objects.filter(pk=batch.pk).update(lease_token="b" * 32)  # another process took it over
        while not claim.lease.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(LeaseLost):
            claim.lease.update(10)
    finally:
        claim.lease.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_takes_over_stranded_batches_when_it_starts(tmp_path, penalty, provider, upload_dir):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process beside the test needs PostgreSQL")
    batch = received(tmp_path, provider, [penalty_row(provider.uscc) for _ in range(3)])
    batch_lease_claim(batch.pk, owner="worker dead:1")
    expire(batch)
    worker = subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "db_worker", "--batch", "--no-reload", "--no-startup-delay",
         "--interval", "0.1", "-v", "0"],
        env=_database_env(XINYONG_TASK_BACKEND="database", XINYONG_UPLOAD_DIR=str(upload_dir)),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert worker.returncode == 0, worker.stderr
    batch.refresh_from_db()
    assert (batch.status, batch.accepted) == ("done", 3) and batch.lease_owner.startswith("worker ")
    assert len(events(AuditEventType.SUBMISSION_TAKEN_OVER)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_ingest_command_leaves_a_batch_that_is_closed_not_stranded(tmp_path, penalty, provider):
    if connection.vendor != "postgresql":
        pytest.skip("killing a writer process beside the test needs PostgreSQL")
    path = write_csv(tmp_path / "big.csv", [person_row(provider.uscc, n) for n in range(30_000)])
    command = subprocess.Popen(
        [sys.executable, "-m", "xinyong.cli", "ingest", str(path), "--item", "admin-penalty",
         "--provider", provider.uscc],
        env=_database_env(XINYONG_BATCH_LEASE_SECONDS="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not Batch.objects.filter(status="processing").exists() and time.monotonic() < deadline:
            assert command.poll() is None, command.stderr.read()
            time.sleep(0.02)
        os.kill(command.pid, signal.SIGKILL)  # kill -9 in the middle of the batch
    finally:
        command.wait(timeout=30)
    batch = Batch.objects.get()
    assert batch.status == "processing" and not CreditRecord.objects.exists()
    while batch.lease_expires_at >= timezone.now():
        time.sleep(0.1)
        batch.refresh_from_db()
    (line,) = resume()
    assert (line["action"], line["reason"]) == ("closed", "interrupted")
    assert not CreditRecord.objects.exists() and audit_log_verify().ok
