"""The deadline dashboard of objections and credit repair and its exports (Art 28, 31, 33 (5)).

The clock is frozen on Monday 9 November 2026, 10:00 in Chengde. Objections filed through the service on
26 October, 2, 4 and 9 November are due (5 working days) on 2 November (overdue), 9 November (due today),
11 November (within 3 working days: up to 12 November) and 16 November (later); one filed on Friday
6 November while the year's holiday schedule was taken out has a provisional due date, counted on weekends
alone (13 November), and is counted in the provisional bucket only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from contextlib import contextmanager
from itertools import count

import pytest
from django.utils import timezone
from ingestion_fixtures import person_id
from openpyxl import load_workbook
from rights_fixtures import publish_entry

from xinyong.accounts.models import Organization
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.workdays import reset_calendar_cache
from xinyong.exports.testing import export_through_approval
from xinyong.regulation.models import CalendarYear
from xinyong.rights.dashboard import CaseFilters, dashboard
from xinyong.rights.deadlines import cases_run_deadlines
from xinyong.rights.services import objection_decide, objection_file
from xinyong.web.testing import assert_accessible

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 33")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 9)  # a Monday
FILED = {
    "overdue": dt.date(2026, 10, 26),  # due 2 November
    "today": dt.date(2026, 11, 2),  # due 9 November
    "soon": dt.date(2026, 11, 4),  # due 11 November
    "later": dt.date(2026, 11, 9),  # due 16 November
}
DUE = {"overdue": dt.date(2026, 11, 2), "today": TODAY, "soon": dt.date(2026, 11, 11),
       "later": dt.date(2026, 11, 16)}
DASHBOARD = "/console/rights/dashboard/"
_numbers = count(4700)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    moment = dt.datetime(2026, 11, 9, 10, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: moment)


@contextmanager
def calendar_without(year: int):
    CalendarYear.objects.filter(year=year).update(complete=False)
    reset_calendar_cache()
    try:
        yield
    finally:
        CalendarYear.objects.filter(year=year).update(complete=True)
        reset_calendar_cache()


@pytest.fixture
def new_record(file_penalty):
    def make(**fields):
        return file_penalty(**{"行政处罚决定书文号": f"承市监罚〔2026〕{next(_numbers)}号", **fields})

    return make


def objection(record, on):
    return objection_file(subject=record.subject, record=record, reasons="处罚决定已被复议机关撤销。", on=on)


@pytest.fixture
def buckets(new_record):
    """One open objection in each due-date bucket, all sent to the provider."""
    cases = {name: objection(new_record(), on) for name, on in FILED.items()}
    with calendar_without(2026):
        cases["none"] = objection(new_record(), dt.date(2026, 11, 6))
    assert {name: c.due_on for name, c in cases.items()} == {**DUE, "none": dt.date(2026, 11, 13)}
    assert [name for name, c in cases.items() if c.due_on_provisional] == ["none"]
    return cases


@pytest.fixture
def handler(make_staff, provider):
    """The provider's case handler: sees the dashboard of its own department."""
    return make_staff(roles=("case_handler",), organization=provider)


@pytest.fixture
def entry_case(company, clerk):
    """An objection to a list entry, decided by the body handling the list (not the provider)."""
    entry = publish_entry(company, clerk, served=dt.date(2026, 10, 12))
    case = objection_file(subject=company, entry=entry, reasons="列入依据已被撤销。", on=FILED["later"])
    return case


def counts(page, table: str, attribute: str) -> dict[str, str]:
    """{data-<attribute> value: the row's count cell} of one of the dashboard's tables (rough HTML reading)."""
    body = page.content.decode()
    section = body.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in section.split("<tr ")[1:]:
        if f"data-{attribute}=" not in row:
            continue
        key = row.split(f'data-{attribute}="', 1)[1].split('"', 1)[0]
        found[key] = row
    return found


# --- the summary ------------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_open_cases_are_counted_in_due_date_buckets_with_the_calendar(buckets, handler):
    summary = dashboard(handler, on=TODAY)
    assert {b.key: b.count for b in summary.buckets} == {"overdue": 1, "today": 1, "soon": 1, "later": 1, "none": 1}
    assert summary.bounds.soon_until == dt.date(2026, 11, 12)
    assert [c.pk for c in summary.overdue] == [buckets["overdue"].pk]
    (objections,) = [k for k in summary.kinds if k.kind == "objection"]
    assert objections.counts == {"open": 5, "decided": 0, "cancelled": 0} and objections.total == 5


def test_the_department_table_counts_what_art_33_holds_against_the_department(buckets, handler, submitter,
                                                                              provider):
    cases_run_deadlines(on=dt.date(2026, 11, 3))  # the overdue one is escalated the day after its due date
    objection_decide(case=buckets["today"], outcome="maintained", reasons="经核实无误。", actor=submitter, on=TODAY)
    objection_decide(case=buckets["overdue"], outcome="maintained", reasons="经核实无误。", actor=submitter,
                     on=TODAY)  # a week after its due date

    (row,) = dashboard(handler, on=TODAY).departments
    assert (row.organization_id, row.open, row.overdue, row.escalated) == (provider.pk, 3, 0, 1)
    assert (row.decided_late, row.decided_on_time) == (1, 1)
    # Working days from filing to decision: 2 Nov → 9 Nov is 5; 26 Oct → 9 Nov is 10.
    assert row.average_days == 7.5


def test_filters_narrow_the_summary_and_the_list(buckets, entry_case, clerk):
    everything = dashboard(clerk, on=TODAY)
    assert sum(b.count for b in everything.buckets) == 6
    only_entry = dashboard(clerk, on=TODAY, filters=CaseFilters(organization_id=entry_case.organization_id))
    assert sum(b.count for b in only_entry.buckets) == 1
    repairs = dashboard(clerk, on=TODAY, filters=CaseFilters(kind="repair"))
    assert sum(b.count for b in repairs.buckets) == 0


def test_at_the_end_of_the_loaded_years_due_soon_runs_on_weekends_alone_into_the_next(monkeypatch, new_record,
                                                                                      handler):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI))
    final = objection(new_record(), dt.date(2026, 12, 24))
    provisional = objection(new_record(), dt.date(2026, 12, 28))
    assert (final.due_on, final.due_on_provisional) == (dt.date(2026, 12, 31), False)
    assert (provisional.due_on, provisional.due_on_provisional) == (dt.date(2027, 1, 4), True)
    # Three working days after 29 December: 30 and 31 December, then 1 January 2027 (2027 is not loaded).
    summary = dashboard(handler, on=dt.date(2026, 12, 29))
    assert summary.bounds.soon_until == dt.date(2027, 1, 1)
    assert {b.key: b.count for b in summary.buckets} == {"overdue": 0, "today": 0, "soon": 1, "later": 0, "none": 1}


def test_a_provisional_due_date_that_has_passed_is_not_counted_overdue_against_the_department(
    monkeypatch, record, handler
):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI))
    objection(record, dt.date(2026, 12, 28))  # provisional due date 2027-01-04
    summary = dashboard(handler, on=dt.date(2027, 1, 5))
    assert {b.key: b.count for b in summary.buckets} == {"overdue": 0, "today": 0, "soon": 0, "later": 0, "none": 1}
    (row,) = summary.departments
    assert (row.open, row.overdue) == (1, 0) and summary.overdue == []


# --- the page -----------------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_the_dashboard_page_shows_the_buckets_departments_and_overdue_cases_accessibly(client, buckets, handler):
    client.force_login(handler)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert_accessible(page)
    rows = counts(page, "buckets", "bucket")
    assert all(f">{1}</a>" in rows[key] for key in ("overdue", "today", "soon", "later", "none"))
    assert buckets["overdue"].number in page.content.decode().split('id="overdue"', 1)[1].split("</table>")[0]
    listed = client.get(DASHBOARD, {"due": "soon"})
    cases = listed.content.decode().split('id="cases"', 1)[1].split("</table>")[0]
    assert buckets["soon"].number in cases and buckets["later"].number not in cases


def test_a_department_sees_only_its_own_cases_and_the_authority_sees_every_department(
    client, buckets, entry_case, handler, clerk, make_staff, make_org,
):
    client.force_login(handler)
    own = client.get(DASHBOARD)
    assert entry_case.number not in own.content.decode()
    assert set(counts(own, "departments", "department")) == {str(handler.organization_id)}
    # Naming another department is refused like an unknown choice, and shows nothing of it.
    other = client.get(DASHBOARD, {"department": entry_case.organization_id})
    assert other.status_code == 400 and entry_case.number not in other.content.decode()
    export = client.get(f"{DASHBOARD}export.csv", {"department": entry_case.organization_id})
    assert export.status_code == 302

    client.force_login(clerk)
    everyone = client.get(DASHBOARD)
    assert entry_case.number in everyone.content.decode()
    assert set(counts(everyone, "departments", "department")) == {str(handler.organization_id),
                                                                  str(entry_case.organization_id)}

    stranger = make_staff(roles=("case_handler",), organization=make_org(name="承德市税务局"))
    client.force_login(stranger)
    nothing = client.get(DASHBOARD)
    assert nothing.status_code == 200 and buckets["today"].number not in nothing.content.decode()


def test_the_dashboard_needs_the_permission_to_view_rights_cases(client, submitter, handler):
    client.force_login(submitter)  # decides cases, but does not supervise them
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(f"{DASHBOARD}export.xlsx").status_code == 403
    client.force_login(handler)
    home = client.get("/console/")
    assert 'href="/console/rights/dashboard/"' in home.content.decode()


# --- exports ------------------------------------------------------------------------------------------------


@pytest.fixture
def colleague_of(make_staff):
    """A logged-in browser of another case handler of the same department: the export's second approver."""
    from django.test import Client

    def browser(user):
        client = Client()
        client.force_login(make_staff(roles=("case_handler",), organization=user.organization))
        return client

    return browser


def test_the_xlsx_export_holds_the_filtered_cases_masked_neutralized_and_audited(client, buckets, handler,
                                                                                  provider, colleague_of):
    # A department name a spreadsheet would run as a formula.
    Organization.objects.filter(pk=provider.pk).update(name='=HYPERLINK("http://evil.example","承德市市场监督管理局")')
    client.force_login(handler)
    response = export_through_approval(client, colleague_of(handler), f"{DASHBOARD}export.xlsx", {"due": "overdue"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rights-cases-20261109.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(header) == 12 and len(rows) == 1
    (row,) = rows
    case = buckets["overdue"]
    assert row[0] == case.number and row[3] == case.subject.identifier_masked
    assert str(row[4]).startswith("'=HYPERLINK")  # shown as text, never run
    assert row[5] == dt.datetime(2026, 10, 26) and row[6] == dt.datetime(2026, 11, 2)

    (event,) = AuditEvent.objects.filter(event_type=int(AuditEventType.DATA_EXPORTED))
    assert event.actor_id == handler.pk and event.details["export"] == "rights-cases-xlsx"
    assert event.details["rows"] == 1 and event.details["filters"]["due"] == "overdue"
    assert event.articles == ["Art 17", "Art 28", "Art 31", "Art 33"]


def test_the_csv_export_masks_a_natural_persons_name_and_identifier(client, new_record, handler, colleague_of):
    identifier = person_id(77)
    record = new_record(**{"行政相对人名称": "欧阳明华", "行政相对人类别": "自然人", "统一社会信用代码": "",
                           "法定代表人": "", "证件类型": "身份证", "证件号码": identifier})
    assert record.subject.is_person
    case = objection(record, FILED["soon"])
    client.force_login(handler)
    response = export_through_approval(client, colleague_of(handler), f"{DASHBOARD}export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert identifier not in text and "欧阳明华" not in text
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert len(header) == 12 and header[6:8] == ["办理截止日（含当日）", "截止日为暂定"]
    (row,) = rows
    assert row[0] == case.number and row[2] == "欧阳**" and row[3] == record.subject.identifier_masked
    assert row[5] == "2026-11-04" and row[6] == "2026-11-11" and row[7] == "否"
    (event,) = AuditEvent.objects.filter(event_type=int(AuditEventType.DATA_EXPORTED))
    assert event.details["export"] == "rights-cases-csv" and event.details["rows"] == 1
