"""In a real browser: a company objects in the portal to a penalty (Art 28) with an evidence file; the record is
marked 异议中 on its public page at once; the provider's clerk finds the case in the console, corrects the
record (Art 30); the company sees the corrected record, the outcome with its reasons and remedies, and the
notice in its inbox (Art 24, 29)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_steps import portal_log_in, staff_log_in
from ingestion_fixtures import org_uscc, penalty_row, write_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY = "承德市恒远建材有限公司"
DOCUMENT = "承市监罚〔2026〕77号"


@pytest.fixture
def world(tmp_path, make_org, make_staff):
    """A penalty filed through the real pipeline, the company's portal account and the provider's clerk."""
    from xinyong.catalog.seed import catalog_seed
    from xinyong.ingestion.pipeline import ingest_file
    from xinyong.records.models import CreditRecord
    from xinyong.subjects.services import subject_account_create

    catalog_seed()
    provider = make_org(name="承德市市场监督管理局")
    row = penalty_row(provider.uscc, **{"行政相对人名称": COMPANY, "统一社会信用代码": org_uscc(7070),
                                        "行政处罚决定书文号": DOCUMENT, "处罚内容": "罚款人民币一万元"})
    assert ingest_file(path_or_stream=write_csv(tmp_path / "p.csv", [row]), item_code="admin-penalty",
                       provider=provider).accepted == 1
    record = CreditRecord.objects.select_related("subject").get(document_number=DOCUMENT)
    created = subject_account_create(subject=record.subject, username="hengyuan")
    clerk = make_staff(roles=("data_submitter",), organization=provider)
    evidence = tmp_path / "复议决定书.pdf"
    evidence.write_bytes(b"%PDF-1.7\n% the reconsideration decision\n")
    return record, created.user.username, created.password, clerk, evidence


def test_a_company_objects_the_clerk_corrects_and_the_company_sees_the_correction_and_the_notice(
    live_server, zh_page, chromium_browser, world,
):
    from xinyong.rights.models import Case

    record, username, password, clerk, evidence = world
    page = zh_page

    # The company opens its credit information and objects to the penalty.
    portal_log_in(page, live_server, username, password, "/account/information/")
    page.get_by_role("link", name=f"提出异议 {DOCUMENT}").click()
    page.wait_for_url(re.compile(r"/rights/objections/new/\?record=\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "提出异议"
    page.get_by_label("事实和理由").fill("处罚内容有误：复议决定已将罚款变更为警告。")
    page.get_by_label("异议请求").fill("将处罚内容更正为警告")
    page.get_by_label("证明材料").set_input_files(str(evidence))
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_url(re.compile(r"/rights/\d+/$"))
    case = Case.objects.get(record=record)
    main = page.get_by_role("main").inner_text()
    assert case.number in main and "受理并标注" in main and "复议决定书.pdf" in main

    # The public page marks the record at once.
    page.goto(f"{live_server.url}/org/{record.subject.identifier}/")
    assert "异议中" in page.get_by_role("main").get_by_role("list", name="标注").inner_text()

    # The provider's clerk decides in the console: the record is corrected.
    console = chromium_browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    console.set_default_timeout(15_000)
    other = console.new_page()
    staff_log_in(other, live_server, clerk)
    other.get_by_role("navigation", name="工作台菜单").get_by_role("link", name="异议与修复案件").click()
    other.get_by_role("link", name=case.number).click()
    other.wait_for_url(re.compile(rf"/console/rights/cases/{case.pk}/$"))
    other.get_by_label("信息已更正").check()
    other.get_by_label("决定理由").fill("经核实，复议决定已将罚款变更为警告，予以更正。")
    other.get_by_label("处罚内容", exact=True).fill("警告")
    other.get_by_role("button", name="记录决定").click()
    other.wait_for_url(re.compile(rf"/console/rights/cases/{case.pk}/$"))
    assert "信息已更正" in other.get_by_role("main").inner_text()
    console.close()

    # The company sees the corrected record, the outcome and the notice.
    page.goto(f"{live_server.url}/account/information/")
    page.get_by_role("main").get_by_text("全部字段").first.click()
    fields = page.get_by_role("main").locator("details dl").first.inner_text()
    assert "警告" in fields and "罚款人民币一万元" not in fields
    page.goto(f"{live_server.url}/rights/{case.pk}/")
    detail = page.get_by_role("main").inner_text()
    assert "信息已更正" in detail and "经核实，复议决定已将罚款变更为警告，予以更正。" in detail and "行政复议" in detail
    page.goto(f"{live_server.url}/account/notices/")
    inbox = page.get_by_role("main").inner_text()
    assert f"异议 {case.number} 已办结：信息已更正" in inbox
    record.refresh_from_db()
    assert record.revision == 2 and record.under_objection is False
