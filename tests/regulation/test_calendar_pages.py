"""The working-day calendar console through its pages: the credit authority's staff keep the holidays and
make-up working days deadlines are counted in; every edit is audited ("Trust foundation" item 7)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from xinyong.accounts.testing import staff_session as log_in
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent, ObjectChange
from xinyong.core.workdays import is_working_day
from xinyong.regulation.models import CalendarDay, CalendarYear
from xinyong.web.testing import assert_accessible, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

D = dt.date
WORKING_DAY_ARTICLES = ["Art 18", "Art 28", "Art 30", "Art 31"]
A_MONDAY = D(2026, 6, 1)  # an ordinary working day of a loaded year
A_SATURDAY = D(2026, 6, 6)


# ---------- helpers ----------


def error_of(response, field: str) -> str:
    """The error shown next to a field (`field.html` puts it in `<ul id="id_<field>_error">`)."""
    match = re.search(
        rf'<ul class="field__errors" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    assert match, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", match.group(1))




def calendar_state():
    return (
        list(CalendarDay.objects.order_by("day").values_list("day", "kind", "name")),
        list(CalendarYear.objects.order_by("year").values_list("year", "complete")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


@pytest.fixture
def keeper(make_staff, authority):
    return make_staff(roles=("catalog_manager",), organization=authority, username="calendarkeeper")


@pytest.fixture
def keeper_client(client, keeper):
    return log_in(client, keeper)


# ---------- the authority's staff edit the calendar ----------


def test_the_authoritys_catalog_manager_makes_a_day_a_holiday_and_it_is_no_longer_a_working_day(
    keeper_client, keeper
):
    assert is_working_day(A_MONDAY)
    response = keeper_client.post(
        "/console/calendar/set/", {"day": "2026-06-01", "kind": "holiday", "name": "防汛调休"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/calendar/?year=2026"
    assert not is_working_day(A_MONDAY)
    entry = CalendarDay.objects.get(day=A_MONDAY)
    assert (entry.kind, entry.name) == ("holiday", "防汛调休")

    page = keeper_client.get(response["Location"])
    text = text_of(page)
    assert "2026-06-01 现为法定节假日：防汛调休。" in text
    assert re.search(r"2026-06-01 星期一 法定节假日 防汛调休", text)

    event = AuditEvent.objects.get(event_type=AuditEventType.CALENDAR_DAY_SET)
    assert event.actor_id == keeper.pk and event.actor_label == "calendarkeeper"
    assert event.organization.name == "承德市行政审批局"
    assert event.articles == WORKING_DAY_ARTICLES
    assert event.target_label == "2026-06-01 防汛调休"
    change = ObjectChange.objects.get(event=event)
    assert change.before is None and change.after["name"] == "防汛调休"


def test_the_change_is_in_the_audit_log_with_actor_and_articles(client, keeper_client, make_staff):
    keeper_client.post("/console/calendar/set/", {"day": "2026-06-01", "kind": "holiday", "name": "防汛调休"})
    event = AuditEvent.objects.get(event_type=AuditEventType.CALENDAR_DAY_SET)
    keeper_client.logout()
    log_in(client, make_staff(roles=("audit_admin",)))
    listing = text_of(client.get("/console/audit/", {"event_type": int(AuditEventType.CALENDAR_DAY_SET)}))
    assert "calendarkeeper" in listing and "Art 18, Art 28, Art 30, Art 31" in listing
    detail = text_of(client.get(f"/console/audit/{event.seq}/"))
    assert "calendarkeeper" in detail and "承德市行政审批局" in detail and "防汛调休" in detail


def test_a_weekend_day_becomes_a_make_up_working_day_and_a_case_handler_of_the_authority_may_do_it(
    client, make_staff, authority
):
    log_in(client, make_staff(roles=("case_handler",), organization=authority))
    assert not is_working_day(A_SATURDAY)
    response = client.post(
        "/console/calendar/set/", {"day": "2026-06-06", "kind": "makeup_workday", "name": "端午节"}
    )
    assert response.status_code == 302
    assert is_working_day(A_SATURDAY)


def test_renaming_a_day_records_before_and_after(keeper_client):
    keeper_client.post("/console/calendar/set/", {"day": "2026-10-01", "kind": "holiday", "name": "国庆"})
    event = AuditEvent.objects.filter(event_type=AuditEventType.CALENDAR_DAY_SET).get()
    change = ObjectChange.objects.get(event=event)
    assert change.action == "update"
    assert change.before["name"] == "国庆节" and change.after["name"] == "国庆"


def test_clearing_a_day_makes_it_follow_the_weekday_rule_again(keeper_client):
    assert not is_working_day(D(2026, 10, 7))  # a Wednesday of the National Day holiday
    response = keeper_client.post("/console/calendar/clear/", {"day": "2026-10-07"})
    assert response.status_code == 302
    assert response["Location"] == "/console/calendar/?year=2026"
    assert is_working_day(D(2026, 10, 7))
    assert not CalendarDay.objects.filter(day=D(2026, 10, 7)).exists()
    event = AuditEvent.objects.get(event_type=AuditEventType.CALENDAR_DAY_CLEARED)
    assert event.actor_label == "calendarkeeper" and event.articles == WORKING_DAY_ARTICLES
    assert ObjectChange.objects.get(event=event).after is None
    assert "2026-10-07 的记录已删除" in text_of(keeper_client.get(response["Location"]))


# ---------- refused input changes nothing ----------


def test_a_date_in_a_year_not_loaded_is_refused_in_chinese_and_changes_nothing(keeper_client):
    before = calendar_state()
    response = keeper_client.post(
        "/console/calendar/set/", {"day": "2031-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 200
    assert "2031年的节假日安排尚未录入" in error_of(response, "day")
    assert calendar_state() == before
    assert not CalendarYear.objects.filter(year=2031).exists()
    page = assert_accessible(response)
    assert page.elements["id_day"]["aria-invalid"] == "true"
    assert "id_day_error" in page.elements["id_day"]["aria-describedby"].split()
    assert 'role="alert"' in response.content.decode()


def test_a_missing_name_is_refused_in_chinese_and_changes_nothing(keeper_client):
    before = calendar_state()
    response = keeper_client.post(
        "/console/calendar/set/", {"day": "2026-06-01", "kind": "holiday", "name": " "}
    )
    assert response.status_code == 200
    assert "请填写节日名称。" in error_of(response, "name")
    assert calendar_state() == before
    assert is_working_day(A_MONDAY)
    assert 'value="2026-06-01"' in response.content.decode(), "what was typed is kept"


def test_a_weekday_cannot_be_a_make_up_working_day_the_services_refusal_is_shown_at_the_date(keeper_client):
    before = calendar_state()
    response = keeper_client.post(
        "/console/calendar/set/", {"day": "2026-06-02", "kind": "makeup_workday", "name": "调休"}
    )
    assert response.status_code == 200
    assert "调休上班日只能是星期六或星期日。" in error_of(response, "day")
    assert calendar_state() == before


def test_a_missing_date_and_kind_are_refused_next_to_their_fields(keeper_client):
    before = calendar_state()
    response = keeper_client.post("/console/calendar/set/", {"day": "", "kind": "", "name": "元旦"})
    assert "请填写日期。" in error_of(response, "day")
    assert "请选择法定节假日或调休上班日。" in error_of(response, "kind")
    assert calendar_state() == before


def test_clearing_a_day_without_an_entry_is_refused_in_chinese(keeper_client):
    before = calendar_state()
    response = keeper_client.post("/console/calendar/clear/", {"day": "2026-06-01"})
    assert response.status_code == 200
    assert "2026-06-01 没有节假日或调休记录。" in text_of(response)
    assert calendar_state() == before
    assert_accessible(response)


# ---------- who may edit ----------


@pytest.mark.parametrize("roles", [("catalog_manager",), ("case_handler",)])
def test_staff_of_a_department_see_the_calendar_but_cannot_edit_it(client, make_staff, make_org, roles):
    department = make_org(name="承德市市场监督管理局", kind="department")
    log_in(client, make_staff(roles=roles, organization=department))
    page = client.get("/console/calendar/", {"year": 2026})
    assert page.status_code == 200
    body = page.content.decode()
    assert "国庆节" in body
    assert "/console/calendar/set/" not in body and "/console/calendar/clear/" not in body
    assert "只有社会信用主管部门的工作人员可以修改工作日历" in text_of(page)

    before = calendar_state()
    set_response = client.post(
        "/console/calendar/set/", {"day": "2026-06-01", "kind": "holiday", "name": "假日"}
    )
    clear_response = client.post("/console/calendar/clear/", {"day": "2026-10-07"})
    assert set_response.status_code == clear_response.status_code == 403
    assert "您无权查看此页面" in set_response.content.decode()
    assert calendar_state() == before


@pytest.mark.parametrize("roles", [("audit_admin",), ("system_admin",), ("data_submitter",)])
def test_staff_without_the_calendar_permission_get_the_permission_page(client, make_staff, authority, roles):
    log_in(client, make_staff(roles=roles, organization=authority))
    assert client.get("/console/calendar/").status_code == 403
    assert (
        client.post(
            "/console/calendar/set/", {"day": "2026-06-01", "kind": "holiday", "name": "假日"}
        ).status_code
        == 403
    )
    assert is_working_day(A_MONDAY)


def test_anonymous_visitors_are_sent_to_the_staff_login(client):
    response = client.get("/console/calendar/")
    assert response["Location"] == "/staff/login/?next=/console/calendar/"
    assert client.post("/console/calendar/set/", {"day": "2026-06-01"}).status_code == 302
    assert is_working_day(A_MONDAY)


# ---------- the year view ----------


def test_the_page_lists_the_loaded_years_and_says_deadlines_past_the_last_are_provisional(keeper_client):
    response = keeper_client.get("/console/calendar/")
    assert response.status_code == 200
    text = text_of(response)
    assert "已录入：2004–2026。" in text
    assert ("期限按已录入的节假日安排计算到 2026-12-31。超出最后录入年份（2026年）的部分暂按周六、周日休息计算"
            "并标注“暂定”，下一年度节假日安排录入后自动重新计算。") in text
    nav = re.search(r'<nav class="console-nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert re.search(r'<a href="/console/calendar/" aria-current="page">工作日历</a>', nav)
    assert "审计日志" not in nav
    page = assert_accessible(response)
    for field in ("id_year", "id_day", "id_kind", "id_name"):
        assert field in page.label_for


def test_a_year_is_picked_from_the_loaded_years(keeper_client):
    response = keeper_client.get("/console/calendar/", {"year": 2020})
    text = text_of(response)
    assert "2020：" in text
    assert "2020-01-25 星期六 法定节假日 春节" in text
    assert "2020-01-19 星期日 调休上班日 春节" in text
    assert '<option value="2020" selected>2020</option>' in response.content.decode()
    assert "2026-10-01" not in text


def test_a_year_that_is_not_loaded_cannot_be_picked(keeper_client):
    response = keeper_client.get("/console/calendar/", {"year": 1999})
    assert response.status_code == 200
    assert error_of(response, "year")
    assert_accessible(response)
