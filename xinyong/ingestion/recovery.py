"""Running and recovering background batches: the task's run, and taking over batches whose lease expired
(security req. 22; Art 18, 20).

`batch_run` is what the worker's task does for a batch: claim its lease, process it from its stored upload.
`batches_take_over` finds the batches stranded by a crash — processing with an expired lease, or received
long ago and never started — and runs each the same way. The worker does this when it starts and between
tasks, `xinyong ingest resume` does it by hand. A batch is restarted from scratch (its transaction left
nothing behind), audited as taken over; a batch that cannot be restarted is closed as failed, audited:

* ``interrupted`` — processed by a command or an API request that died, so there is no stored upload; the
  caller never got a receipt, and nothing was stored: the file is to be submitted again;
* ``attempts_exhausted`` — interrupted `XINYONG_BATCH_MAX_ATTEMPTS` times (a file that kills its worker, say);
  an operator may retry it with `xinyong ingest resume --batch N` once the cause is fixed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import audit_record
from xinyong.core.crypto.streaming import StreamError
from xinyong.core.errors import bilingual
from xinyong.ingestion.choices import BatchStatus
from xinyong.ingestion.leases import BatchLease, Claim, LeaseLost, batch_lease_claim, claimable, lease_seconds
from xinyong.ingestion.models import Batch
from xinyong.ingestion.pipeline import ARTICLES, BatchResult, batch_process
from xinyong.ingestion.uploads import upload_exists

logger = logging.getLogger(__name__)

CLOSED_MESSAGES = {
    "interrupted": (
        "处理过程中断（服务进程或数据库意外停止），本批次未保存任何记录，也未出具回执，请重新报送该文件",
        "processing was interrupted (a process or the database stopped); nothing of this batch was stored and "
        "no receipt was issued: submit the file again",
    ),
    "attempts_exhausted": (
        "本批次多次处理均被中断，未保存任何记录，请联系平台运维人员",
        "processing of this batch was interrupted too many times; nothing was stored: contact the platform's "
        "operators",
    ),
    "upload_unreadable": (
        "平台保存的报送文件无法解密或已损坏，本批次未保存任何记录，请重新报送该文件",
        "the stored file of this batch cannot be decrypted or is damaged; nothing was stored: submit it again",
    ),
}


@dataclass
class RunOutcome:
    batch: int
    action: str  # processed / taken_over / closed / skipped (not claimable: done, or held by a live lease)
    result: BatchResult | None = None
    reason: str = ""

    def as_line(self) -> dict:
        line = {"batch": self.batch, "action": self.action}
        if self.reason:
            line["reason"] = self.reason
        if self.result is not None:
            line.update({k: v for k, v in self.result.as_line().items() if k != "batch"})
        return line


def _stored_result(batch: Batch) -> BatchResult:
    return BatchResult(batch=batch.pk, status=batch.status, received=batch.received, accepted=batch.accepted,
                       rejected=batch.rejected, duplicates=batch.duplicates, corrected=batch.corrected,
                       digest=batch.content_digest, audit_seq=batch.audit_seq, receipt=batch.receipt_signature,
                       receipt_key_id=batch.receipt_key_id, error_code=batch.error_code, error=batch.error)


def _close(batch: Batch, claim: Claim, reason: str) -> None:
    """Close a claimed batch as failed with `reason` and one audit record (in the caller's transaction)."""
    zh, en = CLOSED_MESSAGES[reason]
    closed = Batch.objects.filter(claim.lease.held()).update(
        status=BatchStatus.FAILED, error_code=reason, error=bilingual(zh, en), finished_at=timezone.now(),
        lease_expires_at=None, received=0, accepted=0, rejected=0, duplicates=0,
    )
    if not closed:
        raise LeaseLost(f"batch {batch.pk}: the lease was taken over")
    audit_record(
        AuditEventType.SUBMISSION_INTERRUPTED, actor=None, organization=batch.provider, target=batch,
        target_label=f"{batch.item_code} {batch.file_name}"[:255], outcome=AuditOutcome.FAILURE, articles=ARTICLES,
        details={"reason": reason, "channel": batch.channel, "attempts": claim.attempts,
                 "previous_owner": claim.previous_owner, "owner": claim.lease.owner,
                 "stored_upload": bool(batch.upload_name)},
    )


def batch_run(batch_id: int, *, owner: str, received_before: dt.datetime | None = None,
              retry_failed: bool = False, path=None) -> RunOutcome:
    """Claim the batch's lease and process it from its stored upload (see the module docstring).

    Skipped when the batch is not claimable (done, refused, or held by a live lease: another run has it).
    `path` serves tasks enqueued before uploads were stored encrypted (the file's plaintext path)."""
    max_attempts = int(settings.XINYONG_BATCH_MAX_ATTEMPTS)
    with transaction.atomic():
        claim = batch_lease_claim(batch_id, owner=owner, received_before=received_before,
                                  include_failed=retry_failed)
        if claim is None:
            return RunOutcome(batch=batch_id, action="skipped")
        batch = Batch.objects.select_related("provider", "actor", "item").get(pk=batch_id)
        has_file = (bool(batch.upload_name) and upload_exists(batch.upload_name)) or (
            path is not None and not batch.upload_name)
        reason = ""
        if not has_file:
            reason = "interrupted"
        elif claim.attempts > max_attempts and not retry_failed:
            reason = "attempts_exhausted"
        if reason:
            _close(batch, claim, reason)
        elif claim.previous_status != BatchStatus.RECEIVED:
            audit_record(
                AuditEventType.SUBMISSION_TAKEN_OVER, organization=batch.provider, target=batch,
                target_label=f"{batch.item_code} {batch.file_name}"[:255], articles=ARTICLES,
                details={"previous_owner": claim.previous_owner, "previous_status": claim.previous_status,
                         "lease_expired_at": claim.previous_expiry.isoformat() if claim.previous_expiry else None,
                         "owner": owner, "attempts": claim.attempts, "restart": "from the stored upload"},
            )
    if reason:
        batch.refresh_from_db()
        return RunOutcome(batch=batch_id, action="closed", result=_stored_result(batch), reason=reason)
    action = "processed" if claim.previous_status == BatchStatus.RECEIVED else "taken_over"
    try:
        result = batch_process(batch, lease=claim.lease, path=path if not batch.upload_name else None)
    except StreamError:
        logger.exception("batch %s: the stored upload cannot be read", batch_id)
        _close_unreadable(batch, claim)
        batch.refresh_from_db()
        return RunOutcome(batch=batch_id, action="closed", result=_stored_result(batch), reason="upload_unreadable")
    return RunOutcome(batch=batch_id, action=action, result=result)


def _close_unreadable(batch: Batch, claim: Claim) -> None:
    with transaction.atomic():
        _close(batch, claim, "upload_unreadable")


def stranded_batches(*, now: dt.datetime | None = None):
    """Batches a takeover may claim: processing with an expired lease, or received more than one lease
    length ago (their task was lost), oldest first."""
    now = now or timezone.now()
    received_before = now - dt.timedelta(seconds=lease_seconds())
    return (Batch.objects.filter(claimable(now, received_before=received_before))
            .order_by("created_at", "pk"))


def batches_take_over(*, owner: str, limit: int | None = None, batch_id: int | None = None,
                      retry_failed: bool = False) -> list[RunOutcome]:
    """Take over and run every stranded batch (or only `batch_id`), one after the other, in this process."""
    outcomes = []
    now = timezone.now()
    received_before = now - dt.timedelta(seconds=lease_seconds())
    if batch_id is not None:
        ids, received_before = [batch_id], None  # an operator's explicit choice: no grace for the queue
    else:
        ids = list(stranded_batches(now=now).values_list("pk", flat=True)[:limit] if limit else
                   stranded_batches(now=now).values_list("pk", flat=True))
    for pk in ids:
        try:
            outcome = batch_run(pk, owner=owner, received_before=received_before, retry_failed=retry_failed)
        except LeaseLost:
            outcome = RunOutcome(batch=pk, action="skipped", reason="lease_lost")
        outcomes.append(outcome)
    return outcomes


__all__ = ["BatchLease", "RunOutcome", "batch_run", "batches_take_over", "stranded_batches"]
