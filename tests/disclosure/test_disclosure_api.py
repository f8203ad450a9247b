"""The API: public search and profiles open to anyone, official and authorized queries logged, every refusal
the 404 of a missing subject, rate limits that answer 429 and do no work (Art 18, 21; security req. 7, 8,
10, 26)."""

from __future__ import annotations

import pytest
from disclosure_fixtures import COMPANY

from xinyong.disclosure.models import QueryLogEntry

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 21")]

PUBLIC_OPERATIONS = {("get", "/api/v1/public/search"), ("get", "/api/v1/public/organizations/{uscc}")}


def credit_information(client, key, **params):
    return client.get(f"/api/v1/subjects/{key}/credit-information", params)


def test_exactly_the_public_search_and_profile_are_open_to_anonymous_callers(client):
    spec = client.get("/api/v1/openapi.json").json()
    public = {
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if not operation.get("security")
    }
    # Other apps may publish their own anonymous operations (report verification); disclosure's are these two.
    assert {(m, p) for m, p in public if p.startswith("/api/v1/public/")} == PUBLIC_OPERATIONS
    assert public >= PUBLIC_OPERATIONS
    assert all(spec["paths"][p][m].get("security") for p, ops in spec["paths"].items() for m in ops
               if p.startswith(("/api/v1/subjects/", "/api/v1/authorizations")))
    for method, path in PUBLIC_OPERATIONS:
        assert "public" in spec["paths"][path][method]["tags"]
    assert "/api/v1/subjects/{key}/credit-information" in spec["paths"]
    assert "/api/v1/authorizations" in spec["paths"]


def test_anyone_searches_organizations_by_part_of_the_name_or_the_uscc(client, company):
    found = client.get("/api/v1/public/search", {"q": "华安商贸"}).json()
    assert [r["name"] for r in found["results"]] == [COMPANY]
    assert found["results"][0]["url"] == f"/org/{company.identifier_masked}/"
    by_code = client.get("/api/v1/public/search", {"q": company.identifier_masked.lower()}).json()
    assert [r["uscc"] for r in by_code["results"]] == [company.identifier_masked]
    too_short = client.get("/api/v1/public/search", {"q": "华"})
    assert (too_short.status_code, too_short.json()["code"]) == (400, "query_too_short")


def test_anyone_reads_an_organizations_public_profile_and_nothing_else(client, company, make_record):
    make_record(company, disclosure_class="authorized", data={"CF_NR": "非公开内容"})
    response = client.get(f"/api/v1/public/organizations/{company.identifier_masked}")
    assert response.status_code == 200
    body = response.json()
    assert body["organization"]["name"] == COMPANY
    penalties = next(s for s in body["sections"] if s["item_code"] == "admin-penalty")
    assert [r["document_number"] for r in penalties["records"]] == ["承市监罚〔2026〕88号"]
    assert "非公开内容" not in response.content.decode()
    assert QueryLogEntry.objects.count() == 0


@pytest.mark.articles("Art 19")
def test_natural_persons_are_never_found_by_the_public_api(client, person):
    assert client.get("/api/v1/public/search", {"q": "王小明"}).json()["results"] == []
    assert client.get("/api/v1/public/search", {"q": person.plain_id}).json()["results"] == []


def test_a_bank_queries_under_the_authorization_until_it_is_revoked(person, bank, bank_client, make_record, grant):
    from xinyong.disclosure.services import authorization_revoke

    make_record(person, disclosure_class="authorized")
    authorization = grant(person, bank)
    listed = bank_client.get("/api/v1/authorizations").json()
    assert [(a["id"], a["in_force"], a["subject"]["id"]) for a in listed] == [(authorization.pk, True, person.pk)]

    params = {"mode": "authorized", "authorization": authorization.pk, "purpose": "贷款审查"}
    served = credit_information(bank_client, person.pk, **params)
    assert served.status_code == 200
    assert len(served.json()["records"]) == 2
    assert person.plain_id[:8] not in served.content.decode()

    authorization_revoke(account=authorization.account, authorization_id=authorization.pk)
    refused = credit_information(bank_client, person.pk, **params)
    missing = credit_information(bank_client, 987654, **params)
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    assert list(QueryLogEntry.objects.order_by("pk").values_list("result", "reason")) == [
        ("served", ""), ("refused", "authorization_revoked"), ("refused", "not_found"),
    ]


def test_forbidden_and_missing_look_the_same_for_every_caller(company, bank_client, api_client_for, make_org):
    params = {"mode": "authorized", "authorization": 1, "purpose": "贷款审查"}
    existing = credit_information(bank_client, company.identifier_masked, **params)
    unknown = credit_information(bank_client, "91130802MA0000000X", **params)
    assert existing.status_code == unknown.status_code == 404 and existing.content == unknown.content
    assert company.division.code == "130802"  # from its USCC: 双桥区
    county = api_client_for(make_org(name="滦平县市场监督管理局", division="130824"), {"case_handler"})
    assert credit_information(county, company.pk, mode="official", purpose="检查").content == existing.content
    association = api_client_for(make_org(name="承德市某协会", kind="association"), {"case_handler"})
    assert credit_information(association, company.pk, mode="official", purpose="检查").content == existing.content
    city = api_client_for(make_org(name="承德市市场监督管理局二"), {"case_handler"})
    assert credit_information(city, company.pk, mode="official", purpose="检查").status_code == 200


@pytest.mark.articles("Art 19")
def test_an_id_number_is_never_taken_as_a_key_nor_logged(person, bank_client):
    response = credit_information(bank_client, person.plain_id, mode="authorized", authorization=1, purpose="x")
    assert response.status_code == 404
    entry = QueryLogEntry.objects.get()
    assert entry.subject_id is None and person.plain_id[:8] not in entry.subject_label


def test_a_query_without_a_purpose_is_a_400_and_is_logged(company, api_client_for, make_org):
    clerk = api_client_for(make_org(), {"case_handler"})
    response = credit_information(clerk, company.pk, mode="official")
    assert (response.status_code, response.json()["code"]) == (400, "purpose_required")
    assert QueryLogEntry.objects.get().reason == "purpose_required"


def test_the_grantees_list_needs_the_authorized_query_permission(api_client_for, make_org):
    assert api_client_for(make_org(), {"case_handler"}).get("/api/v1/authorizations").status_code == 403


def test_over_the_limit_the_api_answers_429_with_retry_after_and_does_no_work(
    client, company, bank_client, monkeypatch
):
    from xinyong.disclosure import ratelimit

    monkeypatch.setattr(ratelimit, "limit_for", lambda scope: 2)
    for _ in range(2):
        assert client.get("/api/v1/public/search", {"q": "华安"}).status_code == 200
    limited = client.get("/api/v1/public/search", {"q": "华安"})
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["code"] == "rate_limited"

    params = {"mode": "authorized", "authorization": 1, "purpose": "x"}
    for _ in range(2):
        assert credit_information(bank_client, company.pk, **params).status_code == 404
    assert QueryLogEntry.objects.count() == 2
    limited = credit_information(bank_client, company.pk, **params)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert QueryLogEntry.objects.count() == 2  # refused before any work: nothing looked up, nothing logged


def test_the_next_window_lets_the_client_in_again(rf, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from xinyong.disclosure import ratelimit

    monkeypatch.setattr(ratelimit, "limit_for", lambda scope: 1)
    request = rf.get("/search/", REMOTE_ADDR="203.0.113.9")
    start = timezone.now().replace(second=5, microsecond=0)
    assert ratelimit.rate_limit_hit(request, ratelimit.PUBLIC, now=start).allowed
    second = ratelimit.rate_limit_hit(request, ratelimit.PUBLIC, now=start + dt.timedelta(seconds=10))
    assert not second.allowed and second.retry_after == 45
    assert ratelimit.rate_limit_hit(request, ratelimit.PUBLIC, now=start + dt.timedelta(seconds=60)).allowed
