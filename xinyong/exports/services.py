"""Bulk exports need a second approver of the same organization (Art 15, 17, 32; security requirement 26).

A staff member asks for an export (`export_request`: the kind, the selection, the reason); another staff member
of the same organization holding the kind's permission approves or refuses it (`export_approve`,
`export_refuse`: never the requester, never someone of another organization); the requester then downloads it
once within `exports.approval_validity` minutes (`export_download`, which has the kind produce the file: the
producer audits the rows it writes, DATA_EXPORTED). Each step runs in one transaction with its audit record.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import audit_record
from xinyong.core.errors import NotFoundOrForbidden, PermissionDenied, ServiceError
from xinyong.core.text import clean_text
from xinyong.exports.choices import ExportStatus
from xinyong.exports.kinds import export_kind
from xinyong.exports.models import ExportRequest
from xinyong.regulation.parameters import decision_basis, parameter

APPROVAL_VALIDITY = "exports.approval_validity"
ARTICLES = ["Art 15", "Art 17", "Art 32"]


def _details(export: ExportRequest, **more) -> dict:
    return {"export": export.pk, "kind": export.kind, "parameters": export.parameters, **more}


def _require_kind_permission(user, kind) -> None:
    if getattr(user, "organization_id", None) is None or not kind.allowed(user):
        raise PermissionDenied()


def export_request(*, user, kind: str, parameters: dict, reason: str) -> ExportRequest:
    """申请批量导出: the selection is checked and described now; nothing is exported yet."""
    definition = export_kind(kind)
    _require_kind_permission(user, definition)
    reason = clean_text((reason or "").strip(), multiline=True, field="reason")
    if not reason:
        raise ServiceError("required", _("Say why the export is needed."), field="reason")
    summary = definition.describe(user, dict(parameters))
    with transaction.atomic():
        export = ExportRequest.objects.create(
            kind=kind, parameters=dict(parameters), summary=summary[:500], reason=reason,
            organization_id=user.organization_id, requested_by=user, requested_at=timezone.now(),
        )
        audit_record(AuditEventType.EXPORT_REQUESTED, actor=user, target=export, target_label=summary[:200],
                     articles=definition.articles or ARTICLES, details=_details(export, reason=reason))
    return export


def _decidable(export_id: int, approver) -> tuple[ExportRequest, object]:
    export = ExportRequest.objects.select_for_update().filter(pk=export_id).first()
    # Another organization's request looks like a missing one (security requirement 7).
    if export is None or export.organization_id != getattr(approver, "organization_id", None):
        raise NotFoundOrForbidden()
    definition = export_kind(export.kind)
    _require_kind_permission(approver, definition)
    if export.requested_by_id == approver.pk:
        raise ServiceError("self_approval", _("A bulk export is approved by another staff member, not by the one "
                                              "who asked for it."))
    if export.status != ExportStatus.REQUESTED:
        raise ServiceError("already_decided", _("This export request has already been decided."))
    return export, definition


def export_approve(*, export: ExportRequest, approver, note: str = "") -> ExportRequest:
    """批准: by another staff member of the same organization with the kind's permission."""
    note = clean_text((note or "").strip(), multiline=True, field="note")
    with transaction.atomic():
        locked, definition = _decidable(export.pk, approver)
        now = timezone.now()
        basis = decision_basis(APPROVAL_VALIDITY, on=timezone.localdate(now))
        minutes = parameter(APPROVAL_VALIDITY, timezone.localdate(now)).value
        locked.status = ExportStatus.APPROVED
        locked.decided_by, locked.decided_at, locked.decision_note = approver, now, note
        locked.expires_at = now + dt.timedelta(minutes=minutes)
        locked.save()
        audit_record(AuditEventType.EXPORT_APPROVED, actor=approver, target=locked, target_label=locked.summary[:200],
                     articles=definition.articles or ARTICLES,
                     details=_details(locked, requested_by=locked.requested_by_id, note=note,
                                      expires_at=locked.expires_at.isoformat(), **basis))
    return locked


def export_refuse(*, export: ExportRequest, approver, note: str) -> ExportRequest:
    """拒绝, with a reason for the requester."""
    note = clean_text((note or "").strip(), multiline=True, field="note")
    if not note:
        raise ServiceError("required", _("Say why the export is refused."), field="note")
    with transaction.atomic():
        locked, definition = _decidable(export.pk, approver)
        locked.status = ExportStatus.REFUSED
        locked.decided_by, locked.decided_at, locked.decision_note = approver, timezone.now(), note
        locked.save()
        audit_record(AuditEventType.EXPORT_REFUSED, actor=approver, target=locked, target_label=locked.summary[:200],
                     articles=definition.articles or ARTICLES, outcome=AuditOutcome.DENIED,
                     details=_details(locked, requested_by=locked.requested_by_id, note=note))
    return locked


def export_download(*, export: ExportRequest, user):
    """The approved export, produced now for the requester, once, before the approval lapses."""
    with transaction.atomic():
        locked = ExportRequest.objects.select_for_update().filter(pk=export.pk, requested_by=user).first()
        if locked is None:
            raise NotFoundOrForbidden()
        definition = export_kind(locked.kind)
        _require_kind_permission(user, definition)
        if locked.status == ExportStatus.DOWNLOADED:
            raise ServiceError("already_downloaded", _("This export has been downloaded already; ask for a new one."))
        if locked.status != ExportStatus.APPROVED:
            raise ServiceError("not_approved", _("This export has not been approved."))
        now = timezone.now()
        if locked.expires_at is not None and now >= locked.expires_at:
            raise ServiceError("approval_expired", _("The approval has lapsed; ask for the export again."))
        exported = definition.produce(user, dict(locked.parameters))
        locked.status, locked.downloaded_at, locked.rows = ExportStatus.DOWNLOADED, now, exported.rows
        locked.save()
        audit_record(AuditEventType.EXPORT_DOWNLOADED, actor=user, target=locked, target_label=locked.summary[:200],
                     articles=definition.articles or ARTICLES,
                     details=_details(locked, approved_by=locked.decided_by_id, rows=exported.rows,
                                      file=exported.filename))
    return exported
