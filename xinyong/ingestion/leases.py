"""Batch leases: who is processing a batch, kept alive by a heartbeat, taken over when it expires (security
req. 22).

A process works on a batch only while it holds the batch's lease: `batch_lease_claim` sets the owner (host,
process, role), a fresh random token and an expiry `XINYONG_BATCH_LEASE_SECONDS` ahead, in one conditional
update that succeeds for one claimer only (the batch is received, or processing with an expired lease).
While the pipeline runs, `BatchLease`'s heartbeat thread extends the expiry every quarter of the lease and
writes the progress, through its own connection (PostgreSQL; the batch's own transaction is still open).

Exactly once. A batch is stored in one transaction (`xinyong.ingestion.pipeline`): its records, rejected
rows, audit event, receipt and status "done" commit together or not at all. Before that transaction
commits, `BatchLease.fence()` locks the batch row and checks that the token is still this run's. So:

* a run killed (or whose database restarted) before its commit leaves nothing; its lease expires and the
  next claimer restarts the batch from its stored upload, from scratch;
* a run that lost its lease (it stalled past the expiry and was taken over) fails the fence and rolls back,
  whatever it had written; its heartbeat also notices the new token and stops it at the next chunk;
* a claimer cannot take a lease while its holder is committing: the claim locks the same row, waits for the
  commit, then finds the batch done.

Hence at most one run commits per batch, and with a stored upload one eventually does (at most
`XINYONG_BATCH_MAX_ATTEMPTS` runs, then the batch is closed as failed, audited). On SQLite the batch
transaction holds the database's write lock from start to commit, so no claim can be written meanwhile; there
is no heartbeat there (the lock is the liveness signal) and progress is written at the end.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from xinyong.ingestion.choices import BatchStatus
from xinyong.ingestion.models import Batch

logger = logging.getLogger(__name__)

TABLE = Batch._meta.db_table


class LeaseLost(Exception):
    """The batch's lease passed to another process: this run must store nothing."""


def lease_seconds() -> float:
    return float(settings.XINYONG_BATCH_LEASE_SECONDS)


def process_owner(role: str) -> str:
    """A lease owner's name: the role ("worker", "ingest", "api" …), the host and the process id."""
    return f"{role} {socket.gethostname()}:{os.getpid()}"[:128]


def new_token() -> str:
    return secrets.token_hex(16)


def claimable(now: dt.datetime, *, received_before: dt.datetime | None = None) -> Q:
    """Batches a claimer may take: processing with an expired (or no) lease, and received ones — all of them
    for the task that was enqueued with the batch, only those older than `received_before` for a takeover
    (a received batch younger than that is still waiting in the queue)."""
    received = Q(status=BatchStatus.RECEIVED)
    if received_before is not None:
        received &= Q(created_at__lt=received_before)
    expired = Q(status=BatchStatus.PROCESSING) & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
    return received | expired


def lease_fields(owner: str, token: str, now: dt.datetime) -> dict:
    return {"lease_owner": owner[:128], "lease_token": token, "heartbeat_at": now,
            "lease_expires_at": now + dt.timedelta(seconds=lease_seconds())}


@dataclass
class Claim:
    """A successful claim: the lease, and what the batch looked like before it."""

    lease: BatchLease
    previous_owner: str
    previous_status: str
    previous_expiry: dt.datetime | None
    attempts: int  # including this one


def batch_lease_claim(batch_id: int, *, owner: str, received_before: dt.datetime | None = None,
                      include_failed: bool = False) -> Claim | None:
    """Claim the batch's lease for `owner` (see the module docstring); None when it is not claimable: done,
    refused, failed, or held by a live lease. Runs in the caller's transaction if there is one, so a takeover
    and its audit record commit together. `include_failed` lets an operator restart a failed batch."""
    now = timezone.now()
    condition = claimable(now, received_before=received_before)
    if include_failed:
        condition |= Q(status=BatchStatus.FAILED)
    with transaction.atomic():
        # FOR NO KEY UPDATE: it waits for a batch transaction that is committing (its final update locks the row)
        # but not for one that only references the batch from its records (a key-share lock).
        row = (Batch.objects.select_for_update(no_key=True).filter(pk=batch_id).filter(condition)
               .values("status", "lease_owner", "lease_expires_at", "attempts").first())
        if row is None:
            return None
        token = new_token()
        Batch.objects.filter(pk=batch_id).update(
            status=BatchStatus.PROCESSING, started_at=now, attempts=F("attempts") + 1, error_code="", error="",
            finished_at=None, **lease_fields(owner, token, now),
        )
    lease = BatchLease(batch_id=batch_id, owner=owner, token=token)
    return Claim(lease=lease, previous_owner=row["lease_owner"], previous_status=row["status"],
                 previous_expiry=row["lease_expires_at"], attempts=row["attempts"] + 1)


class BatchLease:
    """The lease of one run: heartbeat and progress while it runs, the fence before it commits."""

    def __init__(self, *, batch_id: int, owner: str, token: str):
        self.batch_id = batch_id
        self.owner = owner
        self.token = token
        self.rows = 0
        self.lost = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()

    # heartbeat ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the heartbeat (PostgreSQL, outside any enclosing transaction: the heartbeat's connection
        must see the committed batch row)."""
        if self._thread is not None or connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        self._thread = threading.Thread(target=self._beat, name=f"batch-{self.batch_id}-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        interval = lease_seconds() / 4
        conn = None
        try:
            while not self._stop.is_set():
                self._wake.wait(interval)
                self._wake.clear()
                if self._stop.is_set():
                    break
                try:
                    if conn is None:
                        conn = connections.create_connection("default")
                    if not self._extend(conn):
                        self.lost = True
                        logger.warning("batch %s: lease taken over by another process; this run stops",
                                       self.batch_id)
                        return
                except Exception:  # the database restarting, say: try again at the next beat
                    logger.warning("batch %s: heartbeat failed", self.batch_id, exc_info=True)
                    if conn is not None:
                        conn.close()
                    conn = None
        finally:
            if conn is not None:
                conn.close()

    def _extend(self, conn) -> bool:
        now = timezone.now()
        expires = now + dt.timedelta(seconds=lease_seconds())
        with conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET lease_expires_at = %s, heartbeat_at = %s, progress_rows = %s "  # noqa: S608
                "WHERE id = %s AND lease_token = %s AND status = %s",
                [expires, now, self.rows, self.batch_id, self.token, BatchStatus.PROCESSING],
            )
            return cursor.rowcount == 1

    def update(self, rows: int) -> None:
        """Progress after a chunk: written by the heartbeat at once; raises `LeaseLost` once it is lost."""
        self.rows = rows
        self._wake.set()
        self.check()

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"batch {self.batch_id}: the lease was taken over")

    def fence(self) -> None:
        """Inside the batch's transaction, just before it commits: lock the batch row and check the token is
        still this run's; `LeaseLost` (rolling everything back) if it is not."""
        self.check()
        with connection.cursor() as cursor:
            lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
            cursor.execute(f"SELECT lease_token, status FROM {TABLE} WHERE id = %s{lock}", [self.batch_id])  # noqa: S608
            row = cursor.fetchone()
        if row is None or row[0] != self.token or row[1] != BatchStatus.PROCESSING:
            self.lost = True
            raise LeaseLost(f"batch {self.batch_id}: the lease was taken over")

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    # after the run -----------------------------------------------------------------------------------------
    def held(self) -> Q:
        """The condition of an update that only this run may make."""
        return Q(pk=self.batch_id, lease_token=self.token)


class NoLease:
    """A dry run: nothing is stored, so nothing to lease."""

    token = ""

    def start(self) -> None:
        return None

    def update(self, rows: int) -> None:
        return None

    def check(self) -> None:
        return None

    def fence(self) -> None:
        return None

    def close(self) -> None:
        return None
