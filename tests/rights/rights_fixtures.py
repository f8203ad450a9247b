"""Shared set-up for the services tests of objections and repair (imported by module name).

A provider department (the ingestion tests' market regulator) files a penalty for a company through the real
pipeline; its data submitter decides the cases sent to it. Acts are dated inside 2026 (the calendar is
loaded): filed on Monday 2 November 2026, an objection is due 5 working days later, on Monday 9 November.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from itertools import count
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lists"))

import ingestion_fixtures
from ingestion_fixtures import org_uscc, penalty_row, write_csv
from lists_fixtures import authority, clerk, publish_entry, render_notices_fast  # noqa: F401

catalog = ingestion_fixtures.catalog
penalty = ingestion_fixtures.penalty
provider = ingestion_fixtures.provider

FILED = dt.date(2026, 11, 2)  # a Monday
DUE = dt.date(2026, 11, 9)  # 5 working days later
COMPANY = "承德市恒信建材有限公司"
PDF = b"%PDF-1.7\n% evidence\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

_numbers = count(5000)


class Upload(io.BytesIO):
    """An uploaded file as Django hands it to a view: bytes with a name."""

    def __init__(self, content: bytes = PDF, name: str = "证明材料.pdf"):
        super().__init__(content)
        self.name = name


@pytest.fixture
def submitter(make_staff, provider):
    """The provider department's data submitter: corrects its records and decides the cases sent to it."""
    return make_staff(roles=("data_submitter",), organization=provider)


@pytest.fixture
def file_penalty(tmp_path, penalty, provider):
    """File one penalty for an organization through the ingestion pipeline; returns the record."""
    from xinyong.ingestion.pipeline import ingest_file
    from xinyong.records.models import CreditRecord

    def run(*, name: str = COMPANY, uscc: str | None = None, **fields):
        row = penalty_row(provider.uscc, **{"行政相对人名称": name, "统一社会信用代码": uscc or org_uscc(4343),
                                            **fields})
        result = ingest_file(path_or_stream=write_csv(tmp_path / f"p{next(_numbers)}.csv", [row]),
                             item_code="admin-penalty", provider=provider)
        assert result.rejected == 0, result.errors
        return CreditRecord.objects.select_related("subject", "provider").get(batch_id=result.batch)

    return run


@pytest.fixture
def record(file_penalty):
    return file_penalty()


@pytest.fixture
def company(record):
    return record.subject


@pytest.fixture
def account(company):
    from xinyong.subjects.services import subject_account_create

    created = subject_account_create(subject=company, username=f"company{next(_numbers)}")
    created.user.plain_password = created.password
    return created.user


def audit_events(event_type) -> list:
    from xinyong.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))
