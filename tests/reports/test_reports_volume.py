"""A subject with about fifty records renders into one report (nothing is asserted about time: benchmarks
measure time, tests do not)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from report_fixtures import COMPANY, COMPANY_USCC, honor_row, pdf_text, penalty_row

from xinyong.reports.services import report_verify_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def fifty_records(file_records, provider):
    penalties = [
        penalty_row(provider.uscc, **{
            "行政相对人名称": COMPANY, "统一社会信用代码": COMPANY_USCC,
            "行政处罚决定书文号": f"承市监罚〔2026〕{n}号",
            "处罚决定日期": (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat(),
            "违法事实": "经查，当事人在经营场所销售的产品经抽样检验不合格，" * (1 + n % 4),
        })
        for n in range(1, 41)
    ]
    file_records(penalties)
    file_records([honor_row(provider, COMPANY_USCC, COMPANY, RY_BZWH=f"承市监字〔2025〕{n}号") for n in range(10)],
                 item_code="honor")


def test_a_report_of_fifty_records_lists_every_record_and_verifies(file_records, provider, issue):
    from xinyong.subjects.models import Subject

    fifty_records(file_records, provider)
    company = Subject.objects.get(name=COMPANY)
    report = issue(company)
    text = pdf_text(bytes(report.pdf))
    assert all(f"承市监罚〔2026〕{n}号" in text for n in range(1, 41))
    sections = json.loads(report.content)["sections"]
    assert sum(len(s.get("records", [])) for s in sections) == 50
    # A record split over pages repeats its heading on the next page, so at least fifty headings.
    assert text.count("信息来源：") >= 50
    assert report_verify_pdf(bytes(report.pdf)).valid
