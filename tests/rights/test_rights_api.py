"""The objection and repair cases through the API (Art 28–31, 33): the deciding department's staff and API
clients list, read, extend and decide their cases; another department's case answers like a missing one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import PDF, Upload

from xinyong.records.choices import RecordStatus
from xinyong.rights.choices import CaseStatus
from xinyong.rights.services import objection_file, repair_apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 28")]

JSON = "application/json"


@pytest.fixture
def objection(record, account):
    return objection_file(subject=record.subject, record=record, reasons="处罚金额有误。", applicant=account,
                          evidence=[Upload(PDF)])


@pytest.fixture
def provider_api(provider, api_client_for):
    """The provider department's system, with the data submitter's role (decides the cases sent to it)."""
    return api_client_for(provider, {"data_submitter"})


@pytest.fixture
def other_department_api(make_org, api_client_for):
    return api_client_for(make_org(name="承德市税务局"), {"data_submitter"})


def test_the_department_lists_and_reads_its_cases_with_the_timeline(provider_api, objection, record):
    listed = provider_api.get("/api/v1/rights/cases")
    assert listed.status_code == 200
    (case,) = listed.json()
    assert case["number"] == objection.number and case["status"] == "open" and case["kind"] == "objection"
    assert case["target"] == {"type": "record", "id": record.pk, "label": f"行政处罚 {record.document_number}"}
    assert case["due_on"] == objection.due_on.isoformat() and case["overdue"] is False
    assert provider_api.get("/api/v1/rights/cases?kind=repair").json() == []
    assert provider_api.get("/api/v1/rights/cases?status=decided").json() == []
    assert provider_api.get("/api/v1/rights/cases?overdue=true").json() == []
    assert provider_api.get("/api/v1/rights/cases?kind=nonsense").status_code == 422

    detail = provider_api.get(f"/api/v1/rights/cases/{objection.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["reasons"] == "处罚金额有误。"
    assert [step["action"] for step in body["timeline"]] == ["filed"]
    assert body["timeline"][0]["articles"] == ["Art 28", "Art 30"]
    (evidence,) = body["files"]
    assert evidence["kind"] == "evidence" and len(evidence["digest"]) == 64 and "content" not in evidence


def test_the_deadline_is_extended_once_with_a_reason(provider_api, objection):
    url = f"/api/v1/rights/cases/{objection.pk}/extension"
    response = provider_api.post(url, {"days": 3, "reason": "需向复议机关核实。"}, content_type=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["extensions"] == 1 and body["extended_days"] == 3 and body["due_on"] > objection.due_on.isoformat()
    assert [step["action"] for step in body["timeline"]] == ["filed", "extended"]

    again = provider_api.post(url, {"days": 2, "reason": "仍需核实。"}, content_type=JSON)
    assert again.status_code == 400
    assert again.json()["code"] == "extension_limit" and again.json()["field"] == "days"
    assert provider_api.post(url, {"days": 3}, content_type=JSON).status_code == 422  # a written reason


@pytest.mark.articles("Art 30")
def test_an_objection_is_decided_with_corrections_and_a_new_revision(provider_api, objection, record):
    url = f"/api/v1/rights/cases/{objection.pk}/objection-decision"
    wrong_kind = provider_api.post(f"/api/v1/rights/cases/{objection.pk}/repair-decision",
                                   {"outcome": "approved", "reasons": "准予修复。"}, content_type=JSON)
    assert wrong_kind.status_code == 400 and wrong_kind.json()["code"] == "wrong_case_kind"
    assert provider_api.post(url, {"outcome": "approved", "reasons": "x"}, content_type=JSON).status_code == 422

    response = provider_api.post(url, {"outcome": "corrected", "reasons": "经核实，罚款金额应为五千元。",
                                       "corrections": {"CF_NR": "罚款人民币五千元", "CF_NR_FK": "0.5"}},
                                 content_type=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "decided" and body["outcome"] == "corrected" and body["corrected_revision"] == 2
    assert body["decision_reasons"] == "经核实，罚款金额应为五千元。"
    record.refresh_from_db()
    assert record.revision == 2 and record.under_objection is False
    assert record.revisions.get(number=2).data["CF_NR"] == "罚款人民币五千元"

    closed = provider_api.post(url, {"outcome": "maintained", "reasons": "维持。"}, content_type=JSON)
    assert closed.status_code == 400 and closed.json()["code"] == "case_closed"


def test_a_rejected_correction_names_the_field(provider_api, objection):
    response = provider_api.post(f"/api/v1/rights/cases/{objection.pk}/objection-decision",
                                 {"outcome": "corrected", "reasons": "更正。", "corrections": {"CF_JDRQ": "不是日期"}},
                                 content_type=JSON)
    assert response.status_code == 422
    assert response.json()["field"] == "CF_JDRQ"


@pytest.mark.articles("Art 31")
def test_a_repair_is_approved_through_the_api(provider_api, record, account):
    case = repair_apply(subject=record.subject, record=record, reasons="已缴清罚款。", applicant=account,
                        materials={"commitment": [Upload()], "rectification": [Upload()]})
    response = provider_api.post(f"/api/v1/rights/cases/{case.pk}/repair-decision",
                                 {"outcome": "approved", "reasons": "已纠正失信行为，准予修复。"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["outcome"] == "approved"
    record.refresh_from_db()
    assert record.status == RecordStatus.REPAIRED


def test_server_owned_fields_in_a_body_are_refused_and_nothing_changes(provider_api, objection):
    base = f"/api/v1/rights/cases/{objection.pk}"
    for path, body in (
        ("/extension", {"days": 3, "reason": "核实。", "due_on": "2030-01-01"}),
        ("/extension", {"days": 3, "reason": "核实。", "on": "2026-01-01"}),
        ("/objection-decision", {"outcome": "maintained", "reasons": "维持。", "status": "decided"}),
        ("/objection-decision", {"outcome": "maintained", "reasons": "维持。", "decided_on": "2026-01-01"}),
        ("/objection-decision", {"outcome": "maintained", "reasons": "维持。", "organization": 1}),
        ("/repair-decision", {"outcome": "approved", "reasons": "x", "actor": 1}),
    ):
        response = provider_api.post(base + path, body, content_type=JSON)
        assert response.status_code == 422, (path, body)
    objection.refresh_from_db()
    assert objection.status == CaseStatus.OPEN and objection.extensions == 0


def test_another_department_never_sees_the_case_same_404_as_a_missing_one(
    provider_api, other_department_api, objection
):
    assert other_department_api.get("/api/v1/rights/cases").json() == []
    missing = other_department_api.get("/api/v1/rights/cases/999999")
    hidden = other_department_api.get(f"/api/v1/rights/cases/{objection.pk}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()
    for path, body in (("/extension", {"days": 3, "reason": "核实。"}),
                       ("/objection-decision", {"outcome": "maintained", "reasons": "维持。"}),
                       ("/repair-decision", {"outcome": "approved", "reasons": "准予。"})):
        response = other_department_api.post(f"/api/v1/rights/cases/{objection.pk}{path}", body, content_type=JSON)
        assert response.status_code == 404 and response.json() == missing.json(), path
    objection.refresh_from_db()
    assert objection.status == CaseStatus.OPEN and objection.extensions == 0
    assert provider_api.get(f"/api/v1/rights/cases/{objection.pk}").status_code == 200


def test_callers_without_the_permission_are_refused_and_anonymous_ones_unauthenticated(
    client, provider, api_client_for, objection
):
    analyst = api_client_for(provider, {"analyst"})
    assert analyst.get("/api/v1/rights/cases").status_code == 403
    assert analyst.get(f"/api/v1/rights/cases/{objection.pk}").status_code == 403
    assert client.get("/api/v1/rights/cases").status_code == 401
    assert client.post(f"/api/v1/rights/cases/{objection.pk}/extension", {"days": 1, "reason": "x"},
                       content_type=JSON).status_code == 401


def test_a_staff_session_reads_its_cases(client, submitter, objection):
    from xinyong.accounts.testing import staff_session

    staff_session(client, submitter)
    response = client.get("/api/v1/rights/cases")
    assert response.status_code == 200 and [c["number"] for c in response.json()] == [objection.number]
