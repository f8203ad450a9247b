"""The data quality page (Art 18, 33 (3)): who may see it and how much, the tables, the accessible SVG charts
and the XLSX export (security req. 7, 27)."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from ingestion_fixtures import penalty_row, write_csv
from openpyxl import load_workbook

from xinyong.accounts.testing import staff_session
from xinyong.exports.testing import export_through_approval
from xinyong.ingestion.pipeline import ingest_file

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 33")]

PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}




def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def submit(monkeypatch, tmp_path, provider, rows):
    moment = dt.datetime(2026, 3, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    path = write_csv(tmp_path / f"{provider.pk}.csv", rows)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        assert ingest_file(path_or_stream=path, item_code="admin-penalty", provider=provider).status == "done"


@pytest.fixture
def departments(monkeypatch, tmp_path, penalty, make_org):
    """A city department with clean rows and a 双桥区 department with half its rows rejected."""
    city = make_org(name="承德市市场监督管理局")
    county = make_org(name="双桥区市场监督管理局", division="130802")
    decision = {"处罚决定日期": "2026-03-05"}
    submit(monkeypatch, tmp_path, city, [penalty_row(city.uscc, **decision) for _ in range(4)])
    submit(monkeypatch, tmp_path, county, [penalty_row(county.uscc, **decision) for _ in range(2)]
           + [penalty_row(county.uscc, **decision, **{"违法事实": ""}) for _ in range(2)])
    return city, county


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


@pytest.mark.parametrize("role", ["supervisor", "analyst", "case_handler", "catalog_manager"])
def test_city_level_staff_with_the_quality_permission_see_every_department(departments, make_staff, authority, role):
    city, county = departments
    user = make_staff(roles=(role,), organization=authority)
    response = staff_session(Client(), user).get(reverse("ingestion:quality"), PERIOD)
    assert response.status_code == 200
    text = text_of(response)
    assert city.name in text and county.name in text


def test_a_county_supervisor_sees_the_departments_of_its_county_only(departments, make_staff, make_org):
    city, county = departments
    supervisor = make_staff(roles=("supervisor",), organization=make_org(name="双桥区发展改革局", division="130802"))
    text = text_of(staff_session(Client(), supervisor).get(reverse("ingestion:quality"), PERIOD))
    assert county.name in text and city.name not in text


def test_a_data_submitter_sees_its_own_department_only(departments, make_staff):
    city, county = departments
    submitter = make_staff(roles=("data_submitter",), organization=county)
    response = staff_session(Client(), submitter).get(reverse("ingestion:quality"), PERIOD)
    assert response.status_code == 200
    text = text_of(response)
    assert county.name in text and city.name not in text
    colleague = staff_session(Client(), make_staff(roles=("data_submitter",), organization=county))
    exported = export_through_approval(staff_session(Client(), submitter), colleague, reverse("ingestion:quality-export"),
                                       PERIOD)
    workbook = load_workbook(BytesIO(exported.content))
    names = {row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names == {county.name}


@pytest.mark.parametrize("role", ["measure_implementer", "system_admin", "security_admin", "audit_admin"])
@pytest.mark.parametrize("name", ["ingestion:quality", "ingestion:quality-export"])
def test_staff_without_the_quality_permission_get_403(make_staff, authority, role, name):
    user = make_staff(roles=(role,), organization=authority)
    assert staff_session(Client(), user).get(reverse(name)).status_code == 403


def test_the_page_ranks_the_departments_and_shows_their_rejection_rates(departments, make_staff, authority):
    city, county = departments
    response = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority)).get(
        reverse("ingestion:quality"), PERIOD
    )
    ranking = response.context["ranking"]
    assert [d["row"].provider_id for d in ranking] == [city.pk, county.pk]
    assert [d["rejection_rate"] for d in ranking] == ["0.0%", "50.0%"]
    html = response.content.decode()
    assert re.search(rf'data-provider="{county.pk}">.*?data-rejection-rate>50.0%<', html, re.S)


def test_the_charts_are_inline_svg_with_a_title_and_a_description_and_no_script(departments, make_staff, authority):
    response = staff_session(Client(), make_staff(roles=("analyst",), organization=authority)).get(
        reverse("ingestion:quality"), PERIOD
    )
    html = response.content.decode()
    charts = re.findall(r"<svg [^>]*>.*?</svg>", html, re.S)
    assert len(charts) == 3
    for chart in charts:
        svg_id = re.search(r'<svg id="([\w-]+)"', chart).group(1)
        assert 'role="img"' in chart and f'aria-labelledby="{svg_id}-title {svg_id}-desc"' in chart
        assert f'<title id="{svg_id}-title">' in chart and f'<desc id="{svg_id}-desc">' in chart
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "50.0%" in re.search(r'<desc id="chart-rejection-desc">(.*?)</desc>', html, re.S).group(1)


def test_the_page_has_one_heading_labelled_filters_and_captioned_tables(departments, make_staff, authority):
    response = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority)).get(
        reverse("ingestion:quality"), PERIOD
    )
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert html.count("<table") == html.count("<caption")
    for field in ("id_date_from", "id_date_to", "id_item"):
        assert f'for="{field}"' in html


def test_the_export_is_a_workbook_with_the_numbers_of_the_page(departments, make_staff, authority):
    city, county = departments
    client = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority))
    approver = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority))
    response = export_through_approval(client, approver, reverse("ingestion:quality-export"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="quality-20260301-20260331.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    detail = {row[0]: row for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert detail[county.name][6:11] == (4, 2, 2, 0, 0.5)
    assert detail[city.name][6:11] == (4, 4, 0, 0, 0)
    ranking = [row[:2] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert ranking[:2] == [(1, city.name), (2, county.name)]
    assert all(rank is None for rank, _name in ranking[2:])  # providers without submissions, unranked


def test_an_export_is_an_audited_security_event(departments, make_staff, authority):
    from xinyong.audit.choices import AuditEventType
    from xinyong.audit.models import AuditEvent

    supervisor = make_staff(roles=("supervisor",), organization=authority)
    approver = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority))
    export_through_approval(staff_session(Client(), supervisor), approver, reverse("ingestion:quality-export"), PERIOD)
    event = AuditEvent.objects.get(event_type=AuditEventType.DATA_EXPORTED)
    assert event.actor_id == supervisor.pk and event.details["export"] == "quality-xlsx"


def test_an_item_filter_and_a_reversed_period(departments, make_staff, authority):
    client = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority))
    response = client.get(reverse("ingestion:quality"), {**PERIOD, "item": "admin-permit"})
    assert response.context["rows"] == []
    response = client.get(reverse("ingestion:quality"), {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    export = client.get(reverse("ingestion:quality-export"), {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert export.status_code == 302


def test_the_navigation_offers_quality_to_supervisors_and_submissions_to_submitters(make_staff, authority, provider):
    supervisor = staff_session(Client(), make_staff(roles=("supervisor",), organization=authority))
    html = supervisor.get(reverse("web:console-home")).content.decode()
    assert reverse("ingestion:quality") in html and f'href="{reverse("ingestion:batches")}"' not in html
    submitter = staff_session(Client(), make_staff(roles=("data_submitter",), organization=provider))
    html = submitter.get(reverse("web:console-home")).content.decode()
    assert f'href="{reverse("ingestion:batches")}"' in html
