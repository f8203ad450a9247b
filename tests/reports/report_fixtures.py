"""Shared set-up for credit reports (imported by conftest.py; a module of its own name, since every test
directory has a conftest): subjects with records filed through the ingestion pipeline, portal accounts, a
bank holding a written authorization, and a helper to read a PDF's text."""

from __future__ import annotations

import datetime as dt
import io
import sys
from itertools import count
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))

import ingestion_fixtures
from ingestion_fixtures import DECISION, org_uscc, penalty_row, person_id, person_row

from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

# The seeded catalog, the provider and the penalty item of the ingestion tests, as fixtures here too.
catalog = ingestion_fixtures.catalog
penalty = ingestion_fixtures.penalty
provider = ingestion_fixtures.provider

__all__ = ["DECISION", "org_uscc", "pdf_text", "penalty_row", "person_id", "person_row"]

COMPANY = "承德市华安商贸有限公司"
COMPANY_USCC = org_uscc(4343)
_numbers = count(1)


def pdf_text(data: bytes) -> str:
    """All text of a PDF, page after page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.XINYONG_PUBLIC_URL = "https://xinyong.example.test"


@pytest.fixture
def file_records(penalty, provider):
    """File rows of an item through the ingestion pipeline (by field code or Chinese name)."""
    from xinyong.ingestion.pipeline import ingest_records

    def run(rows, *, item_code="admin-penalty"):
        result = ingest_records(records=rows, item_code=item_code, provider=provider)
        assert result.rejected == 0, result.errors
        return list(CreditRecord.objects.filter(batch_id=result.batch).order_by("pk"))

    return run


def honor_row(provider, uscc, name, **overrides):
    row = {
        "RY_ZTMC": name, "RY_ZTLB": "法人及非法人组织", "RY_SHXYM": uscc, "RY_RYMC": "守合同重信用企业",
        "RY_RYJB": "市级", "RY_RYNR": "连续三年守合同重信用", "RY_BZWH": f"承市监字〔2025〕{next(_numbers)}号",
        "RY_RDRQ": "2025-06-01", "RY_RDJG": "承德市市场监督管理局", "RY_RDJGDM": provider.uscc,
        "RY_SJLY": provider.name, "RY_SJLYDM": provider.uscc,
    }
    row.update(overrides)
    return row


def commitment_row(provider, uscc, name, *, disclosure="不公开", **overrides):
    row = {
        "CN_CNBM": f"1308022026{next(_numbers):010d}", "CN_CNRMC": name, "CN_CNRLB": "法人及非法人组织",
        "CN_CNRDM": uscc, "CN_CNLX": "证明事项型", "CN_CNSY": "办理食品经营许可", "CN_CNNR": "所提交材料真实有效",
        "CN_WNZR": "承担相应法律责任", "CN_ZCRQ": "2026-02-01", "CN_SLDW": provider.name,
        "CN_SLDWDM": provider.uscc, "CN_GKLX": disclosure,
    }
    row.update(overrides)
    return row


@pytest.fixture
def company(file_records, provider):
    """An organization with a public penalty (DECISION), a public honour, and a commitment it chose not to
    publish (不公开: readable by itself and by authorization only)."""
    file_records([penalty_row(provider.uscc, **{"行政相对人名称": COMPANY, "统一社会信用代码": COMPANY_USCC,
                                                "行政处罚决定书文号": "承市监罚〔2026〕88号"})])
    file_records([honor_row(provider, COMPANY_USCC, COMPANY)], item_code="honor")
    file_records([commitment_row(provider, COMPANY_USCC, COMPANY)], item_code="credit-commitment")
    return Subject.objects.select_related("division").get(name=COMPANY)


@pytest.fixture
def person(file_records, provider):
    """A natural person (Art 19) with two penalties; the ID number is stored masked."""
    file_records([
        person_row(provider.uscc, n=4343, **{"行政相对人名称": "王小明", "行政处罚决定书文号": "承市监罚〔2026〕99号"}),
        person_row(provider.uscc, n=4343, **{"行政相对人名称": "王小明", "行政处罚决定书文号": "承市监罚〔2026〕100号",
                                            "违法事实": f"经查，当事人（身份证号{person_id(4343)}）无证经营"}),
    ])
    subject = Subject.objects.get(name="王小明")
    subject.plain_id = person_id(4343)
    return subject


@pytest.fixture
def account_for():
    """A portal account acting for a subject."""
    from xinyong.subjects.services import subject_account_create

    def create(subject):
        created = subject_account_create(subject=subject, username=f"subject{next(_numbers)}")
        created.user.plain_password = created.password
        return created.user

    return create


@pytest.fixture
def bank(make_org):
    return make_org(name="承德银行股份有限公司", kind="bank")


@pytest.fixture
def bank_analyst(bank, make_staff):
    return make_staff(roles=("analyst",), organization=bank)


@pytest.fixture
def grant(account_for):
    """A confirmed written authorization of `subject` for `organization` (the portal's services)."""
    from django.utils import timezone

    from xinyong.disclosure.services import authorization_confirm, authorization_draft

    def create(subject, organization, *, categories=("administrative", "positive", "other", "serious", "basic"),
               purpose="贷款审查"):
        account = account_for(subject)
        authorization = authorization_draft(
            account=account, grantee_uscc=organization.uscc, categories=list(categories), purpose=purpose,
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
        return authorization_confirm(account=account, authorization_id=authorization.pk)

    return create


@pytest.fixture
def issue(account_for):
    """Issue a report as the subject's own account (mode self) unless told otherwise."""
    from xinyong.reports.services import report_issue

    def run(subject, variant="full", *, requester=None, **kwargs):
        return report_issue(subject=subject, variant=variant, requester=requester or account_for(subject),
                            purpose=kwargs.pop("purpose", "本人查询"), **kwargs)

    return run
