"""Shared test set-up for ingestion and records: the seeded catalog, a provider, and penalty files written
in the tests (CSV in several encodings, XLSX through openpyxl, JSON Lines)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from itertools import count
from pathlib import Path

import pytest

from xinyong.core.identifiers import make_citizen_id, make_uscc

DECISION = dt.date(2026, 3, 5)
HEADERS = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "处罚决定日期", "处罚有效期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
_numbers = count(1)


def org_uscc(n: int, org_type: str = "1") -> str:
    return make_uscc("9", org_type, "130802", f"{n:08d}")


def person_id(n: int) -> str:
    return make_citizen_id("130802", dt.date(1980, 1, 1) + dt.timedelta(days=n), n % 1000)


def penalty_row(provider_uscc: str, **overrides) -> dict[str, str]:
    """A valid 行政处罚 row for an organization, by Chinese header."""
    n = next(_numbers)
    row = {
        "行政相对人名称": f"承德市测试商贸有限公司{n}", "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": org_uscc(n), "法定代表人": "张三", "证件类型": "", "证件号码": "",
        "行政处罚决定书文号": f"承市监罚〔2026〕{n}号", "违法行为类型": "违反产品质量法",
        "违法事实": "销售不合格产品", "处罚依据": "《中华人民共和国产品质量法》第四十九条", "处罚类别": "罚款",
        "处罚内容": "罚款人民币一万元", "罚款金额（万元）": "1", "处罚决定日期": DECISION.isoformat(),
        "处罚有效期": "2027-03-05", "处罚机关": "承德市市场监督管理局", "处罚机关统一社会信用代码": provider_uscc,
        "数据来源单位": "承德市市场监督管理局", "数据来源单位统一社会信用代码": provider_uscc, "备注": "",
    }
    row.update(overrides)
    return row


def person_row(provider_uscc: str, n: int | None = None, **overrides) -> dict[str, str]:
    n = n if n is not None else next(_numbers)
    return penalty_row(provider_uscc, **{
        "行政相对人名称": "李四", "行政相对人类别": "自然人", "统一社会信用代码": "", "法定代表人": "",
        "证件类型": "身份证", "证件号码": person_id(n), **overrides,
    })


def write_csv(path: Path, rows: list[dict], *, encoding: str = "utf-8", headers: list[str] | None = None) -> Path:
    headers = headers or list(rows[0]) if rows else HEADERS
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], *, date_cells: bool = True) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    headers = list(rows[0])
    sheet.append(headers)
    for row in rows:
        values = []
        for h in headers:
            value = row.get(h, "")
            if date_cells and h in ("处罚决定日期", "处罚有效期") and value:
                value = dt.date.fromisoformat(value)
            values.append(value)
        sheet.append(values)
    workbook.save(path)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """Run `xinyong ...` in a subprocess against the same database."""
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "xinyong.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


@pytest.fixture
def catalog(db):
    from xinyong.catalog.seed import catalog_seed
    from xinyong.catalog.selectors import item_current

    catalog_seed()
    return item_current("admin-penalty")


@pytest.fixture
def provider(make_org):
    return make_org(name="承德市市场监督管理局")


@pytest.fixture
def penalty(catalog, provider):
    """The admin-penalty item with the provider allowed to submit it."""
    return catalog
