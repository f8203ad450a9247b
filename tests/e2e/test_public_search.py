"""Anyone searches an organization in Chinese on the portal and reads its public page, which shows the
penalty inside its publication window (Art 18, 21)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))

from ingestion_fixtures import org_uscc, penalty_row, write_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY = "承德市华安商贸有限公司"


@pytest.fixture
def company(tmp_path, make_org):
    """An organization with one penalty, filed through the real ingestion pipeline."""
    from xinyong.catalog.seed import catalog_seed
    from xinyong.ingestion.pipeline import ingest_file
    from xinyong.subjects.models import Subject

    catalog_seed()
    provider = make_org(name="承德市市场监督管理局")
    row = penalty_row(provider.uscc, **{"行政相对人名称": COMPANY, "统一社会信用代码": org_uscc(4242),
                                        "行政处罚决定书文号": "承市监罚〔2026〕88号", "违法事实": "销售不合格产品"})
    result = ingest_file(path_or_stream=write_csv(tmp_path / "penalty.csv", [row]), item_code="admin-penalty",
                         provider=provider)
    assert result.accepted == 1
    return Subject.objects.get(name=COMPANY)


def test_a_visitor_searches_in_chinese_and_sees_the_organizations_penalty(live_server, zh_page, company):
    page = zh_page
    page.goto(f"{live_server.url}/")
    box = page.get_by_label("单位名称或统一社会信用代码")
    box.fill("华安商贸")
    box.press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.get_by_role("heading", level=1).inner_text() == "组织信用查询"
    assert "找到 1 个" in page.get_by_role("main").inner_text()
    page.get_by_role("link", name=COMPANY).click()

    page.wait_for_url(re.compile(rf"/org/{company.identifier_masked}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == COMPANY
    penalties = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^行政处罚")))
    assert "承市监罚〔2026〕88号" in penalties.inner_text()
    assert "承德市市场监督管理局" in penalties.inner_text()
    penalties.get_by_text("全部字段").click()
    assert "销售不合格产品" in penalties.inner_text()
    assert company.identifier_masked in page.get_by_role("main").inner_text()


def test_a_single_character_asks_for_two(live_server, zh_page):
    page = zh_page
    page.goto(f"{live_server.url}/search/?q=华")
    assert "请至少输入名称中的两个字。" in page.get_by_role("main").inner_text()
