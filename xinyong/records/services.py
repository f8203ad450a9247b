"""Services for credit records: corrections and withdrawals (Art 30), never a hard delete (Art 32, 33).

Each runs in one transaction with one audit record. Records are created in bulk by ingestion
(`xinyong.ingestion.pipeline`), which builds revisions through `revision_build` here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.crypto import blind_index
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.records.choices import RecordStatus, RevisionSource
from xinyong.records.integrity import RecordHead, revision_integrity, revision_snapshot, snapshot_authentic
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.records.publication import PublicationWindows
from xinyong.records.selectors import record_revision_verify
from xinyong.regulation.parameters import decision_basis

IMPLEMENTS = ("Art 30: record_correct, record_withdraw", "Art 31: record_repair")


def revision_build(
    record: CreditRecord,
    *,
    number: int,
    data: Mapping[str, str],
    status: str,
    source: str,
    reason: str = "",
    actor=None,
    created_at: dt.datetime | None = None,
    restores: int | None = None,
) -> RecordRevision:
    """An unsaved revision mirroring the record's current columns, with its HMAC-SM3 (security req. 18)."""
    revision = RecordRevision(
        record=record, number=number, subject_id_at=record.subject_id, item_id_at=record.item_id,
        disclosure_class=record.disclosure_class, status=status, decision_date=record.decision_date,
        publication_start=record.publication_start, publication_end=record.publication_end, data=dict(data),
        reason=reason, source=source, actor=actor if getattr(actor, "pk", None) else None,
        created_at=created_at or timezone.now(), restores=restores,
    )
    head = RecordHead(record.pk, record.provider_id, record.item_code, record.document_number)
    revision.integrity_key_id, revision.integrity = revision_integrity(head, revision)
    return revision


def _head(record: CreditRecord) -> RecordHead:
    return RecordHead(record.pk, record.provider_id, record.item_code, record.document_number)


def _revision_change(record: CreditRecord, revision: RecordRevision) -> Change:
    """The new revision's signed snapshot, kept in the audit log: the copy a damaged row is restored from."""
    return Change("records.recordrevision", str(revision.pk), "create", None, revision_snapshot(_head(record), revision))


def _locked_and_verified(record: CreditRecord) -> tuple[CreditRecord, RecordRevision]:
    record = CreditRecord.objects.select_for_update().select_related("provider", "item", "subject").get(pk=record.pk)
    result = record_revision_verify(record)
    if not result.ok:
        raise ServiceError(
            "integrity_failed",
            _("This record failed its integrity check and cannot be changed; the platform has been alerted."),
        )
    return record, result.current


def record_correct(*, record: CreditRecord, data: Mapping[str, Any], reason: str, actor=None,
                   channel: str = "api") -> RecordRevision:
    """Correct a record's field values with a new revision; the earlier revisions stay (Art 30).

    `data` holds the changed fields by field code (values as a provider would submit them); fields not
    given keep their values. A correction cannot move the record to another subject or document number
    (withdraw it and submit the right one instead). Raises `RowsRejected` (422) with every row error.
    """
    from xinyong.ingestion.validation import RowsRejected, correction_row

    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("reason_required", _("A correction needs a reason (Art 30)."), field="reason")
    with transaction.atomic():
        record, current = _locked_and_verified(record)
        if record.status != RecordStatus.ACTIVE:
            raise ServiceError("record_not_active", _("Only an active record can be corrected."), field="status")
        row = correction_row(record=record, current=current, changes=data)
        if isinstance(row, list):
            raise RowsRejected(row)
        if row.identifier_type != record.subject.identifier_type or blind_index(
            row.identifier_type, row.identifier
        ) != record.subject.identifier_index:
            raise ServiceError(
                "subject_change_not_allowed",
                _("A correction cannot move a record to another subject; withdraw it and submit it again."),
                field="subject",
            )
        if row.document_number != record.document_number:
            raise ServiceError(
                "document_number_change_not_allowed",
                _("A correction cannot change the document number; withdraw the record and submit it again."),
                field="document_number",
            )
        if row.data == current.data:
            raise ServiceError("no_change", _("The correction changes nothing."), field="data")
        changed = sorted(k for k in set(row.data) | set(current.data) if row.data.get(k) != current.data.get(k))
        record.decision_date = row.decision_date
        record.publication_start, record.publication_end = PublicationWindows(record.item).window(row.decision_date)
        record.name_mismatch = names_differ(row.name, record.subject.name)
        record.revision = current.number + 1
        revision = revision_build(
            record, number=record.revision, data=row.data, status=record.status,
            source=RevisionSource.CORRECTION, reason=reason, actor=actor,
        )
        record.save(update_fields=["decision_date", "publication_start", "publication_end", "name_mismatch",
                                   "revision"])
        revision.save()
        audit_record(
            AuditEventType.RECORD_CORRECTED, actor=actor, organization=record.provider, target=record,
            target_label=f"{record.item_code} {record.document_number}", articles=["Art 30"],
            details={"revision": revision.number, "fields": changed, "reason": reason, "channel": channel},
            changes=[_revision_change(record, revision)],
        )
    return revision


def _status_revision(record: CreditRecord, current: RecordRevision, *, status: str, source: str, reason: str,
                     actor) -> RecordRevision:
    """A new revision with the same content and another status, saved with the record (inside the caller's
    transaction, on a record from `_locked_and_verified`)."""
    record.status = status
    record.revision = current.number + 1
    revision = revision_build(record, number=record.revision, data=current.data, status=status, source=source,
                              reason=reason, actor=actor)
    record.save(update_fields=["status", "revision"])
    revision.save()
    return revision


def record_withdraw(*, record: CreditRecord, reason: str, actor=None, channel: str = "api") -> RecordRevision:
    """Withdraw a record whose basis was revoked or which was filed in error: kept, never used again (Art 30).

    The withdrawal is a new revision with status `withdrawn`; nothing is deleted.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("reason_required", _("A withdrawal needs a reason (Art 30)."), field="reason")
    with transaction.atomic():
        record, current = _locked_and_verified(record)
        if record.status == RecordStatus.WITHDRAWN:
            raise ServiceError("already_withdrawn", _("This record has already been withdrawn."), field="status")
        revision = _status_revision(record, current, status=RecordStatus.WITHDRAWN,
                                    source=RevisionSource.WITHDRAWAL, reason=reason, actor=actor)
        audit_record(
            AuditEventType.RECORD_WITHDRAWN, actor=actor, organization=record.provider, target=record,
            target_label=f"{record.item_code} {record.document_number}", articles=["Art 30"],
            details={"revision": revision.number, "reason": reason, "channel": channel,
                     **decision_basis("correction.revoked_basis_removal_deadline")},
            changes=[_revision_change(record, revision)],
        )
    return revision


def names_differ(submitted: str, registered: str) -> bool:
    """Names compared after NFKC and whitespace folding (full-width brackets are not a different name)."""
    from xinyong.ingestion.catalog_access import header_key

    if not submitted or submitted == registered:
        return False
    return header_key(submitted) != header_key(registered)


def record_repair(*, record: CreditRecord, reason: str, actor=None, on: dt.date | None = None,
                  case_number: str = "") -> RecordRevision:
    """Stop publishing and sharing a record after an approved credit repair (Art 31): a new revision with status
    `repaired`. The record is kept for official use as the law allows and is never deleted; public views,
    authorized queries and third-party reports leave it out from this moment (`xinyong.disclosure.access`)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("reason_required", _("A repair decision needs a reason (Art 31)."), field="reason")
    with transaction.atomic():
        record, current = _locked_and_verified(record)
        if record.status != RecordStatus.ACTIVE:
            raise ServiceError("record_not_active", _("Only an active record can be repaired."), field="status")
        revision = _status_revision(record, current, status=RecordStatus.REPAIRED, source=RevisionSource.REPAIR,
                                    reason=reason, actor=actor)
        audit_record(
            AuditEventType.RECORD_REPAIRED, actor=actor, organization=record.provider, target=record,
            target_label=f"{record.item_code} {record.document_number}", articles=["Art 31"],
            details={"revision": revision.number, "reason": reason, "case": case_number,
                     "on": (on or timezone.localdate()).isoformat()},
            changes=[_revision_change(record, revision)],
        )
    return revision


_MIRRORED_FROM_SNAPSHOT = (
    ("subject_id", "subject_id", int),
    ("item_id", "item_id", int),
    ("disclosure_class", "disclosure_class", str),
    ("status", "status", str),
    ("decision_date", "decision_date", dt.date.fromisoformat),
    ("publication_start", "publication_start", dt.date.fromisoformat),
    ("publication_end", "publication_end", dt.date.fromisoformat),
)


def record_revision_restore(*, record_id: int, number: int, snapshot: Mapping[str, Any], origin: Mapping[str, Any],
                            reason: str, actor=None) -> RecordRevision:
    """Restore damaged revision `number` of a record from an authentic copy, as a new signed revision (security
    req. 18; Art 32, 33: recorded information is neither tampered with nor lost; docs/operations/recovery.md).

    `snapshot` is the revision as the audit log or a backup kept it (`revision_snapshot`); it must be this
    record's revision `number` and pass its own HMAC-SM3, so only content the platform signed comes back. The
    damaged row stays (the table is append-only) and is no longer served: the new revision, source
    `restoration`, names it. When the damaged revision was the current one, the new revision carries its
    restored content and the record row is set back to it; when it was an earlier one, the record keeps its
    current content and the restored content is kept in the audit record. Audited, with the damaged row as
    found and the restored snapshot.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("reason_required", _("A restoration needs a reason."), field="reason")
    with transaction.atomic():
        record = CreditRecord.objects.select_for_update().select_related("provider").filter(pk=record_id).first()
        if record is None:
            raise NotFoundOrForbidden()
        revisions = list(record.revisions.order_by("number"))
        by_number = {r.number: r for r in revisions}
        damaged = by_number.get(number)
        if damaged is None:
            raise ServiceError("revision_missing", _("The record has no revision %(number)s.") % {"number": number},
                               field="number")
        result = record_revision_verify(record, revisions)
        if number not in result.damaged:
            raise ServiceError("revision_intact", _("Revision %(number)s passes its integrity check; there is "
                                                    "nothing to restore.") % {"number": number}, field="number")
        if number in result.restored:
            raise ServiceError("already_restored", _("Revision %(number)s was already restored by revision "
                                                     "%(by)s.") % {"number": number, "by": result.restored[number]},
                               field="number")
        head = _head(record)
        same_revision = (snapshot.get("record"), snapshot.get("number"), snapshot.get("provider"),
                         snapshot.get("item_code"), snapshot.get("document_number")) == (
            record.pk, number, record.provider_id, record.item_code, record.document_number)
        if not same_revision or not snapshot_authentic(dict(snapshot)):
            raise ServiceError("snapshot_not_authentic", _("The copy is not this record's revision %(number)s as "
                                                           "the platform signed it; nothing was restored.")
                               % {"number": number}, field="source")
        current = revisions[-1]
        if number == current.number:
            for record_attr, key, parse in _MIRRORED_FROM_SNAPSHOT:
                value = snapshot[key]
                setattr(record, record_attr, parse(value) if value is not None else None)
            data, status = snapshot["data"], snapshot["status"]
        elif current.number in result.damaged and current.number not in result.restored:
            raise ServiceError("restore_latest_first", _("The latest revision %(latest)s is damaged too: restore "
                                                         "it first.") % {"latest": current.number}, field="number")
        else:
            data, status = current.data, current.status
        record.revision = current.number + 1
        revision = revision_build(record, number=record.revision, data=data, status=status,
                                  source=RevisionSource.RESTORATION, reason=reason, actor=actor, restores=number)
        record.save(update_fields=["subject", "item", "disclosure_class", "status", "decision_date",
                                   "publication_start", "publication_end", "revision"])
        revision.save()
        audit_record(
            AuditEventType.RECORD_REVISION_RESTORED, actor=actor, organization=record.provider, target=record,
            target_label=f"{record.item_code} {record.document_number}", articles=["Art 32", "Art 33"],
            details={"revision": revision.number, "restores": number, "origin": dict(origin), "reason": reason},
            changes=[
                Change("records.recordrevision", str(damaged.pk), "restore", revision_snapshot(head, damaged),
                       dict(snapshot)),
                _revision_change(record, revision),
            ],
        )
    return revision
