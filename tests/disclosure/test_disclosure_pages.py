"""Portal and console pages: search, the organization page, the subject's authorizations and "who read my
data", the official query and the query statistics (Art 18, 21, 29; security req. 7, 9, 11, 26)."""

from __future__ import annotations

import datetime as dt

import pytest
from disclosure_fixtures import COMPANY
from django.utils import timezone

from xinyong.disclosure.models import Authorization, QueryLogEntry

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 21")]


def test_the_search_page_finds_an_organization_and_links_its_page(client, company):
    page = client.get("/search/", {"q": "华安"}).content.decode()
    assert COMPANY in page and f'href="/org/{company.identifier_masked}/"' in page
    assert "至少" in client.get("/search/", {"q": "华"}).content.decode()


def test_the_home_page_search_box_goes_to_the_search(client):
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page


@pytest.mark.articles("Art 18")
def test_the_organization_page_shows_a_penalty_until_its_window_ends(client, company, monkeypatch):
    url = f"/org/{company.identifier_masked}/"
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2029, 3, 4))
    assert "承市监罚〔2026〕88号" in client.get(url).content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2029, 3, 5))
    page = client.get(url).content.decode()
    assert "承市监罚〔2026〕88号" not in page and COMPANY in page


def test_the_organization_page_marks_objections_and_repairs(client, company, make_record):
    make_record(company, disclosure_class="public", under_objection=True, under_repair=True)
    page = client.get(f"/org/{company.identifier_masked}/").content.decode()
    assert "异议中" in page and "信用修复中" in page


@pytest.mark.articles("Art 19")
def test_a_person_or_unknown_code_has_no_page(client, person):
    assert client.get("/org/91130802MA0000000X/").status_code == 404
    assert client.get(f"/org/{person.plain_id}/").status_code == 404


def test_the_search_page_is_rate_limited(client, monkeypatch):
    from xinyong.disclosure import ratelimit

    monkeypatch.setattr(ratelimit, "limit_for", lambda scope: 1)
    assert client.get("/search/", {"q": "华安"}).status_code == 200
    limited = client.get("/search/", {"q": "华安"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1


# --- the subject's account ----------------------------------------------------------------------------------


def authorization_form(bank, **extra):
    return {
        "grantee_uscc": bank.uscc, "categories": ["administrative"], "purpose": "贷款审查",
        "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(), **extra,
    }


def test_a_subject_drafts_confirms_and_revokes_an_authorization(client, company, bank, account_for):
    client.force_login(account_for(company))
    response = client.post("/account/authorizations/", authorization_form(bank))
    authorization = Authorization.objects.get()
    assert response["Location"] == f"/account/authorizations/{authorization.pk}/"
    assert authorization.status == "pending"
    assert bank.name in client.get(response["Location"]).content.decode()

    client.post(f"/account/authorizations/{authorization.pk}/", {"agree": "on"})
    authorization.refresh_from_db()
    assert authorization.status == "confirmed" and authorization.confirmed_at

    client.post(f"/account/authorizations/{authorization.pk}/revoke/")
    authorization.refresh_from_db()
    assert authorization.status == "revoked"


def test_a_form_setting_server_owned_fields_is_refused_and_changes_nothing(client, company, bank, account_for):
    client.force_login(account_for(company))
    response = client.post("/account/authorizations/", authorization_form(bank, status="confirmed"))
    assert response.status_code == 400
    assert Authorization.objects.count() == 0


def test_another_subjects_authorization_is_not_found(client, company, person, bank, account_for, grant):
    authorization = grant(person, bank)
    client.force_login(account_for(company))
    assert client.get(f"/account/authorizations/{authorization.pk}/").status_code == 404
    assert client.get("/account/authorizations/999999/").status_code == 404
    assert client.post(f"/account/authorizations/{authorization.pk}/revoke/").status_code == 404
    authorization.refresh_from_db()
    assert authorization.status == "confirmed"


@pytest.mark.articles("Art 29")
def test_the_subject_sees_who_read_its_data_with_the_persons_name_masked(
    client, person, bank, make_staff, grant
):
    from xinyong.disclosure.access import access_subject_information

    authorization = grant(person, bank)
    analyst = make_staff(roles=("analyst",), organization=bank)
    analyst.display_name = "赵信贷"
    analyst.save()
    access_subject_information(requester=analyst, subject=person, mode="authorized", purpose="贷款审查",
                               authorization=authorization.pk)
    client.force_login(authorization.account)
    page = client.get("/account/reads/").content.decode()
    assert bank.name in page and "贷款审查" in page and "授权查询" in page
    assert "赵**" in page and "赵信贷" not in page


@pytest.mark.articles("Art 29")
def test_the_subject_reads_its_own_information_and_the_read_is_logged(client, person, account_for):
    account = account_for(person)
    client.force_login(account)
    page = client.get("/account/information/").content.decode()
    assert "承市监罚〔2026〕99号" in page and person.plain_id[:8] not in page
    assert QueryLogEntry.objects.get().mode == "self"


def test_account_pages_need_a_subject_login(client, make_staff):
    assert client.get("/account/reads/").status_code == 302
    client.force_login(make_staff())
    assert client.get("/account/reads/").status_code == 302


# --- console ------------------------------------------------------------------------------------------------


def test_an_official_query_in_the_console_is_logged_and_masks_the_id_number(client, person, make_staff):
    staff = make_staff(roles=("case_handler",))
    client.force_login(staff)
    page = client.post("/console/official-query/", {
        "identifier_type": "id", "identifier": person.plain_id, "purpose": "案件调查",
    }).content.decode()
    assert "承市监罚〔2026〕99号" in page and person.plain_id not in page
    entry = QueryLogEntry.objects.get()
    assert (entry.mode, entry.purpose, entry.result) == ("official", "案件调查", "served")


def test_the_official_query_page_needs_the_permission(client, make_staff):
    client.force_login(make_staff(roles=("data_submitter",)))
    assert client.get("/console/official-query/").status_code == 403


def test_query_statistics_count_per_organization_and_flag_unusual_readers(
    client, company, person, make_staff, monkeypatch
):
    from xinyong.disclosure import selectors
    from xinyong.disclosure.access import access_subject_information

    clerk = make_staff(roles=("case_handler",))
    for subject in (company, person):
        access_subject_information(requester=clerk, subject=subject, mode="official", purpose="检查")
    real_parameter = selectors.parameter
    monkeypatch.setattr(
        selectors, "parameter",
        lambda name, on=None: type("V", (), {"value": 1})() if name == selectors.UNUSUAL_READS else real_parameter(name, on),
    )
    supervisor = make_staff(roles=("supervisor",))
    client.force_login(supervisor)
    response = client.get("/console/queries/")
    page = response.content.decode()
    assert response.status_code == 200
    assert clerk.username in page and "已标记" in page
    stats = response.context["stats"]
    assert [(r.organization, r.mode, r.served) for r in stats.rows] == [(clerk.organization.name, "official", 2)]


def test_query_statistics_need_the_permission(client, make_staff):
    client.force_login(make_staff(roles=("data_submitter",)))
    assert client.get("/console/queries/").status_code == 403
