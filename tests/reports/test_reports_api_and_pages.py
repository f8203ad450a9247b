"""Report pages and API: a subject issues and downloads its own report, an authorized bank issues one through
the API, anyone verifies by number or file; others' reports answer 404; verification is rate-limited
(Art 21, 29; security req. 7, 9, 26)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from report_fixtures import COMPANY, COMPANY_USCC, pdf_text

from xinyong.disclosure.models import QueryLogEntry
from xinyong.reports.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 21")]

API = "/api/v1/reports"


# --- pages --------------------------------------------------------------------------------------------------


def test_the_account_page_links_to_my_reports(client, company, account_for):
    client.force_login(account_for(company))
    assert "/reports/mine/" in client.get("/account/").content.decode()


@pytest.mark.articles("Art 29")
def test_a_subject_issues_its_full_report_on_its_page_and_downloads_it(client, company, account_for):
    account = account_for(company)
    client.force_login(account)
    response = client.post("/reports/mine/", follow=True)
    report = Report.objects.get()
    assert (report.requester_id, report.query_mode, report.variant) == (account.pk, "self", "full")
    page = response.content.decode()
    assert report.number in page and f"/reports/mine/{report.number}.pdf" in page
    download = client.get(f"/reports/mine/{report.number}.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content == bytes(report.pdf)
    assert "attachment" in download["Content-Disposition"]


def test_another_account_cannot_download_the_report(client, company, person, account_for, issue):
    report = issue(company)
    client.force_login(account_for(person))
    assert client.get(f"/reports/mine/{report.number}.pdf").status_code == 404
    assert report.number not in client.get("/reports/mine/").content.decode()


def test_my_reports_needs_a_subject_login(client, make_staff):
    assert client.get("/reports/mine/").status_code == 302
    client.force_login(make_staff())
    assert client.get("/reports/mine/").status_code == 302


def test_the_verification_page_checks_a_number_from_the_qr_code(client, company, issue):
    report = issue(company)
    page = client.get("/reports/verify/", {"number": report.number}).content.decode()
    assert "报告真实，未被篡改" in page
    assert COMPANY in page and timezone.localtime(report.issued_at).strftime("%Y-%m-%d %H:%M") in page
    assert "罚款人民币一万元" not in page  # never the content


def test_the_verification_page_checks_an_uploaded_pdf_and_refuses_an_altered_one(client, company, issue):
    report = issue(company)
    good = client.post("/reports/verify/", {"file": SimpleUploadedFile("r.pdf", bytes(report.pdf))})
    assert good.status_code == 200 and "✔" in good.content.decode() and "✘" not in good.content.decode()
    data = bytearray(bytes(report.pdf))
    data[len(data) // 2] ^= 0x01
    bad = client.post("/reports/verify/", {"file": SimpleUploadedFile("r.pdf", bytes(data))}).content.decode()
    assert "✘" in bad


def test_the_verification_page_masks_a_persons_name(client, person, issue):
    report = issue(person)
    page = client.get("/reports/verify/", {"number": report.number}).content.decode()
    assert "王**" in page and "王小明" not in page


def test_the_verification_page_asks_for_a_number_or_a_file(client):
    assert client.get("/reports/verify/").status_code == 200
    assert "error-summary" in client.post("/reports/verify/", {}).content.decode()
    assert "error-summary" in client.get("/reports/verify/", {"number": "12345"}).content.decode()


def test_verification_is_rate_limited(client, company, issue, monkeypatch):
    from xinyong.disclosure import ratelimit

    report = issue(company)
    monkeypatch.setattr(ratelimit, "limit_for", lambda scope: 1)
    assert client.get("/reports/verify/", {"number": report.number}).status_code == 200
    limited = client.get("/reports/verify/", {"number": report.number})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert client.get(f"{API}/{report.number}/verification").status_code == 429


# --- API ----------------------------------------------------------------------------------------------------


def test_a_subject_session_issues_and_downloads_its_report_through_the_api(client, company, account_for):
    client.force_login(account_for(company))
    response = client.post(API, {"variant": "full"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(number=body["number"])
    assert body["download_url"] == f"{API}/{report.number}/pdf"
    download = client.get(body["download_url"])
    assert download.status_code == 200 and download.content == bytes(report.pdf)


def test_an_authorized_bank_issues_a_report_through_the_api(company, bank, grant, api_client_for):
    authorization = grant(company, bank, categories=("administrative",))
    bank_api = api_client_for(bank, {"analyst"})
    response = bank_api.post(API, {"variant": "full", "authorization": authorization.pk, "purpose": "贷款审查"},
                             content_type="application/json")
    assert response.status_code == 201, response.content
    report = Report.objects.get(number=response.json()["number"])
    assert (report.query_mode, report.subject_id, report.organization_id) == ("authorized", company.pk, bank.pk)
    assert bank_api.get(f"{API}/{report.number}/pdf").status_code == 200
    assert "授权查询版" in pdf_text(bytes(report.pdf))


def test_without_a_matching_authorization_the_api_answers_like_a_missing_subject(company, bank, api_client_for):
    bank_api = api_client_for(bank, {"analyst"})
    refused = bank_api.post(API, {"variant": "full", "subject": COMPANY_USCC, "purpose": "贷款审查"},
                            content_type="application/json")
    missing = bank_api.post(API, {"variant": "full", "subject": "91130802MA0000000X", "purpose": "贷款审查"},
                            content_type="application/json")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()
    assert not Report.objects.exists()
    assert QueryLogEntry.objects.filter(result="refused").count() == 2  # both refusals are logged


def test_anyone_logged_in_issues_the_public_report_of_an_organization(company, make_org, api_client_for):
    other = api_client_for(make_org(name="承德市某部门"), {"case_handler"})
    response = other.post(API, {"variant": "public", "subject": COMPANY_USCC}, content_type="application/json")
    assert response.status_code == 201
    assert Report.objects.get().query_mode == "public"


def test_a_report_is_downloadable_by_its_requester_only(company, issue, make_org, api_client_for, account_for, client):
    report = issue(company)
    stranger = api_client_for(make_org(name="承德市某部门"), {"analyst"})
    assert stranger.get(f"{API}/{report.number}/pdf").status_code == 404
    client.force_login(account_for(company))  # another account of the same subject did not ask for it
    assert client.get(f"{API}/{report.number}/pdf").status_code == 404


def test_server_owned_and_unknown_fields_are_refused(client, company, account_for):
    client.force_login(account_for(company))
    for extra in ({"requester": 1}, {"number": "XY20260101-2222-3333-4444-5555"}, {"revoked": True}):
        response = client.post(API, {"variant": "full", **extra}, content_type="application/json")
        assert response.status_code == 422, extra
    assert not Report.objects.exists()


def test_issuing_needs_authentication(client, company):
    assert client.post(API, {"variant": "public", "subject": COMPANY_USCC},
                       content_type="application/json").status_code == 401


def test_the_api_verifies_by_number_and_by_upload_without_login(client, company, issue):
    report = issue(company)
    by_number = client.get(f"{API}/{report.number}/verification").json()
    assert (by_number["status"], by_number["authentic"], by_number["valid"]) == ("valid", True, True)
    assert by_number["subject_name"] == COMPANY
    by_file = client.post(f"{API}/verification", {"file": SimpleUploadedFile("r.pdf", bytes(report.pdf))}).json()
    assert by_file["checks"] == {"signature": True, "content": True, "file": True, "not_revoked": True,
                                 "in_validity": True}
    forged = client.post(f"{API}/verification", {"file": SimpleUploadedFile("r.pdf", b"%PDF-1.7")}).json()
    assert (forged["status"], forged["authentic"]) == ("unreadable", False)
    assert json.dumps(by_number).find("罚款") == -1


def test_only_the_two_verification_operations_of_reports_are_anonymous(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m, p): o for p, ops in spec["paths"].items() if p.startswith(API) for m, o in ops.items()}
    anonymous = {key for key, operation in operations.items() if not operation.get("security")}
    assert anonymous == {("get", f"{API}/{{number}}/verification"), ("post", f"{API}/verification")}
    assert all("public" in operations[key]["tags"] for key in anonymous)
    assert {("post", API), ("get", f"{API}/{{number}}/pdf")} <= set(operations) - anonymous
