"""Reads of credit records. A record whose revision fails its integrity check is never served (req. 18)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from xinyong.catalog.choices import DisclosureClass
from xinyong.records.choices import RecordStatus, RevisionSource
from xinyong.records.integrity import RecordHead, revision_hmac_ok
from xinyong.records.models import CreditRecord, RecordRevision

logger = logging.getLogger(__name__)

# Columns of the record that its current revision also carries, so a change to either is detected.
_MIRRORED = (
    ("subject_id", "subject_id_at"),
    ("item_id", "item_id_at"),
    ("disclosure_class", "disclosure_class"),
    ("status", "status"),
    ("decision_date", "decision_date"),
    ("publication_start", "publication_start"),
    ("publication_end", "publication_end"),
)


@dataclass
class IntegrityResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    current: RecordRevision | None = None
    # Damaged revisions superseded by a restoration: damaged number -> restoring revision number.
    restored: dict[int, int] = field(default_factory=dict)
    # Revision numbers whose own HMAC fails (restored or not).
    damaged: list[int] = field(default_factory=list)


def record_revision_verify(record: CreditRecord, revisions: Iterable[RecordRevision] | None = None) -> IntegrityResult:
    """Check every revision's HMAC-SM3, the revision numbering, and that the record row matches its current
    revision (security req. 18). Problems name revision numbers and columns, never values.

    A revision that fails its HMAC is no problem once a later, intact restoration names it (`restores`): the
    damaged row stays in the append-only table as evidence, and is never served."""
    revs = sorted(revisions if revisions is not None else record.revisions.all(), key=lambda r: r.number)
    head = RecordHead(record.pk, record.provider_id, record.item_code, record.document_number)
    problems = []
    intact: dict[int, RecordRevision] = {}
    damaged = []
    for expected, rev in enumerate(revs, start=1):
        if rev.number != expected:
            problems.append(f"revision numbering broken at {rev.number}")
            break
        if revision_hmac_ok(head, rev):
            intact[rev.number] = rev
        else:
            damaged.append(rev.number)
    restored = {
        rev.restores: rev.number for rev in intact.values()
        if rev.source == RevisionSource.RESTORATION and rev.restores is not None and rev.restores < rev.number
    }
    problems += [f"revision {number}: integrity check failed" for number in damaged if number not in restored]
    current = revs[-1] if revs else None
    if current is None:
        problems.append("no revision")
    else:
        if current.number != record.revision:
            problems.append(f"record names revision {record.revision}, latest is {current.number}")
        for record_attr, revision_attr in _MIRRORED:
            if getattr(record, record_attr) != getattr(current, revision_attr):
                problems.append(f"record column {record_attr} differs from revision {current.number}")
    return IntegrityResult(not problems, problems, current, restored, damaged)


def _report_failures(failed: list[tuple[CreditRecord, IntegrityResult]]) -> None:
    from xinyong.audit.choices import AuditEventType, AuditOutcome
    from xinyong.audit.services import audit_record

    for record, result in failed:
        logger.error("credit record %s failed its integrity check: %s", record.pk, "; ".join(result.problems))
    try:
        with transaction.atomic():
            for record, result in failed:
                audit_record(
                    AuditEventType.RECORD_INTEGRITY_FAILED, target=record, target_label=record.item_code,
                    outcome=AuditOutcome.FAILURE, articles=["Art 32", "Art 33"],
                    details={"problems": result.problems},
                )
    except Exception:  # a read must not fail because the alarm could not be written; it is logged above
        logger.exception("could not audit an integrity failure")


def verified(records: Iterable[CreditRecord]) -> list[CreditRecord]:
    """The records that pass `record_revision_verify`, each with `.current_revision`; failures are logged and
    audited, and left out."""
    records = list(records)
    by_record: dict[int, list[RecordRevision]] = {}
    for rev in RecordRevision.objects.filter(record_id__in=[r.pk for r in records]).order_by("record_id", "number"):
        by_record.setdefault(rev.record_id, []).append(rev)
    good, failed = [], []
    for record in records:
        result = record_revision_verify(record, by_record.get(record.pk, []))
        if result.ok:
            record.current_revision = result.current
            # A damaged revision is never served, not even in the history: its restoration stands for it.
            record.revision_history = [r for r in by_record.get(record.pk, []) if r.number not in result.restored]
            good.append(record)
        else:
            failed.append((record, result))
    if failed:
        _report_failures(failed)
    return good


def records_for_subject(subject, *, usable_only: bool = False, item_code: str | None = None,
                        include_repaired: bool = False) -> list[CreditRecord]:
    """A subject's records that pass their integrity check, newest decision first.

    `usable_only` leaves out withdrawn and archived records: a withdrawn record (basis revoked, Art 30) is
    kept but withdrawn from every use. A repaired record (Art 31) is left out too unless `include_repaired`:
    its publication and sharing stopped, but it stays for official use and for the subject's own view.
    """
    queryset = CreditRecord.objects.filter(subject=subject).select_related("provider")
    if usable_only:
        statuses = [RecordStatus.ACTIVE, RecordStatus.REPAIRED] if include_repaired else [RecordStatus.ACTIVE]
        queryset = queryset.filter(status__in=statuses)
    if item_code:
        queryset = queryset.filter(item_code=item_code)
    return verified(queryset.order_by("-decision_date", "-id"))


def record_get_verified(record_id: int) -> CreditRecord | None:
    """One record if it exists and passes its integrity check, else None."""
    record = CreditRecord.objects.filter(pk=record_id).select_related("provider", "subject").first()
    if record is None:
        return None
    found = verified([record])
    return found[0] if found else None


def record_is_public_on(record: CreditRecord, day: dt.date | None = None) -> bool:
    """Whether the record is in its public window on `day` (Art 18): active, of the public class, on or after
    the start and before the (exclusive) end. Personal-information rules for natural persons (Art 19) and
    repair outcomes (Art 31) are applied by the disclosure services on top of this."""
    day = day or timezone.localdate()
    if record.status != RecordStatus.ACTIVE or record.disclosure_class != DisclosureClass.PUBLIC:
        return False
    if record.publication_start is not None and day < record.publication_start:
        return False
    return record.publication_end is None or day < record.publication_end


def damaged_records(record_ids: Iterable[int] | None = None, chunk: int = 2000):
    """(record, IntegrityResult) for every record (or those of `record_ids`) that fails its integrity check,
    read in chunks; nothing is audited (the operator's scan, `xinyong revisions check`)."""
    queryset = CreditRecord.objects.order_by("pk")
    if record_ids is not None:
        queryset = queryset.filter(pk__in=list(record_ids))
    last = 0
    while True:
        records = list(queryset.filter(pk__gt=last)[:chunk])
        if not records:
            return
        by_record: dict[int, list[RecordRevision]] = {}
        for rev in RecordRevision.objects.filter(record_id__in=[r.pk for r in records]).order_by("record_id", "number"):
            by_record.setdefault(rev.record_id, []).append(rev)
        for record in records:
            result = record_revision_verify(record, by_record.get(record.pk, []))
            if not result.ok:
                yield record, result
        last = records[-1].pk


def revision_snapshot_events(revision: RecordRevision) -> list[int]:
    """Sequence numbers of the audit events that keep a snapshot of `revision` (its correction, withdrawal,
    repair or restoration): where `xinyong revisions restore --from-audit` can take it from."""
    from xinyong.audit.models import ObjectChange

    return sorted(ObjectChange.objects.filter(object_type="records.recordrevision", object_id=str(revision.pk))
                  .values_list("event__seq", flat=True))
