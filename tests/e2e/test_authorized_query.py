"""A company authorizes a bank in the portal and confirms it; the bank queries through the API under it; the
company sees the read in "who read my data", revokes the authorization, and the bank's next query gets the
404 of a subject that does not exist (Art 21, 29; security req. 8, 11)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))

from ingestion_fixtures import org_uscc, penalty_row, write_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY = "承德市华安商贸有限公司"
BANK = "承德银行股份有限公司"


@pytest.fixture
def company_account(tmp_path, make_org):
    """A company with one penalty (the real pipeline) and its portal account."""
    from xinyong.catalog.seed import catalog_seed
    from xinyong.ingestion.pipeline import ingest_file
    from xinyong.subjects.models import Subject
    from xinyong.subjects.services import subject_account_create

    catalog_seed()
    provider = make_org(name="承德市市场监督管理局")
    row = penalty_row(provider.uscc, **{"行政相对人名称": COMPANY, "统一社会信用代码": org_uscc(4242),
                                        "行政处罚决定书文号": "承市监罚〔2026〕88号"})
    assert ingest_file(path_or_stream=write_csv(tmp_path / "p.csv", [row]), item_code="admin-penalty",
                       provider=provider).accepted == 1
    subject = Subject.objects.get(name=COMPANY)
    created = subject_account_create(subject=subject, username="huaan")
    return subject, created.user, created.password


@pytest.fixture
def bank(make_org):
    return make_org(name=BANK, kind="bank")


def test_a_company_authorizes_a_bank_sees_its_read_and_revokes_it(
    live_server, zh_page, company_account, bank, api_client_for
):
    subject, account, password = company_account
    bank_api: Client = api_client_for(bank, {"analyst"})
    page = zh_page

    # The company logs in and drafts the authorization.
    page.goto(f"{live_server.url}/login/?next=/account/authorizations/")
    page.get_by_label("用户名").fill(account.username)
    page.get_by_label("密码").fill(password)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(re.compile(r"/account/authorizations/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "查询授权"
    page.get_by_label("被授权机构的统一社会信用代码").fill(bank.uscc)
    page.get_by_label("行政管理信息").check()
    page.get_by_label("用途").fill("贷款审查")
    page.get_by_label("有效期至（含当日）").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="下一步：确认授权").click()

    # It reads the written authorization and confirms it.
    page.wait_for_url(re.compile(r"/account/authorizations/\d+/$"))
    document = page.get_by_role("main").inner_text()
    assert BANK in document and "贷款审查" in document and "第二十一条" in document
    authorization_id = int(re.search(r"/account/authorizations/(\d+)/$", page.url).group(1))
    params = {"mode": "authorized", "authorization": authorization_id, "purpose": "贷款审查"}
    url = f"/api/v1/subjects/{subject.identifier_masked}/credit-information"
    assert bank_api.get(url, params).status_code == 404  # pending: not yet in force

    page.get_by_label("我已阅读本授权书并同意授权。").check()
    page.get_by_role("button", name="确认授权").click()
    page.wait_for_url(re.compile(r"/account/authorizations/$"))
    assert "授权已生效" in page.get_by_role("status").inner_text()

    # The bank queries under it through the API with its token.
    served = bank_api.get(url, params)
    assert served.status_code == 200
    assert [r["document_number"] for r in served.json()["records"]] == ["承市监罚〔2026〕88号"]

    # The company sees the read in "who read my data".
    page.goto(f"{live_server.url}/account/reads/")
    reads = page.get_by_role("table").inner_text()
    assert BANK in reads and "贷款审查" in reads and "授权查询" in reads and "已提供" in reads

    # It revokes the authorization; the bank's next query is refused exactly like a missing subject.
    page.goto(f"{live_server.url}/account/authorizations/")
    page.get_by_role("button", name=f"撤销对{BANK}的授权").click()
    page.wait_for_url(re.compile(r"/account/authorizations/$"))
    assert "授权已撤销" in page.get_by_role("status").inner_text()
    assert "已撤销" in page.get_by_role("table").inner_text()

    refused = bank_api.get(url, params)
    missing = bank_api.get("/api/v1/subjects/91130802MA0000000X/credit-information", params)
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content

    page.goto(f"{live_server.url}/account/reads/")
    assert "已拒绝" in page.get_by_role("table").inner_text()
