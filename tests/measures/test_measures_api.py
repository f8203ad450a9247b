"""The API of checks and cases (Art 22–26): JSON batches and files of up to 10,000 subjects, feedback, and the
published measures."""

from __future__ import annotations

import io
import json

import pytest
from lists_fixtures import audit_count, publish_entry, register_org

from xinyong.audit.choices import AuditEventType
from xinyong.measures.models import CheckLog, MeasureCase

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 22")]


@pytest.fixture
def listed(clerk, divisions):
    subject = register_org("承德市失信测试工程有限公司")
    publish_entry(subject, clerk)
    return subject


@pytest.fixture
def api(api_client_for, department):
    return api_client_for(department, {"measure_implementer"})


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_department_system_checks_a_batch_through_the_api(api, listed):
    clean = register_org()
    response = post_json(api, "/api/v1/checks", {
        "scenario": "procurement", "reference": "承采〔2026〕18号",
        "subjects": [{"identifier_type": "uscc", "identifier": listed.identifier},
                     {"identifier_type": "uscc", "identifier": clean.identifier},
                     {"identifier_type": "uscc", "identifier": "91130802MA0000000X"}],
    })
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["requested"], body["subjects_hit"], body["invalid"], body["cases_opened"]) == (3, 1, 1, 2)
    hit, clear, invalid = body["results"]
    assert hit["status"] == "hit" and hit["name"] == listed.name
    exclusion = hit["measures"][0]
    assert exclusion["code"] == "procurement-exclusion" and "政府采购法" in exclusion["legal_basis"]
    assert exclusion["entries"][0]["list"] == "serious-dishonesty"
    assert MeasureCase.objects.get(pk=exclusion["case"]).subject_id == listed.pk
    assert clear == {"row": 2, "identifier_type": "uscc", "identifier": clean.identifier, "status": "clear",
                     "name": None, "error": None, "measures": []}
    assert invalid["status"] == "invalid" and invalid["error"]["code"] == "bad_check_character"
    assert CheckLog.objects.get(pk=body["check"]).channel == "api"


def test_a_check_refuses_server_owned_or_unknown_fields_and_bad_scenarios(api):
    response = post_json(api, "/api/v1/checks", {"scenario": "procurement", "on": "2020-01-01",
                                                 "subjects": [{"identifier_type": "uscc", "identifier": "x"}]})
    assert response.status_code == 422
    response = post_json(api, "/api/v1/checks", {"scenario": "lottery",
                                                 "subjects": [{"identifier_type": "uscc", "identifier": "x"}]})
    assert response.status_code == 422


def test_more_than_ten_thousand_subjects_are_refused_with_a_clear_error(api):
    subjects = [{"identifier_type": "uscc", "identifier": "x"}] * 10_001
    response = post_json(api, "/api/v1/checks", {"scenario": "procurement", "subjects": subjects})
    assert response.status_code == 400 and response.json()["code"] == "too_many_subjects"
    assert audit_count(AuditEventType.SUBJECTS_CHECKED) == 0


def test_a_file_of_identifiers_in_gb18030_is_checked(api, listed):
    csv = f"证件类型,证件号码\n统一社会信用代码,{listed.identifier}\nuscc,{register_org().identifier}\n\n"
    response = api.post("/api/v1/checks/file", {
        "scenario": "procurement", "reference": "项目A",
        "file": io.BytesIO(csv.encode("gb18030")),
    })
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["requested"] == 2 and body["subjects_hit"] == 1
    log = CheckLog.objects.get(pk=body["check"])
    assert log.channel == "file" and len(log.file_digest) == 64


def test_an_xlsx_with_a_single_uscc_column_is_checked(api, listed, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["统一社会信用代码"])
    workbook.active.append([listed.identifier])
    path = tmp_path / "bidders.xlsx"
    workbook.save(path)
    with path.open("rb") as upload:
        response = api.post("/api/v1/checks/file", {"scenario": "procurement", "file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["status"] == "hit"


def test_a_file_without_an_identifier_column_is_refused(api):
    response = api.post("/api/v1/checks/file", {"scenario": "procurement",
                                                 "file": io.BytesIO("名称\n某公司\n".encode())})
    assert response.status_code == 400 and response.json()["code"] == "missing_column"


def test_the_check_needs_the_check_permission(api_client_for, authority, listed):
    handler = api_client_for(authority, {"case_handler"})
    response = post_json(handler, "/api/v1/checks", {
        "scenario": "procurement", "subjects": [{"identifier_type": "uscc", "identifier": listed.identifier}]})
    assert response.status_code == 403
    from django.test import Client

    assert post_json(Client(), "/api/v1/checks", {"scenario": "procurement", "subjects": []}).status_code == 401


def test_feedback_and_statistics_through_the_api(api, api_client_for, authority, listed):
    body = post_json(api, "/api/v1/checks", {
        "scenario": "procurement", "subjects": [{"identifier_type": "uscc", "identifier": listed.identifier}]}).json()
    case_id = body["results"][0]["measures"][0]["case"]
    cases = api.get("/api/v1/cases?status=open").json()
    assert {c["id"] for c in cases} == {m["case"] for m in body["results"][0]["measures"]}
    response = post_json(api, f"/api/v1/cases/{case_id}/feedback", {"applied": True, "note": "已拒绝其参与采购。"})
    assert response.status_code == 200 and response.json()["status"] == "applied"
    again = post_json(api, f"/api/v1/cases/{case_id}/feedback", {"applied": False, "note": "改"})
    assert again.status_code == 400 and again.json()["code"] == "already_reported"
    supervisor = api_client_for(authority, {"case_handler"})
    stats = supervisor.get("/api/v1/cases/statistics").json()
    assert {(s["measure"], s["applied"], s["open"]) for s in stats} == {
        ("限制参与政府采购活动", 1, 0), ("公共资源交易中信用减分", 0, 1)}
    other = api_client_for(authority, {"measure_implementer"})
    assert post_json(other, f"/api/v1/cases/{case_id}/feedback", {"applied": True, "note": "x"}).status_code == 404


def test_the_measures_and_lists_are_published_without_login_art_22():
    from django.test import Client

    measures = Client().get("/api/v1/measures").json()
    assert {m["code"] for m in measures} >= {"procurement-exclusion", "bidding-restriction", "priority-selection"}
    assert all(m["legal_basis"] for m in measures)
    lists = Client().get("/api/v1/lists").json()
    assert [item["code"] for item in lists] == ["honor", "serious-dishonesty", "key-supervision", "court-enforcement"]
    assert lists[1]["duration_months"] == 36 and "procurement-exclusion" in lists[1]["measures"]
