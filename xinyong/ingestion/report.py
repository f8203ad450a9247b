"""Rejection reports: CSV in UTF-8 with a BOM (Excel opens it), one line per error (Art 18, 30).

Columns: 行号, 字段, 错误代码, 错误说明, then the rejected row's values under the file's own headers, so a
clerk can find and fix each row and resubmit. ID numbers are masked. Cells that a spreadsheet would run as
a formula (starting with = + - @, tab or carriage return) are neutralized with a leading apostrophe
(security req. 27).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from xinyong.ingestion.models import Batch, RejectedRow

FIXED_HEADERS = ["行号", "字段", "错误代码", "错误说明"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class ReportWriter:
    """Streams rejected rows into a CSV report as the pipeline produces them (bounded memory)."""

    def __init__(self, path: str | Path, field_names: dict[str, str] | None = None):
        self.path = Path(path)
        self._file = self.path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._headers: list[str] | None = None
        self.field_names = field_names or {}
        self.lines = 0

    def _start(self, headers: list[str]) -> None:
        self._headers = list(headers)
        self._writer.writerow([neutralize(h) for h in FIXED_HEADERS + self._headers])

    def write(self, rows: Iterable[RejectedRow], headers: list[str]) -> None:
        if self._headers is None:
            self._start(headers)
        for row in rows:
            values = dict((h, v) for h, v in row.raw)
            for header in values:
                if header not in self._headers:
                    self._headers.append(header)  # a JSON key first seen late: its value goes at the end
            field = self.field_names.get(row.field, row.field)
            self._writer.writerow(
                [row.row_number, neutralize(field), neutralize(row.code), neutralize(row.message)]
                + [neutralize(values.get(h, "")) for h in self._headers]
            )
            self.lines += 1

    def close(self) -> None:
        if self._headers is None:
            self._start([])
        self._file.close()


def field_names(batch_or_item) -> dict[str, str]:
    item = getattr(batch_or_item, "item", batch_or_item)
    from xinyong.ingestion.validation import CONVENTION_NAMES

    names = {f.code: f"{f.name}（{f.code}）" for f in item.fields.all()}
    names.update({code: f"{name}（{code}）" for code, name in CONVENTION_NAMES.items()})
    return names


def batch_report_write(batch: Batch, path: str | Path) -> Path:
    """Write a stored batch's report (for the console and the API)."""
    writer = ReportWriter(path, field_names(batch))
    headers: list[str] = []
    chunk: list[RejectedRow] = []
    for rejected in batch.rejections.order_by("row_number", "id").iterator(chunk_size=2000):
        if not headers:
            headers = [h for h, _v in rejected.raw]
        chunk.append(rejected)
        if len(chunk) >= 2000:
            writer.write(chunk, headers)
            chunk = []
    writer.write(chunk, headers)
    writer.close()
    return writer.path
