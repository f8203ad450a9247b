"""The quality page as an Excel workbook (Art 18, 33): one sheet per table, and a sheet saying how it was made.

Text cells that a spreadsheet would run as a formula — starting with = + - @, a tab or a carriage return —
are written with a leading apostrophe, and control characters are dropped (security req. 27). Numbers stay
numbers; shares are numbers formatted as percentages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinyong.ingestion.quality import COMPONENT_LABELS, WEIGHTS, QualityReport

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERCENT = "0.0%"
DECIMAL = "0.0"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A value as written into a cell: numbers and dates as they are, text neutralized (security req. 27)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


def _sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list], formats: dict[int, str]):
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([safe_cell(v) for v in values])
    for column, number_format in formats.items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 2))
    sheet.freeze_panes = "A2"
    return sheet


def quality_workbook(report: QualityReport) -> bytes:
    """The workbook of a quality report: departments and items, the ranking, and the method."""
    workbook = Workbook()
    workbook.remove(workbook.active)

    detail_headers = [
        _("Department"), _("Catalog item"), _("Item code"), _("Double publicity item"), _("Batches"),
        _("Batches refused as a whole"), _("Rows received"), _("Accepted"), _("Rejected"), _("Duplicates"),
        _("Rejection rate"), _("Records received"), _("Records within the deadline"),
        _("Share within the deadline"), _("Median working days"), _("Maximum working days"),
        _("Records not counted (calendar not loaded)"), _("Optional fields filled"),
        _("Required field empty (errors)"), _("Rejected rows stored"), _("Rejected rows unresolved"),
        _("Overdue corrections"),
    ]
    detail_rows = [
        [
            r.provider_name, r.item_name, r.item_code, r.double_publicity, r.batches, r.refused_batches,
            r.received, r.accepted, r.rejected, r.duplicates, r.rejection_rate, r.timeliness.records,
            r.timeliness.within if r.timeliness.measured else None, r.timeliness.share_within,
            r.timeliness.median, r.timeliness.maximum, r.timeliness.uncounted, r.completeness,
            r.required_errors, r.rejected_rows, r.unresolved_rows, r.overdue_rows,
        ]
        for r in report.rows
    ]
    _sheet(workbook, _("Departments and items"), detail_headers, detail_rows,
           {11: PERCENT, 14: PERCENT, 15: DECIMAL, 18: PERCENT})

    ranking_headers = [
        _("Rank"), _("Department"), _("Score"), _("Timeliness"), _("Acceptance"), _("Corrections in time"),
        _("Completeness"), _("Items"), _("Rows received"), _("Rejection rate"), _("Share within the deadline"),
        _("Overdue corrections"),
    ]
    ranking_rows = [
        [
            d.rank, d.provider_name, d.score, d.components.get("timeliness"), d.components.get("acceptance"),
            d.components.get("corrections"), d.components.get("completeness"), d.items, d.received,
            d.rejection_rate, d.timeliness.share_within, d.overdue_rows,
        ]
        for d in report.ranking
    ] + [[None, org.name, None, None, None, None, None, 0, 0, None, None, None] for org in report.not_submitting]
    _sheet(workbook, _("Ranking"), ranking_headers, ranking_rows,
           {3: DECIMAL, 4: PERCENT, 5: PERCENT, 6: PERCENT, 7: PERCENT, 10: PERCENT, 11: PERCENT})

    deadline = report.deadline
    method = [
        [_("Received from"), report.date_from],
        [_("Received until"), report.date_to],
        [_("Counted as of"), report.as_of],
        [_("Catalog item"), report.item_code or _("All items")],
        [_("Double publicity deadline (working days)"), deadline.value if deadline else None],
        [_("Rule parameter"), deadline.name if deadline else ""],
        [_("Rule version"), report.rule_version],
        [_("Score"), _("100 × weighted mean of the components a department has data for")],
        *[[_("Weight: %(component)s") % {"component": COMPONENT_LABELS[name]}, weight] for name, weight in WEIGHTS.items()],
        [_("Calendar years not loaded"), "、".join(str(y) for y in report.missing_calendar_years)],
        [_("Articles"), "Art 18, Art 33 (3)"],
    ]
    sheet = _sheet(workbook, _("Method"), [_("Item"), _("Value")], method, {})
    for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 60

    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
