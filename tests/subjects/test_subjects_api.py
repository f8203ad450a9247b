"""The subjects API: permission-checked, jurisdiction-restricted, identifiers masked (Art 19, 20)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from xinyong.core.identifiers import make_citizen_id
from xinyong.subjects.models import Subject

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PERSON_ID = make_citizen_id("130821", dt.date(1979, 11, 2), 311)


def person_payload(**overrides):
    payload = {"kind": "natural_person", "identifier_type": "id", "identifier": PERSON_ID, "name": "王五",
               "division": "130821"}
    payload.update(overrides)
    return payload


@pytest.fixture
def city_submitter(make_org, api_client_for):
    return api_client_for(make_org(name="承德市市场监督管理局"), {"data_submitter"})


@pytest.mark.articles("Art 19")
def test_a_submitter_registers_a_person_and_gets_it_back_masked(city_submitter):
    response = city_submitter.post("/api/v1/subjects", person_payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["identifier"] == PERSON_ID[:6] + "********" + PERSON_ID[-4:]
    assert body["status"] == "active"
    listing = city_submitter.get("/api/v1/subjects").content.decode()
    assert not re.search(r"\d{8}", listing.replace(PERSON_ID[:6], "")), "no 8-digit run of an ID number"


def test_server_owned_fields_in_the_body_are_refused_and_nothing_changes(city_submitter):
    response = city_submitter.post(
        "/api/v1/subjects", person_payload(status="deceased"), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert not Subject.objects.exists()


def test_an_invalid_identifier_gets_a_chinese_message_naming_field_and_rule(city_submitter):
    response = city_submitter.post(
        "/api/v1/subjects", person_payload(identifier=PERSON_ID[:-1] + ("1" if PERSON_ID[-1] == "0" else "0")),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("bad_check_character", "identifier")
    assert "校验码" in body["message"]


def test_the_english_locale_gives_english_messages_with_the_same_code(city_submitter):
    response = city_submitter.post(
        "/api/v1/subjects", person_payload(identifier="123"), content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    body = response.json()
    assert body["code"] == "wrong_length"
    assert re.search(r"[A-Za-z]", body["message"]) and not re.search(r"[\u4e00-\u9fff]", body["message"])


def test_a_county_clerk_sees_only_subjects_of_its_county(make_org, api_client_for, city_submitter):
    city_submitter.post("/api/v1/subjects", person_payload(), content_type="application/json")
    other = make_citizen_id("130822", dt.date(1980, 1, 1), 17)
    created = city_submitter.post(
        "/api/v1/subjects", person_payload(identifier=other, division="130822", name="赵六"),
        content_type="application/json",
    ).json()
    county_clerk = api_client_for(make_org(name="承德县市场监督管理局", division="130821"), {"case_handler"})
    names = [s["name"] for s in county_clerk.get("/api/v1/subjects").json()]
    assert names == ["王五"]
    hidden = county_clerk.get(f"/api/v1/subjects/{created['id']}")
    missing = county_clerk.get("/api/v1/subjects/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_roles_without_subject_access_are_refused(make_org, api_client_for):
    security_admin = api_client_for(make_org(), {"security_admin"})
    assert security_admin.get("/api/v1/subjects").status_code == 403
    assert security_admin.post("/api/v1/subjects", person_payload(), content_type="application/json").status_code == 403


def test_identifier_validation_endpoint_reports_each_value(city_submitter):
    response = city_submitter.post(
        "/api/v1/identifiers/validate", {"type": "id", "values": [PERSON_ID, "110105194912310021"]},
        content_type="application/json",
    )
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, False]
    assert results[1]["code"] == "bad_check_character"
    assert PERSON_ID not in response.content.decode()


# Operations tagged "public" serve only what the portal publishes about organizations (public search and the
# public profile, Art 18, 21) and are open to anonymous callers on purpose; tests/disclosure checks that
# exactly those two are public and that they serve nothing non-public. Every other operation must refuse
# anonymous callers.
PUBLIC_TAG = "public"


def test_the_openapi_description_lists_every_operation(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/v1/subjects", "/api/v1/subjects/{subject_id}", "/api/v1/organizations",
            "/api/v1/organizations/{uscc}", "/api/v1/divisions", "/api/v1/identifiers/validate"} <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if PUBLIC_TAG in operation.get("tags", []):
                continue  # the public search and profile, open to anyone by law (Art 18, 21): see below
            assert operation.get("security"), f"{method.upper()} {path} is not authenticated"


def test_every_operation_refuses_anonymous_callers(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{[a-z_]+\}", "1", path.replace("{uscc}", "91110000600037341L"))
        for method, operation in operations.items():
            if PUBLIC_TAG in operation.get("tags", []):
                continue
            response = getattr(client, method)(concrete, {}, content_type="application/json") if method != "get" \
                else client.get(concrete)
            assert response.status_code == 401, f"{method.upper()} {path}"
