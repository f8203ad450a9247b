"""In a real browser: a case handler of the credit authority lists a company after written notice (Art 24) —
proposal, notice, the objection window passing, decision, publication — in the console; an implementing
department's credit check in the procurement scenario then returns the punishment with its legal basis
(Art 22, 25); and the portal publishes the entry (Art 22)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from django.utils import timezone

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lists"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_steps import staff_log_in as log_in
from lists_fixtures import register_org

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_company_is_listed_after_notice_and_a_procurement_check_returns_the_measure(
    live_server, zh_page, chromium_browser, make_staff, make_org
):
    from xinyong.lists.choices import EntryState
    from xinyong.lists.models import ListEntry

    clerk = make_staff(roles=("case_handler",), organization=make_org(name="承德市行政审批局", kind="authority"))
    implementer = make_staff(roles=("measure_implementer",), organization=make_org(name="承德市公共资源交易中心"))
    company = register_org("承德市虚假投标测试建设有限公司")
    page = zh_page

    # The credit authority's case handler proposes the listing in the console.
    log_in(page, live_server, clerk)
    page.get_by_role("navigation", name="工作台菜单").get_by_role("link", name="名单管理").click()
    page.get_by_role("link", name="拟列入名单").click()
    page.get_by_label("名单", exact=True).select_option(label="严重失信主体名单（黑名单）")
    page.get_by_label("证件号码或代码").fill(company.identifier)
    page.get_by_label("事实和理由").fill("在政府采购活动中提供虚假材料谋取中标，情节严重。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/console/lists/\d+/$"))
    entry = ListEntry.objects.get(subject=company)
    assert page.locator("#entry-state").inner_text() == "拟列入"

    # The written prior notice is served (Art 24); the subject gets it as a PDF in its account.
    page.get_by_role("button", name="送达告知书").click()
    page.get_by_text("事先告知书已送达").wait_for()
    assert page.locator("#entry-state").inner_text() == "已告知，异议期内"
    assert "异议期至" in page.get_by_role("main").inner_text()
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED and bytes(entry.notice_pdf).startswith(b"%PDF")

    # A decision inside the objection window is refused next to the form.
    page.get_by_label("列入", exact=True).check()
    page.get_by_label("决定理由").fill("事实清楚，证据确凿。")
    page.get_by_role("button", name="记录决定").click()
    page.get_by_role("alert").wait_for()
    assert "届满前不得作出决定" in page.get_by_role("alert").inner_text()

    # The window passes (set in the past here rather than waiting five working days).
    ListEntry.objects.filter(pk=entry.pk).update(
        objection_window_end=timezone.localdate() - dt.timedelta(days=1)
    )
    page.goto(f"{live_server.url}/console/lists/{entry.pk}/")
    page.get_by_label("列入", exact=True).check()
    page.get_by_label("决定理由").fill("当事人未在异议期内提出陈述申辩，事实清楚，决定列入。")
    page.get_by_role("button", name="记录决定").click()
    page.get_by_text("决定已记录").wait_for()
    assert page.locator("#entry-state").inner_text() == "已决定列入（待公布）"
    page.get_by_role("button", name="公布列入信息").click()
    page.get_by_text("列入信息已在门户网站公布").wait_for()
    assert page.locator("#entry-state").inner_text() == "已列入并公布"

    # An implementing department checks the bidder before a procurement decision.
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    other = context.new_page()
    log_in(other, live_server, implementer)
    other.get_by_role("navigation", name="工作台菜单").get_by_role("link", name="信用核查").click()
    other.get_by_label("核查场景").select_option(label="政府采购")
    other.get_by_label("事项编号").fill("承采〔2026〕18号")
    other.get_by_label("主体标识").fill(company.identifier)
    other.get_by_role("button", name="核查", exact=True).click()
    result = other.locator("#check-result")
    result.wait_for()
    text = result.inner_text()
    assert company.name in text and "适用措施" in text
    assert "限制参与政府采购活动" in text and "《中华人民共和国政府采购法》第二十二条第一款第五项" in text
    assert entry.number in text
    context.close()

    # The portal publishes the entry: on the list's own page and on the company's public page.
    page.goto(f"{live_server.url}/lists/serious-dishonesty/")
    table = page.locator("#list-entries")
    assert company.name in table.inner_text() and entry.number in table.inner_text()
    page.goto(f"{live_server.url}/org/{company.identifier}/")
    published = page.get_by_role("table", name="已公布的名单信息")
    assert entry.number in published.inner_text() and "严重失信" in published.inner_text()
