"""The submissions API: departments submit for themselves only; server-owned fields are refused (Art 18,
30; security req. 7, 9, 17)."""

from __future__ import annotations

import pytest
from ingestion_fixtures import org_uscc, penalty_row, write_csv

from xinyong.catalog.selectors import field_for_header
from xinyong.ingestion.models import Batch
from xinyong.records.models import CreditRecord, RecordRevision

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]


def by_code(item, row):
    return {field_for_header(item, h).code: v for h, v in row.items()}


@pytest.fixture
def submitter(penalty, provider, api_client_for):
    return api_client_for(provider, {"data_submitter"})


@pytest.mark.articles("Art 7")
def test_a_department_submits_one_record_and_gets_its_id(penalty, provider, submitter):
    response = submitter.post("/api/v1/submissions/admin-penalty/records", by_code(penalty, penalty_row(provider.uscc)),
                              content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    record = CreditRecord.objects.get(pk=body["id"])
    assert record.provider == provider and record.disclosure_class == "public"
    assert body["receipt"]["seq"] and body["receipt"]["signature"]


def test_resubmitting_the_same_record_is_idempotent(penalty, provider, submitter):
    payload = by_code(penalty, penalty_row(provider.uscc))
    first = submitter.post("/api/v1/submissions/admin-penalty/records", payload, content_type="application/json")
    again = submitter.post("/api/v1/submissions/admin-penalty/records", payload, content_type="application/json")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["id"] == first.json()["id"]
    assert CreditRecord.objects.count() == 1


def test_row_errors_answer_422_with_field_and_code(penalty, provider, submitter):
    payload = by_code(penalty, penalty_row(provider.uscc, **{"罚款金额（万元）": "-3", "违法事实": ""}))
    response = submitter.post("/api/v1/submissions/admin-penalty/records", payload, content_type="application/json")
    assert response.status_code == 422
    codes = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert {("CF_NR_FK", "negative_amount"), ("CF_SY", "required")} <= codes
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize("field", ["status", "disclosure_class", "publication_end", "provider"])
def test_server_owned_fields_in_the_body_are_refused_and_change_nothing(penalty, provider, submitter, field):
    payload = dict(by_code(penalty, penalty_row(provider.uscc)), **{field: "x"})
    response = submitter.post("/api/v1/submissions/admin-penalty/records", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "server_owned_field"
    assert not CreditRecord.objects.exists()


def test_a_department_cannot_submit_for_another_provider(penalty, provider, submitter):
    other = org_uscc(4242)
    payload = by_code(penalty, penalty_row(provider.uscc, **{"数据来源单位统一社会信用代码": other}))
    response = submitter.post("/api/v1/submissions/admin-penalty/records", payload, content_type="application/json")
    assert response.status_code in (403, 404)
    assert not CreditRecord.objects.exists()


def test_an_item_the_department_does_not_provide_answers_like_a_missing_one(penalty, provider, submitter, make_org):
    penalty.providers.add(make_org(name="承德市应急管理局"))
    refused = submitter.post("/api/v1/submissions/admin-penalty/records", {"CF_WSH": "1"},
                             content_type="application/json")
    missing = submitter.post("/api/v1/submissions/no-such-item/records", {"CF_WSH": "1"},
                             content_type="application/json")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()


@pytest.mark.articles("Art 7")
def test_a_json_batch_and_a_file_upload(penalty, provider, submitter, tmp_path):
    rows = [by_code(penalty, penalty_row(provider.uscc)) for _ in range(3)]
    rows.append(dict(rows[0]))
    response = submitter.post("/api/v1/submissions/admin-penalty/batches", rows, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["received"], body["accepted"], body["duplicates"]) == (4, 3, 1)
    path = write_csv(tmp_path / "up.csv", [penalty_row(provider.uscc), penalty_row(provider.uscc, **{"违法事实": ""})])
    with path.open("rb") as upload:
        response = submitter.post("/api/v1/submissions/admin-penalty/batches", {"file": upload})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    detail = submitter.get(f"/api/v1/submissions/batches/{body['batch']}").json()
    assert detail["status"] == "done" and detail["receipt"]["signature"]
    rejections = submitter.get(f"/api/v1/submissions/batches/{body['batch']}/rejections").json()
    assert [(r["row"], r["field"], r["code"]) for r in rejections] == [(3, "CF_SY", "required")]


def test_another_departments_batch_answers_like_a_missing_one(penalty, provider, submitter, make_org, api_client_for):
    rows = [by_code(penalty, penalty_row(provider.uscc))]
    batch_id = submitter.post("/api/v1/submissions/admin-penalty/batches", rows,
                              content_type="application/json").json()["batch"]
    stranger = api_client_for(make_org(name="承德市税务局"), {"data_submitter"})
    hidden = stranger.get(f"/api/v1/submissions/batches/{batch_id}")
    missing = stranger.get("/api/v1/submissions/batches/999999")
    assert hidden.status_code == missing.status_code == 404
    assert stranger.get(f"/api/v1/submissions/batches/{batch_id}/rejections").status_code == 404


def test_roles_without_the_submit_permission_are_refused(penalty, provider, api_client_for):
    analyst = api_client_for(provider, {"analyst"})
    response = analyst.post("/api/v1/submissions/admin-penalty/records", {"CF_WSH": "1"},
                            content_type="application/json")
    assert response.status_code == 403
    assert not Batch.objects.exists()


@pytest.mark.articles("Art 30")
def test_corrections_and_withdrawals_through_the_api(penalty, provider, submitter, make_org, api_client_for):
    payload = by_code(penalty, penalty_row(provider.uscc))
    record_id = submitter.post("/api/v1/submissions/admin-penalty/records", payload,
                               content_type="application/json").json()["id"]
    stranger = api_client_for(make_org(name="承德市税务局"), {"data_submitter"})
    assert stranger.post(f"/api/v1/records/{record_id}/withdrawal", {"reason": "x"},
                         content_type="application/json").status_code == 404
    response = submitter.post(f"/api/v1/records/{record_id}/corrections",
                              {"data": {"CF_NR_FK": "2"}, "reason": "金额录入错误"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 2
    refused = submitter.post(f"/api/v1/records/{record_id}/corrections",
                             {"data": {"CF_NR_FK": "3"}, "reason": "x", "status": "active"},
                             content_type="application/json")
    assert refused.status_code == 422
    owned = submitter.post(f"/api/v1/records/{record_id}/corrections",
                           {"data": {"disclosure_class": "authorized"}, "reason": "x"}, content_type="application/json")
    assert owned.status_code in (400, 422) and owned.json()["code"] == "server_owned_field"
    withdrawn = submitter.post(f"/api/v1/records/{record_id}/withdrawal", {"reason": "处罚决定已被撤销"},
                               content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert list(RecordRevision.objects.filter(record_id=record_id).order_by("number").values_list("source", flat=True)) == [
        "submission", "correction", "withdrawal"]
    assert CreditRecord.objects.get(pk=record_id).disclosure_class == "public"
