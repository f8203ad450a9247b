"""Reads of export requests: the staff member's own, and those of the organization awaiting a second approver."""

from __future__ import annotations

from django.db.models import Q

from xinyong.core.errors import NotFoundOrForbidden
from xinyong.exports.choices import ExportStatus
from xinyong.exports.kinds import KINDS
from xinyong.exports.models import ExportRequest


def _kinds_for(user) -> list[str]:
    return [code for code, kind in KINDS.items() if kind.allowed(user)]


def exports_visible_to(user):
    """The requests `user` asked for, and those of the same organization of kinds `user` may approve."""
    organization_id = getattr(user, "organization_id", None)
    if organization_id is None:
        return ExportRequest.objects.none()
    return (ExportRequest.objects.filter(organization_id=organization_id)
            .filter(Q(requested_by=user) | Q(kind__in=_kinds_for(user)))
            .select_related("requested_by", "decided_by").order_by("-requested_at", "-id"))


def exports_awaiting(user):
    """Requests `user` may approve now: same organization, someone else's, still awaiting approval."""
    return exports_visible_to(user).filter(status=ExportStatus.REQUESTED, kind__in=_kinds_for(user)).exclude(
        requested_by=user)


def export_for(user, export_id: int) -> ExportRequest:
    export = exports_visible_to(user).filter(pk=export_id).first()
    if export is None:
        raise NotFoundOrForbidden()
    return export
