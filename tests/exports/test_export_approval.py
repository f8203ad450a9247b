"""Bulk exports need a second approver of the same organization (security requirement 26; issue 12 finding 6):
asked for by one staff member, approved by another with the same access, downloaded once; each step audited.
Self-approval and another organization's approval are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.exports.choices import ExportStatus
from xinyong.exports.services import export_approve, export_download, export_refuse, export_request
from xinyong.regulation.parameters import parameter

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

QUALITY = "ingestion-quality"
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市发展和改革委员会", kind="authority")


@pytest.fixture
def supervisors(make_staff, authority):
    return [make_staff(roles=("supervisor",), organization=authority) for _ in range(2)]


def events(kind) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(kind)).order_by("seq"))


def ask(user):
    return export_request(user=user, kind=QUALITY, parameters=PERIOD, reason="季度数据质量通报")


def test_an_export_is_asked_for_approved_by_a_colleague_and_downloaded_once(supervisors):
    requester, approver = supervisors
    export = ask(requester)
    assert export.status == ExportStatus.REQUESTED
    assert export.summary == "数据质量统计表（2026-03-01—2026-03-31）XLSX"
    with pytest.raises(ServiceError) as raised:
        export_download(export=export, user=requester)
    assert raised.value.code == "not_approved"

    approved = export_approve(export=export, approver=approver)
    minutes = parameter("exports.approval_validity").value
    assert approved.expires_at == approved.decided_at + dt.timedelta(minutes=minutes)
    exported = export_download(export=export, user=requester)
    assert exported.content.startswith(b"PK") and exported.filename == "quality-20260301-20260331.xlsx"
    with pytest.raises(ServiceError) as raised:
        export_download(export=export, user=requester)
    assert raised.value.code == "already_downloaded"

    (requested,), (approval,), (download,) = (events(AuditEventType.EXPORT_REQUESTED),
                                                events(AuditEventType.EXPORT_APPROVED),
                                                events(AuditEventType.EXPORT_DOWNLOADED))
    assert (requested.actor_id, approval.actor_id, download.actor_id) == (requester.pk, approver.pk, requester.pk)
    assert approval.details["requested_by"] == requester.pk
    assert approval.details["parameters"] == {"exports.approval_validity": minutes}
    assert download.details["approved_by"] == approver.pk
    assert len(events(AuditEventType.DATA_EXPORTED)) == 1  # the rows, audited by the producer


def test_the_requester_cannot_approve_its_own_export(supervisors):
    requester, _ = supervisors
    export = ask(requester)
    with pytest.raises(ServiceError) as raised:
        export_approve(export=export, approver=requester)
    assert raised.value.code == "self_approval"
    assert str(raised.value.message) == "批量导出须由申请人以外的另一名工作人员批准。"
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED and not events(AuditEventType.EXPORT_APPROVED)


def test_staff_of_another_organization_cannot_approve_nor_see_the_request(supervisors, make_staff, make_org):
    requester, _ = supervisors
    other = make_staff(roles=("supervisor",), organization=make_org(name="承德市财政局"))
    export = ask(requester)
    with pytest.raises(NotFoundOrForbidden):
        export_approve(export=export, approver=other)
    with pytest.raises(NotFoundOrForbidden):
        export_refuse(export=export, approver=other, note="不同意")
    page = staff_session(Client(), other).get(reverse("exports:detail", args=[export.pk]))
    missing = staff_session(Client(), other).get(reverse("exports:detail", args=[export.pk + 999]))
    assert page.status_code == missing.status_code == 404
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED


def test_a_colleague_without_the_access_cannot_approve(supervisors, make_staff, authority):
    requester, _ = supervisors
    implementer = make_staff(roles=("measure_implementer",), organization=authority)  # no quality page
    with pytest.raises((NotFoundOrForbidden, ServiceError)):
        export_approve(export=ask(requester), approver=implementer)


def test_a_refused_export_is_never_downloaded_and_tells_why(supervisors):
    requester, approver = supervisors
    export = ask(requester)
    with pytest.raises(ServiceError) as raised:
        export_refuse(export=export, approver=approver, note="")
    assert raised.value.code == "required"
    export_refuse(export=export, approver=approver, note="本季度数据尚未核对完毕")
    with pytest.raises(ServiceError) as raised:
        export_download(export=export, user=requester)
    assert raised.value.code == "not_approved"
    (refusal,) = events(AuditEventType.EXPORT_REFUSED)
    assert refusal.outcome == "denied" and refusal.details["note"] == "本季度数据尚未核对完毕"


def test_an_approval_not_used_in_time_lapses(supervisors, monkeypatch):
    requester, approver = supervisors
    export = export_approve(export=ask(requester), approver=approver)
    later = export.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(ServiceError) as raised:
        export_download(export=export, user=requester)
    assert raised.value.code == "approval_expired"


def test_only_the_requester_downloads(supervisors):
    requester, approver = supervisors
    export = export_approve(export=ask(requester), approver=approver)
    with pytest.raises(NotFoundOrForbidden):
        export_download(export=export, user=approver)


def test_the_pages_ask_approve_and_download(supervisors):
    requester, approver = supervisors
    asking = staff_session(Client(), requester)
    form = asking.get(reverse("ingestion:quality-export"), PERIOD)
    assert form.status_code == 302
    page = asking.get(form["Location"])
    assert page.status_code == 200 and "数据质量统计表（2026-03-01—2026-03-31）XLSX" in page.content.decode()
    created = asking.post(form["Location"], {"reason": "季度数据质量通报"})
    detail = created["Location"]
    own = asking.get(detail).content.decode()
    assert "等待批准" in own and 'name="decision"' not in own  # no approval form for the requester
    approving = staff_session(Client(), approver)
    assert "数据质量统计表（2026-03-01—2026-03-31）XLSX" in approving.get(reverse("exports:list")).content.decode()
    assert 'name="decision"' in approving.get(detail).content.decode()
    pk = int(detail.rstrip("/").rsplit("/", 1)[-1])
    refused_self = asking.post(reverse("exports:decide", args=[pk]), {"decision": "approve", "note": ""})
    assert refused_self.status_code == 400
    assert approving.post(reverse("exports:decide", args=[pk]), {"decision": "approve", "note": ""}).status_code == 302
    downloaded = asking.post(reverse("exports:file", args=[pk]))
    assert downloaded.status_code == 200 and downloaded["Cache-Control"] == "no-store"
    assert "attachment" in downloaded["Content-Disposition"]
