"""The audit log console through its pages: events, the change log, verification and checkpoints
(Art 32, 33; security requirements 12–17; "Trust foundation" items 3, 4 and 7)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from xinyong.accounts.testing import staff_session as log_in
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditCheckpoint, AuditEvent
from xinyong.audit.verification import VerifyResult
from xinyong.core.identifiers import make_citizen_id
from xinyong.regulation.services import calendar_day_set
from xinyong.subjects.services import SubjectData, subject_register
from xinyong.web.testing import assert_accessible, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

CITIZEN_ID = make_citizen_id("130802", dt.date(1990, 1, 1), 123)
WORKING_DAY_ARTICLES = ["Art 18", "Art 28", "Art 30", "Art 31"]


# ---------- helpers ----------


def event_rows(response) -> list[int]:
    """The sequence numbers listed in the events table, in page order."""
    return [int(n) for n in re.findall(r'<a href="/console/audit/(\d+)/">', response.content.decode())]


@pytest.fixture
def auditor(make_staff):
    return make_staff(roles=("audit_admin",), username="auditor")


@pytest.fixture
def auditor_client(client, auditor):
    return log_in(client, auditor)


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


@pytest.fixture
def calendar_keeper(make_staff, authority):
    return make_staff(roles=("catalog_manager",), organization=authority, username="calendarkeeper")


# ---------- who may see the audit log ----------


def test_the_audit_administrator_sees_the_events_newest_first(auditor_client, make_org):
    make_org(name="承德市税务局")
    response = auditor_client.get("/console/audit/")
    assert response.status_code == 200
    text = text_of(response)
    assert "审计日志" in text
    assert "新增单位" in text and "承德市税务局" in text
    seqs = event_rows(response)
    latest = AuditEvent.objects.order_by("-seq").first()
    assert seqs[0] == latest.seq
    assert seqs == sorted(seqs, reverse=True)
    nav = re.search(r'<nav class="console-nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert re.search(r'<a href="/console/audit/" aria-current="page">审计日志</a>', nav)
    assert "工作日历" not in nav


@pytest.mark.parametrize("roles", [("system_admin",), ("security_admin",), ("case_handler",)])
@pytest.mark.parametrize("url", ["/console/audit/", "/console/audit/1/", "/console/audit/integrity/"])
def test_other_staff_get_the_permission_page(client, make_staff, roles, url):
    log_in(client, make_staff(roles=roles))
    response = client.get(url)
    assert response.status_code == 403
    assert "您无权查看此页面" in response.content.decode()
    assert "/console/audit/" not in re.search(
        r'<nav class="console-nav".*?</nav>', response.content.decode(), re.S
    ).group(0)


@pytest.mark.parametrize("url", ["/console/audit/integrity/verify/", "/console/audit/integrity/checkpoints/"])
def test_other_staff_can_neither_verify_nor_sign(client, make_staff, url):
    log_in(client, make_staff(roles=("system_admin",)))
    before = AuditCheckpoint.objects.count()
    assert client.post(url).status_code == 403
    assert AuditCheckpoint.objects.count() == before


def test_anonymous_visitors_are_sent_to_the_staff_login(client):
    response = client.get("/console/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/console/audit/"


# ---------- the event list ----------


def test_the_list_shows_fifty_events_a_page(auditor_client, make_org):
    for i in range(55):
        make_org(name=f"测试部门{i}")
    total = AuditEvent.objects.count()
    assert total > 50
    first = auditor_client.get("/console/audit/")
    assert len(event_rows(first)) == 50
    assert "较早的记录" in text_of(first)
    second = auditor_client.get("/console/audit/", {"page": 2})
    assert len(event_rows(second)) == total - 50
    assert set(event_rows(first)).isdisjoint(event_rows(second))
    assert min(event_rows(first)) > max(event_rows(second))


def test_the_list_is_filtered_by_event_type_actor_target_type_date_and_request_id(
    auditor_client, calendar_keeper, make_org
):
    make_org(name="承德市税务局")
    calendar_day_set(day=dt.date(2026, 6, 1), kind="holiday", name="测试假日", actor=calendar_keeper)
    set_event = AuditEvent.objects.get(event_type=AuditEventType.CALENDAR_DAY_SET)

    by_type = auditor_client.get("/console/audit/", {"event_type": int(AuditEventType.CALENDAR_DAY_SET)})
    assert event_rows(by_type) == [set_event.seq]
    assert "1 条记录符合筛选条件" in text_of(by_type)

    by_actor = auditor_client.get("/console/audit/", {"actor": "keeper"})
    assert set_event.seq in event_rows(by_actor)
    assert all("keeper" in e.actor_label for e in AuditEvent.objects.filter(seq__in=event_rows(by_actor)))

    by_target = auditor_client.get("/console/audit/", {"target_type": "regulation.calendarday"})
    assert event_rows(by_target) == [set_event.seq]

    by_request = auditor_client.get("/console/audit/", {"request_id": set_event.request_id})
    assert set_event.seq in event_rows(by_request)

    today = set_event.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    in_range = auditor_client.get("/console/audit/", {"date_from": today, "date_to": today})
    assert set_event.seq in event_rows(in_range)
    before = auditor_client.get("/console/audit/", {"date_to": today - dt.timedelta(days=1)})
    assert event_rows(before) == []
    assert "没有符合筛选条件的记录。" in text_of(before)


def test_a_reversed_date_range_is_reported_next_to_the_field(auditor_client):
    response = auditor_client.get("/console/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_date_to_error"' in body
    assert "截止日期早于起始日期。" in body
    assert_accessible(response)


def test_the_audit_pages_never_show_a_full_id_number(auditor_client, divisions):
    subject_register(
        data=SubjectData(
            kind="natural_person",
            identifier_type="id",
            identifier=CITIZEN_ID,
            name="张三",
            division_code="130802",
        ),
        source="test",
    )
    created = AuditEvent.objects.get(event_type=AuditEventType.SUBJECT_CREATED)
    pages = [auditor_client.get("/console/audit/"), auditor_client.get(f"/console/audit/{created.seq}/")]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        for start in range(len(CITIZEN_ID) - 7):
            assert CITIZEN_ID[start : start + 8] not in body


# ---------- one event and its change log ----------


def test_the_event_page_shows_every_field_the_hashes_and_the_change_before_and_after(
    auditor_client, calendar_keeper
):
    calendar_day_set(day=dt.date(2026, 6, 1), kind="holiday", name="测试假日", actor=calendar_keeper)
    calendar_day_set(day=dt.date(2026, 6, 1), kind="holiday", name="改名假日", actor=calendar_keeper)
    event = AuditEvent.objects.filter(event_type=AuditEventType.CALENDAR_DAY_SET).order_by("-seq").first()

    response = auditor_client.get(f"/console/audit/{event.seq}/")
    assert response.status_code == 200
    body = response.content.decode()
    text = text_of(response)
    for value in (
        str(event.seq),
        event.leaf_hash,
        event.chain_hash,
        event.chain_key_id,
        event.request_id,
        "calendarkeeper",
        "承德市行政审批局",
        "2026-06-01 改名假日",
        *WORKING_DAY_ARTICLES,
    ):
        assert value in text, value
    assert "设置日历日期" in text
    local = event.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in text

    page = assert_accessible(response)
    # Only the name changed (day, kind and source did not): that row alone is marked and highlighted.
    assert page.changed_rows == 1
    assert "<mark>测试假日</mark>" in body and "<mark>改名假日</mark>" in body
    assert re.search(r'<tr>\s*<th scope="row"><span class="mono">day</span></th>\s*<td>2026-06-01</td>', body)
    assert "1 项已更改" in text
    assert "<mark>edited by calendarkeeper</mark>" not in body


def test_an_event_that_created_an_object_shows_every_value_as_new(auditor_client, calendar_keeper):
    calendar_day_set(day=dt.date(2026, 6, 1), kind="holiday", name="测试假日", actor=calendar_keeper)
    event = AuditEvent.objects.get(event_type=AuditEventType.CALENDAR_DAY_SET)
    response = auditor_client.get(f"/console/audit/{event.seq}/")
    assert assert_accessible(response).changed_rows == 4
    assert "新建" in text_of(response) and "（无）" in text_of(response)


def test_an_unknown_event_is_not_found(auditor_client):
    assert auditor_client.get("/console/audit/999999/").status_code == 404


# ---------- verification and checkpoints ----------


def test_the_integrity_page_does_not_verify_until_asked(auditor_client, monkeypatch):
    def refuse():
        raise AssertionError("verification ran on GET")

    monkeypatch.setattr("xinyong.audit.views.audit_log_verify", refuse)
    response = auditor_client.get("/console/audit/integrity/")
    assert response.status_code == 200
    assert 'id="verify-result"' not in response.content.decode()
    assert auditor_client.get("/console/audit/integrity/verify/").status_code == 405
    assert_accessible(response)


def test_verify_now_reports_an_intact_log_with_its_size_and_root(auditor_client, make_org):
    make_org(name="承德市税务局")
    response = auditor_client.post("/console/audit/integrity/verify/")
    assert response.status_code == 200
    text = text_of(response)
    assert "核验通过：审计日志完整。" in text
    size = AuditEvent.objects.count()
    assert re.search(rf"树大小 {size}\b", text)
    assert re.search(r"根哈希 [0-9a-f]{64}", text)
    assert_accessible(response)


def test_verify_now_names_the_first_bad_event_and_the_problem(auditor_client, monkeypatch):
    monkeypatch.setattr(
        "xinyong.audit.views.audit_log_verify",
        lambda: VerifyResult(False, 6, "", 7, "content does not match its leaf hash (row altered)"),
    )
    response = auditor_client.post("/console/audit/integrity/verify/")
    body = response.content.decode()
    assert "核验未通过" in text_of(response)
    assert '<a href="/console/audit/7/">7</a>' in body
    assert "content does not match its leaf hash (row altered)" in body


def test_signing_is_refused_when_the_log_fails_verification(auditor_client, make_org, monkeypatch):
    make_org(name="承德市税务局")
    monkeypatch.setattr(
        "xinyong.audit.log.audit_log_verify",
        lambda: VerifyResult(False, 6, "", 7, "content does not match its leaf hash (row altered)"),
    )
    response = auditor_client.post("/console/audit/integrity/checkpoints/", follow=True)
    assert AuditCheckpoint.objects.count() == 0
    assert ("审计日志在序号 7 处核验未通过（content does not match its leaf hash (row altered)），未签署检查点。"
            in text_of(response))


def test_the_audit_administrator_signs_a_checkpoint(auditor_client, make_org):
    make_org(name="承德市税务局")
    size = AuditEvent.objects.count()
    response = auditor_client.post("/console/audit/integrity/checkpoints/")
    assert response.status_code == 302
    assert response["Location"] == "/console/audit/integrity/"
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.size == size
    page = auditor_client.get("/console/audit/integrity/")
    text = text_of(page)
    assert f"检查点 {size} 已签名" in text
    assert checkpoint.root_hash in text and checkpoint.key_id in text

    again = auditor_client.post("/console/audit/integrity/checkpoints/", follow=True)
    assert AuditCheckpoint.objects.count() == 1
    assert "没有新增记录" in text_of(again)

    verified = auditor_client.post("/console/audit/integrity/verify/")
    assert "核验通过" in text_of(verified)
