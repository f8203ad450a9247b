"""The listing procedure through the API (Art 22, 24): the authority's systems propose, serve the notice,
decide after the window and publish; everyone reads the published entries."""

from __future__ import annotations

import json

import pytest
from lists_fixtures import SERVED, WINDOW_END, register_org

from xinyong.lists.models import ListEntry

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 22", "Art 24")]


def post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def api(api_client_for, authority):
    return api_client_for(authority, {"case_handler"})


def test_the_authority_lists_an_organization_through_the_api_and_everyone_reads_it(api, company):
    response = post_json(api, "/api/v1/lists/entries", {
        "list": "serious-dishonesty", "identifier_type": "uscc", "identifier": company.identifier,
        "reasons": "在政府采购活动中提供虚假材料。",
    })
    assert response.status_code == 201, response.content
    entry_id = response.json()["id"]
    ListEntry.objects.filter(pk=entry_id).update(proposed_on=SERVED)

    notified = post_json(api, f"/api/v1/lists/entries/{entry_id}/notify", {"served_on": SERVED.isoformat()}).json()
    assert notified["state"] == "notified" and notified["objection_window_end"] == WINDOW_END.isoformat()
    decided = post_json(api, f"/api/v1/lists/entries/{entry_id}/decide",
                        {"decision": "listed", "reasons": "事实清楚。"})
    assert decided.status_code == 200 and decided.json()["state"] == "listed"
    assert decided.json()["parameters"]["lists.serious_dishonesty_duration"] == 36
    published = post_json(api, f"/api/v1/lists/entries/{entry_id}/publish")
    assert published.json()["state"] == "published"

    from django.test import Client

    public = Client().get("/api/v1/lists/serious-dishonesty/entries").json()
    assert [(e["name"], e["uscc"]) for e in public] == [(company.name, company.identifier)]


def test_a_decision_inside_the_window_is_refused_through_the_api(api, company):
    entry_id = post_json(api, "/api/v1/lists/entries", {
        "list": "serious-dishonesty", "identifier_type": "uscc", "identifier": company.identifier,
        "reasons": "拟列入。"}).json()["id"]
    post_json(api, f"/api/v1/lists/entries/{entry_id}/notify")
    refused = post_json(api, f"/api/v1/lists/entries/{entry_id}/decide", {"decision": "listed", "reasons": "决定。"})
    assert refused.status_code == 400 and refused.json()["code"] == "objection_window_open"


def test_the_procedure_needs_the_permission_and_hides_unknown_subjects(api_client_for, department, api, divisions):
    implementer = api_client_for(department, {"measure_implementer"})
    body = {"list": "serious-dishonesty", "identifier_type": "uscc", "identifier": register_org().identifier,
            "reasons": "拟列入。"}
    assert post_json(implementer, "/api/v1/lists/entries", body).status_code == 403
    from xinyong.core.identifiers import make_uscc

    unknown = dict(body, identifier=make_uscc("9", "1", "130802", "77777777"))
    assert post_json(api, "/api/v1/lists/entries", unknown).status_code == 404
    assert api.get("/api/v1/lists/entries/999999").status_code == 404
