"""The notices API (Art 24, 29; security req. 7): an organization's accounts read and mark its notices, never
another organization's; another's notice answers exactly like a missing one."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def two_departments(make_org, send):
    finance, tax = make_org(name="承德市财政局"), make_org(name="承德市税务局")
    own = send(organization=finance, title="请反馈惩戒措施实施情况", kind="case_update", link="/console/")
    foreign = send(organization=tax, title="税务局的通知", kind="escalation")
    return finance, tax, own, foreign


def test_an_organization_lists_only_its_own_notices(api_client_for, two_departments):
    finance, _tax, own, _foreign = two_departments
    client = api_client_for(finance, {"measure_implementer"})
    response = client.get("/api/v1/notices")
    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body] == [own.pk]
    assert body[0]["kind"] == "case_update" and body[0]["read_at"] is None and body[0]["link"] == "/console/"


def test_another_organizations_notice_answers_like_a_missing_one(api_client_for, two_departments):
    finance, _tax, _own, foreign = two_departments
    client = api_client_for(finance, {"measure_implementer"})
    hidden, missing = client.get(f"/api/v1/notices/{foreign.pk}"), client.get("/api/v1/notices/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    refused = client.post(f"/api/v1/notices/{foreign.pk}/read")
    assert refused.status_code == 404 and refused.json() == client.post("/api/v1/notices/999999/read").json()
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_marking_read_through_the_api_and_the_unread_filter(api_client_for, two_departments, send):
    finance, _tax, own, _foreign = two_departments
    second = send(organization=finance, title="第二条")
    client = api_client_for(finance, {"case_handler"})
    assert [n["id"] for n in client.get("/api/v1/notices").json()] == [second.pk, own.pk], "newest first"
    response = client.post(f"/api/v1/notices/{own.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert [n["id"] for n in client.get("/api/v1/notices", {"unread": "true"}).json()] == [second.pk]
    assert client.get("/api/v1/notices", {"limit": "1", "offset": "1"}).json()[0]["id"] == own.pk
    assert client.get("/api/v1/notices", {"limit": "1000"}).status_code == 422


def test_the_three_administrators_and_anonymous_callers_are_refused(api_client_for, two_departments, client):
    finance, _tax, own, _foreign = two_departments
    for role in ("security_admin", "audit_admin", "system_admin"):
        admin = api_client_for(finance, {role})
        assert admin.get("/api/v1/notices").status_code == 403, role
        assert admin.post(f"/api/v1/notices/{own.pk}/read").status_code == 403, role
    assert client.get("/api/v1/notices").status_code == 401
    assert client.get(f"/api/v1/notices/{own.pk}").status_code == 401
    assert client.post(f"/api/v1/notices/{own.pk}/read").status_code == 401


def test_a_subjects_notices_are_never_reached_through_the_api(api_client_for, make_org, subject_account, send):
    notice = send(subject=subject_account().subject)
    client = api_client_for(make_org(name="承德市行政审批局", kind="authority"), {"case_handler"})
    assert client.get("/api/v1/notices").json() == []
    assert client.get(f"/api/v1/notices/{notice.pk}").status_code == 404
