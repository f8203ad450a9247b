"""The crash harness (security req. 22): submissions interrupted by killing the worker (SIGKILL) and restarting
the database server (`pg_ctl restart -m immediate`) at random points leave every acknowledged submission
stored exactly once, nothing half-applied, and the audit log verifiable.

A real worker runs beside the test, started exactly as production starts it (`xinyong db_worker`), on the
test database. The test submits files as the console and the API do (stored encrypted, registered as a
batch, enqueued: the batch number is the acknowledgement). While batches are being processed it kills the
worker, mid-batch, and starts a new one; twice it restarts the database server. A submission that fails
because the database is down was not acknowledged and is submitted again. At the end every batch must be
finished, and:

* each acknowledged batch is done with received = accepted + rejected + duplicates, its rejected rows and
  accepted-or-duplicate rows exactly those of its file, one audit event, a receipt that verifies;
* the records are exactly the distinct valid document numbers of all files, each once, each with one
  revision and from a done batch; no rejected row, record or subject of a run that did not commit;
* `xinyong audit verify` passes.

The throwaway test cluster runs with `synchronous_commit=off` for speed, which an immediate shutdown would
turn into lost commits; the harness's sessions set it back on (PGOPTIONS), as production runs. The seed is
printed (shown on failure); `XINYONG_CRASH_SEED=N` reruns a schedule.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Count
from ingestion_fixtures import penalty_row, person_row, write_csv

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.ingestion.models import Batch, RejectedRow
from xinyong.ingestion.pipeline import batch_receipt_verify
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.subjects.models import Subject

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("XINYONG_CRASH_SEED", "20261205"))
FILES = 12
WORKER_KILLS = 5
DATABASE_RESTARTS = 2
LEASE_SECONDS = "2"
SETTLE_SECONDS = 45
DATABASE_ERRORS = (OperationalError, InterfaceError)


@dataclass
class Submission:
    name: str
    data: bytes
    rows: int
    invalid: int
    valid: int  # rows that pass validation, duplicates included
    documents: set[str]  # the valid rows' document numbers


def make_files(rng: random.Random, tmp_path: Path, uscc: str) -> list[Submission]:
    files, earlier = [], []
    for index in range(FILES):
        rows, invalid, documents = [], 0, set()
        for _ in range(rng.randint(400, 2500)):
            kind = rng.random()
            if kind < 0.05:
                rows.append(penalty_row(uscc, **{"违法事实": ""}))
                invalid += 1
                continue
            row = person_row(uscc, rng.randint(1, 8000)) if kind < 0.5 else penalty_row(uscc)
            rows.append(row)
        for _ in range(rng.randint(0, 20)):  # repeated in the file
            rows.append(dict(rng.choice([r for r in rows if r["违法事实"]])))
        if earlier and rng.random() < 0.5:  # resubmitted from an earlier file
            rows.extend(dict(r) for r in rng.sample(earlier, min(len(earlier), rng.randint(1, 40))))
        rng.shuffle(rows)
        valid_rows = [r for r in rows if r["违法事实"]]
        documents = {r["行政处罚决定书文号"] for r in valid_rows}
        earlier.extend(valid_rows[:50])
        path = write_csv(tmp_path / f"crash-{index}.csv", rows)
        files.append(Submission(f"处罚-{index}.csv", path.read_bytes(), len(rows), invalid, len(valid_rows),
                                documents))
    return files


class Worker:
    """`xinyong db_worker` as scripts/run.sh starts it, on the test database."""

    def __init__(self, env: dict, log: Path):
        entry = Path(sys.executable).with_name("xinyong")
        self.xinyong = [str(entry)] if entry.exists() else [sys.executable, "-m", "xinyong.cli"]
        self.command = [*self.xinyong, "db_worker", "--interval", "0.2", "--no-reload", "--no-startup-delay", "-v", "0"]
        self.env, self.log, self.process = env, log, None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=log)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def restart_database() -> bool:
    """`pg_ctl restart -m immediate` of the throwaway cluster (scripts/pg-cluster.sh), as its owner."""
    socket_dir = os.environ.get("XINYONG_PG_SOCKET_DIR", "")
    data = Path(socket_dir) / "data"
    pg_ctl = Path("/usr/lib/postgresql/15/bin/pg_ctl")
    pg_ctl = str(pg_ctl) if pg_ctl.exists() else shutil.which("pg_ctl")
    if not socket_dir or not data.is_dir() or not pg_ctl:
        return False
    command = [pg_ctl, "-D", str(data), "-l", str(Path(socket_dir) / "server.log"), "-m", "immediate", "-w",
               "restart"]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    connection.close()
    return True


def query(fn, attempts: int = 100):
    """A read of the test process that survives a database restart (reconnects)."""
    for _ in range(attempts):
        try:
            return fn()
        except DATABASE_ERRORS:
            connection.close()
            time.sleep(0.1)
    return fn()


def wait_for_processing(timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(lambda: Batch.objects.filter(status="processing", lease_expires_at__isnull=False).exists()):
            return True
        time.sleep(0.01)
    return False


def test_killing_the_worker_and_the_database_at_random_points_stores_every_acknowledged_submission_once(
    settings, monkeypatch, tmp_path, penalty, provider,
):
    from xinyong.ingestion.tasks import submission_enqueue

    if connection.vendor != "postgresql":
        pytest.skip("the crash harness runs a worker process and restarts the database server (PostgreSQL)")
    print(f"crash harness seed={SEED} (rerun with XINYONG_CRASH_SEED={SEED})")
    rng = random.Random(SEED)
    started = time.monotonic()
    upload_dir = tmp_path / "uploads"
    settings.XINYONG_UPLOAD_DIR = upload_dir
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setenv("PGOPTIONS", "-c synchronous_commit=on")  # durable commits, as in production
    connection.close()
    s = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
           "XINYONG_TASK_BACKEND": "database", "XINYONG_UPLOAD_DIR": str(upload_dir),
           "XINYONG_BATCH_LEASE_SECONDS": LEASE_SECONDS, "XINYONG_BATCH_MAX_ATTEMPTS": "50"}
    files = make_files(rng, tmp_path, provider.uscc)
    kill_after = set(rng.sample(range(FILES), WORKER_KILLS))
    restart_after = set(rng.sample(sorted(set(range(FILES)) - kill_after), DATABASE_RESTARTS))
    worker = Worker(env, tmp_path / "worker.log")
    worker.start()
    acknowledged: dict[int, int] = {}  # batch id → file index
    kills = restarts = refused = 0
    try:
        for index, submission in enumerate(files):
            while True:
                try:
                    batch = submission_enqueue(chunks=[submission.data], item_code="admin-penalty",
                                               provider=provider, channel="api", file_name=submission.name)
                    break
                except DATABASE_ERRORS:  # the database is restarting: not acknowledged, submitted again
                    refused += 1
                    connection.close()
                    time.sleep(0.2)
            acknowledged[batch.pk] = index
            time.sleep(rng.uniform(0, 0.3))
            if index in kill_after and wait_for_processing():
                time.sleep(rng.uniform(0, 0.4))  # somewhere inside the batch
                worker.kill()
                kills += 1
                worker.start()
            if index in restart_after and wait_for_processing():
                time.sleep(rng.uniform(0, 0.4))
                restarts += restart_database()
        deadline = time.monotonic() + SETTLE_SECONDS
        while query(lambda: Batch.objects.filter(status__in=["received", "processing"]).exists()):
            assert time.monotonic() < deadline, f"batches still unfinished after {SETTLE_SECONDS} s (seed {SEED})"
            assert worker.process.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(0.2)
    finally:
        worker.stop()
        connection.close()
    print(f"kills={kills} database restarts={restarts} refused submissions={refused} "
          f"seconds={time.monotonic() - started:.1f}")

    # Every batch finished; every acknowledged one done, with its file's counts.
    batches = {b.pk: b for b in Batch.objects.select_related("provider")}
    assert {b.status for b in batches.values()} == {"done"}, f"seed {SEED}"
    assert set(acknowledged) <= set(batches)
    for pk, index in acknowledged.items():
        batch, submission = batches[pk], files[index]
        assert batch.received == submission.rows == batch.accepted + batch.rejected + batch.duplicates, pk
        assert (batch.rejected, batch.accepted + batch.duplicates) == (submission.invalid, submission.valid), pk
        assert batch_receipt_verify(batch), pk
    # Exactly once: the records are the distinct valid document numbers, each once, from done batches.
    documents = set().union(*(f.documents for f in files))
    stored = Counter(CreditRecord.objects.values_list("document_number", flat=True))
    assert set(stored) == documents and set(stored.values()) == {1}, f"seed {SEED}"
    assert sum(b.accepted for b in batches.values()) == len(documents)
    per_batch = dict(CreditRecord.objects.values_list("batch_id").annotate(n=Count("id")))
    assert per_batch == {pk: b.accepted for pk, b in batches.items() if b.accepted}
    assert RecordRevision.objects.count() == len(documents) and not RecordRevision.objects.exclude(number=1).exists()
    # Nothing half-applied: rejected rows and audit events only of committed runs, once each.
    rejected_rows = dict(RejectedRow.objects.values_list("batch_id").annotate(n=Count("row_number", distinct=True)))
    assert rejected_rows == {pk: b.rejected for pk, b in batches.items() if b.rejected}
    accepted_events = Counter(AuditEvent.objects.filter(event_type=int(AuditEventType.SUBMISSION_ACCEPTED))
                              .values_list("target_id", flat=True))
    assert accepted_events == Counter({str(pk): 1 for pk in batches})
    linked = set(CreditRecord.objects.values_list("subject_id", flat=True))
    assert set(Subject.objects.values_list("pk", flat=True)) == linked  # no subject of a rolled-back run
    takeovers = AuditEvent.objects.filter(event_type=int(AuditEventType.SUBMISSION_TAKEN_OVER)).count()
    print(f"batches={len(batches)} acknowledged={len(acknowledged)} takeovers={takeovers} records={len(documents)}")
    assert kills == WORKER_KILLS and takeovers >= 1, f"kills={kills} takeovers={takeovers} seed {SEED}"
    verify = subprocess.run([*worker.xinyong, "audit", "verify"], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
