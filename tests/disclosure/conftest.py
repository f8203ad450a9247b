"""Shared set-up for disclosure: records filed through the real pipeline, a bank with an API client, subject
accounts, and records of the non-public classes built through `revision_build` (the seeded catalog publishes
only public items)."""

from __future__ import annotations

import datetime as dt
import sys
from itertools import count
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))

import ingestion_fixtures
from disclosure_fixtures import COMPANY
from ingestion_fixtures import DECISION, org_uscc, penalty_row, person_id, person_row, write_csv

from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

# The seeded catalog, the provider and the penalty item of the ingestion tests, as fixtures here too.
catalog = ingestion_fixtures.catalog
penalty = ingestion_fixtures.penalty
provider = ingestion_fixtures.provider

__all__ = ["COMPANY", "DECISION", "org_uscc", "penalty_row", "person_id", "person_row"]

_numbers = count(900)


@pytest.fixture
def submit(tmp_path, penalty, provider):
    """File penalty rows through the ingestion pipeline; returns the records created."""
    from xinyong.ingestion.pipeline import ingest_file

    def run(rows, *, item_code="admin-penalty"):
        name = f"rows{next(_numbers)}.csv"
        result = ingest_file(path_or_stream=write_csv(tmp_path / name, rows), item_code=item_code, provider=provider)
        assert result.rejected == 0, result.errors
        return list(CreditRecord.objects.filter(batch_id=result.batch).order_by("pk"))

    return run


@pytest.fixture
def company(submit, provider):
    """An organization with one public penalty decided on DECISION (window: 36 months)."""
    uscc = org_uscc(4242)
    submit([penalty_row(provider.uscc, **{"行政相对人名称": COMPANY, "统一社会信用代码": uscc,
                                          "行政处罚决定书文号": "承市监罚〔2026〕88号"})])
    return Subject.objects.get(name=COMPANY)


@pytest.fixture
def person(submit, provider):
    """A natural person (Art 19) with one penalty: never public, ID number stored masked."""
    submit([person_row(provider.uscc, n=4242, **{"行政相对人名称": "王小明", "行政处罚决定书文号": "承市监罚〔2026〕99号"})])
    subject = Subject.objects.get(name="王小明")
    subject.plain_id = person_id(4242)
    return subject


@pytest.fixture
def make_record(provider):
    """A record of any disclosure class for a subject, built as ingestion builds it (HMAC included)."""
    from django.utils import timezone

    from xinyong.catalog.selectors import item_current
    from xinyong.records.choices import RevisionSource
    from xinyong.records.services import revision_build

    def build(subject, *, disclosure_class="authorized", item_code="admin-penalty", decision_date=DECISION,
              publication_end=None, data=None, under_objection=False, under_repair=False):
        item = item_current(item_code)
        record = CreditRecord.objects.create(
            subject=subject, item=item, item_code=item.code, provider=provider,
            document_number=f"承测〔2026〕{next(_numbers)}号", decision_date=decision_date,
            disclosure_class=disclosure_class, publication_start=decision_date, publication_end=publication_end,
            under_objection=under_objection, under_repair=under_repair, created_at=timezone.now(),
        )
        revision_build(record, number=1, data=data or {"CF_NR": "测试内容"}, status=record.status,
                       source=RevisionSource.SUBMISSION).save()
        return record

    return build


@pytest.fixture
def bank(make_org):
    return make_org(name="承德银行股份有限公司", kind="bank")


@pytest.fixture
def bank_client(bank, api_client_for):
    """The bank's API client (role analyst: authorized queries)."""
    return api_client_for(bank, {"analyst"})


@pytest.fixture
def account_for():
    """A portal account for a subject, with its password kept for logging in."""
    from xinyong.subjects.services import subject_account_create

    def create(subject, username=None):
        created = subject_account_create(subject=subject, username=username or f"subject{next(_numbers)}")
        created.user.plain_password = created.password
        return created.user

    return create


@pytest.fixture
def grant(account_for):
    """A confirmed authorization of `subject` for `organization` (through the services, as in the portal)."""
    from django.utils import timezone

    from xinyong.disclosure.services import authorization_confirm, authorization_draft

    def create(subject, organization, *, categories=("administrative",), purpose="贷款审查", days=30, confirm=True,
               account=None):
        account = account or account_for(subject)
        authorization = authorization_draft(
            account=account, grantee_uscc=organization.uscc, categories=list(categories), purpose=purpose,
            valid_until=timezone.localdate() + dt.timedelta(days=days),
        )
        if confirm:
            authorization = authorization_confirm(account=account, authorization_id=authorization.pk)
        authorization.account = account
        return authorization

    return create
