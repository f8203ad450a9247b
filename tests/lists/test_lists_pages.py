"""The lists on the portal (Art 22), the subject's notices in its account (Art 24, 29) and the listing
procedure in the console, through the pages."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from lists_fixtures import DECIDED, SERVED, definition, publish_entry, register_org, register_person

from xinyong.lists.choices import EntryState
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import public_list_entries
from xinyong.lists.services import list_entry_notify, list_entry_propose, list_entry_remove
from xinyong.subjects.services import subject_account_create

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 22")]


class Structure(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1 = self.main = self.tables = self.captions = 0
        self.controls, self.labels, self.ids = [], set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        self.h1 += tag == "h1"
        self.main += tag == "main"
        self.tables += tag == "table"
        self.captions += tag == "caption"
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append(a)


def assert_accessible(response):
    page = Structure()
    page.feed(response.content.decode())
    assert page.h1 == 1 and page.main == 1
    assert page.tables == page.captions
    assert len(page.ids) == len(set(page.ids))
    for control in page.controls:
        assert control.get("id") in page.labels, control


def test_the_portal_publishes_each_list_with_its_basis_criteria_measures_and_exit_conditions_art_22(client):
    response = client.get("/lists/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("守信激励对象名单（红名单）", "严重失信主体名单（黑名单）", "重点监管对象名单", "失信被执行人名单",
                 "国办发〔2020〕49号", "法释〔2017〕7号", "限制参与政府采购活动", "36 个月"):
        assert text in body, text
    assert_accessible(response)
    detail = client.get("/lists/serious-dishonesty/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "《中华人民共和国政府采购法》第二十二条第一款第五项" in text and "移出条件" in text
    assert_accessible(detail)
    assert client.get("/lists/no-such-list/").status_code == 404


def test_a_published_organization_is_on_its_lists_page_and_leaves_it_with_a_published_removal(clerk, company):
    publish_entry(company, clerk)
    proposed = register_org("承德市尚未决定有限公司")
    list_entry_propose(definition=definition("serious-dishonesty"), subject=proposed, reasons="拟列入", actor=clerk,
                       on=SERVED)
    person = register_person("冯七")
    person_entry = publish_entry(person, clerk, "court-enforcement")

    body = client_get("/lists/serious-dishonesty/")
    entries = re.search(r'<table class="table" id="list-entries">.*?</table>', body, re.S).group(0)
    assert company.name in entries and company.identifier_masked in entries
    assert proposed.name not in body  # not yet decided or published
    assert person.name not in client_get("/lists/court-enforcement/")  # natural persons are not published (Art 19)
    assert person_entry.state == EntryState.PUBLISHED

    entry = ListEntry.objects.get(subject=company)
    list_entry_remove(entry=entry, reason="repair", note="已完成信用修复。", actor=clerk)
    body = client_get("/lists/serious-dishonesty/")
    entries = re.search(r'<table class="table" id="list-entries">.*?</table>', body, re.S).group(0)
    assert company.name not in entries
    assert "信用修复" in body.split('id="removals-title"')[1]


def client_get(url: str) -> str:
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_public_list_entries_gives_the_disclosure_page_the_lists_an_organization_is_on(clerk, company):
    assert public_list_entries(company) == []
    publish_entry(company, clerk)
    publish_entry(company, clerk, "court-enforcement")
    found = public_list_entries(company, DECIDED)
    assert [e.list_code for e in found] == ["serious-dishonesty", "court-enforcement"]
    assert found[0].listed_from == DECIDED and found[0].list_name == "严重失信主体名单（黑名单）"
    assert public_list_entries(company, SERVED - dt.timedelta(days=1)) == []  # not yet listed that day
    assert public_list_entries(company, dt.date(2029, 3, 10)) == []  # expired that day
    assert public_list_entries(register_person(), DECIDED) == [] and public_list_entries(None) == []


@pytest.mark.articles("Art 24")
def test_the_subject_reads_its_notice_in_its_account_and_no_one_elses_art_24(client, clerk, company):
    entry = list_entry_propose(definition=definition("serious-dishonesty"), subject=company, reasons="拟列入",
                               actor=clerk, on=SERVED)
    entry = list_entry_notify(entry=entry, served_on=SERVED, actor=clerk)
    account = subject_account_create(subject=company, username="chengxin")
    client.post("/login/", {"username": "chengxin", "password": account.password})

    page = client.get("/lists/my-notices/")
    assert page.status_code == 200
    body = page.content.decode()
    assert entry.notice_number in body and "2026-03-09" in body
    assert_accessible(page)
    pdf = client.get(f"/lists/my-notices/{entry.pk}/notice.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    other = register_org()
    other_entry = list_entry_notify(
        entry=list_entry_propose(definition=definition("serious-dishonesty"), subject=other, reasons="拟列入",
                                 actor=clerk, on=SERVED),
        served_on=SERVED, actor=clerk,
    )
    assert client.get(f"/lists/my-notices/{other_entry.pk}/notice.pdf").status_code == 404


def test_staff_are_sent_from_the_notices_page_to_the_subject_login(client, clerk):
    client.force_login(clerk)
    response = client.get("/lists/my-notices/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_case_handler_takes_a_listing_through_the_console(client, clerk, company):
    client.force_login(clerk)
    page = client.get("/console/lists/")
    assert page.status_code == 200
    assert_accessible(page)
    assert_accessible(client.get("/console/lists/propose/"))
    response = client.post("/console/lists/propose/", {
        "list": "serious-dishonesty", "identifier_type": "uscc", "identifier": company.identifier,
        "reasons": "提供虚假材料骗取行政许可，情节严重。", "basis": "",
    })
    entry = ListEntry.objects.get(subject=company)
    assert response.status_code == 302 and response["Location"] == f"/console/lists/{entry.pk}/"
    assert_accessible(client.get(f"/console/lists/{entry.pk}/"))

    served = timezone.localdate().isoformat()
    assert client.post(f"/console/lists/{entry.pk}/notify/", {"served_on": served}).status_code == 302
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED
    assert client.get(f"/console/lists/{entry.pk}/notice.pdf").status_code == 200
    # The window has passed (set in the past rather than waiting five working days).
    ListEntry.objects.filter(pk=entry.pk).update(objection_window_end=timezone.localdate() - dt.timedelta(days=1))

    response = client.post(f"/console/lists/{entry.pk}/decide/", {"decision": "listed", "reasons": "决定列入。"})
    assert response.status_code == 302
    assert client.post(f"/console/lists/{entry.pk}/publish/").status_code == 302
    entry.refresh_from_db()
    assert entry.state == EntryState.PUBLISHED
    assert company.name in client_get("/lists/serious-dishonesty/")


def test_the_console_refuses_a_decision_inside_the_window_next_to_the_form(client, clerk, company):
    client.force_login(clerk)
    entry = list_entry_propose(definition=definition("serious-dishonesty"), subject=company, reasons="拟列入",
                               actor=clerk)
    list_entry_notify(entry=entry, actor=clerk)
    response = client.post(f"/console/lists/{entry.pk}/decide/", {"decision": "listed", "reasons": "决定列入。"})
    assert response.status_code == 400
    assert "异议期至" in response.content.decode()
    assert_accessible(response)


def test_the_console_lists_pages_need_the_permission(client, implementer, make_staff, clerk, company):
    entry = publish_entry(company, clerk)
    client.force_login(implementer)
    assert client.get("/console/lists/").status_code == 403
    assert client.get(f"/console/lists/{entry.pk}/").status_code == 403
    # A case handler of another department sees no entry of the authority's lists.
    client.force_login(make_staff(roles=("case_handler",)))
    assert client.get(f"/console/lists/{entry.pk}/").status_code == 404
    body = client.get("/console/lists/").content.decode()
    assert company.name not in body
