"""Organizations and divisions: services, the `org add` command and the API (Art 6)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from xinyong.accounts.models import Organization
from xinyong.accounts.services import organization_add
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import ServiceError
from xinyong.core.identifiers import make_uscc

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 6")]

CITY_BUREAU = make_uscc("1", "1", "130800", "00000133")
BAD_CHECK = CITY_BUREAU[:-1] + ("0" if CITY_BUREAU[-1] != "0" else "1")


def test_chengde_tree_has_every_county_under_the_city(divisions):
    city = divisions["130800"]
    counties = {d.code for d in divisions.values() if d.parent_id == city.pk}
    assert {
        "130802",
        "130803",
        "130804",
        "130821",
        "130822",
        "130824",
        "130825",
        "130826",
        "130827",
        "130828",
        "130881",
    } <= counties
    assert divisions["130823"].valid_until is not None  # 平泉县 became 平泉市 in 2017


def test_org_add_is_idempotent_and_audited(divisions, capsys):
    call_command(
        "org",
        "add",
        "--uscc",
        CITY_BUREAU,
        "--name",
        "承德市行政审批局",
        "--kind",
        "authority",
        "--division",
        "130800",
    )
    call_command(
        "org",
        "add",
        "--uscc",
        CITY_BUREAU,
        "--name",
        "承德市行政审批局",
        "--kind",
        "authority",
        "--division",
        "130800",
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"created\t{CITY_BUREAU}")
    assert out[1].startswith("unchanged\t")
    assert Organization.objects.filter(uscc=CITY_BUREAU).count() == 1
    assert AuditEvent.objects.filter(event_type=AuditEventType.ORGANIZATION_CREATED).count() == 1


def test_org_add_updates_the_name_and_records_before_and_after(divisions):
    organization_add(uscc=CITY_BUREAU, name="旧名称", kind="authority", division_code="130800")
    result = organization_add(
        uscc=CITY_BUREAU, name="承德市行政审批局", kind="authority", division_code="130800"
    )
    assert result.changed and not result.created
    event = AuditEvent.objects.get(event_type=AuditEventType.ORGANIZATION_UPDATED)
    change = event.changes.get()
    assert change.before["name"] == "旧名称" and change.after["name"] == "承德市行政审批局"


def test_org_add_rejects_a_bad_check_character_naming_the_field(divisions):
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "org", "add", "--uscc", BAD_CHECK, "--name", "x", "--kind", "department", "--division", "130800"
        )
    assert "uscc" in str(excinfo.value)
    assert "校验码" in str(excinfo.value)
    assert not Organization.objects.exists()


def test_org_add_rejects_an_unknown_division(divisions):
    with pytest.raises(ServiceError) as excinfo:
        organization_add(uscc=CITY_BUREAU, name="x", kind="department", division_code="990000")
    assert excinfo.value.code == "unknown_division" and excinfo.value.field == "division"
    assert not Organization.objects.exists()


def test_organization_api_needs_authentication(client, divisions):
    assert client.get("/api/v1/organizations").status_code == 401


def test_organization_api_lists_and_creates_for_the_system_administrator(make_org, api_client_for):
    authority = make_org(name="承德市行政审批局", kind="authority")
    admin = api_client_for(authority, {"system_admin"})
    response = admin.post(
        "/api/v1/organizations",
        {"uscc": BAD_CHECK, "name": "x", "kind": "bank", "division": "130800"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "uscc"
    listed = admin.get("/api/v1/organizations").json()
    assert [o["name"] for o in listed] == ["承德市行政审批局"]


def test_organization_api_refuses_callers_without_permission(make_org, api_client_for):
    org = make_org()
    analyst = api_client_for(org, {"audit_admin"})
    assert analyst.get("/api/v1/organizations").status_code == 403
