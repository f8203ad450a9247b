"""The dashboard's cases as an Excel workbook or a CSV file (Art 28, 31, 33 (5)).

One row per case with what supervision needs and no more: the case number, kind, the subject's name (a natural
person's masked, Art 19) and masked identifier, the deciding department, the dates, status, outcome,
escalation and lateness. Never the reasons, files or full identifiers. Text cells a spreadsheet would run as
a formula are neutralized (`xinyong.ingestion.exports.safe_cell`, security req. 27), in the CSV too. Each
export is audited (DATA_EXPORTED) with its filters and row count, in the transaction that reads the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import audit_record
from xinyong.core.errors import ServiceError
from xinyong.core.masking import mask_name
from xinyong.ingestion.exports import XLSX_CONTENT_TYPE, safe_cell
from xinyong.rights.choices import CaseKind, CaseStatus, Outcome
from xinyong.rights.dashboard import BUCKETS, CaseFilters, due_bounds, filtered_cases
from xinyong.rights.models import Case

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
#: The most rows one export holds; a larger selection is refused and should be narrowed with the filters.
MAX_EXPORT_ROWS = 100_000
EXPORT_ARTICLES = ["Art 17", "Art 28", "Art 31", "Art 33"]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    rows: int


def export_headers() -> list[str]:
    return [
        _("Case number"), _("Kind"), _("Subject (masked)"), _("Identifier (masked)"), _("Deciding department"),
        _("Filed on"), _("Decision due (inclusive)"), _("Due date provisional"), _("Status"), _("Outcome"), _("Escalated on"),
        _("Decided late"),
    ]


def export_row(case: Case) -> list:
    subject = case.subject
    return [
        case.number,
        str(CaseKind(case.kind).label),
        mask_name(subject.name) if subject.is_person else subject.name,
        subject.identifier_masked,
        case.organization.name,
        case.filed_on,
        case.due_on,
        case.due_on_provisional,
        str(CaseStatus(case.status).label),
        str(Outcome(case.outcome).label) if case.outcome else "",
        case.escalated_on,
        case.decided_late,
    ]


def _as_text(value) -> str:
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_as_text(h) for h in export_headers()])
    for row in rows:
        writer.writerow([_as_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so spreadsheet programs read it as UTF-8


def _xlsx(rows: list[list], *, on: dt.date, labels: dict[str, str]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Cases")[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate((18, 10, 30, 22, 30, 12, 14, 18, 18, 12, 10)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([safe_cell(h) for h in export_headers()])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    method = workbook.create_sheet(title=_("Method")[:31])
    method.column_dimensions["A"].width = 30
    method.column_dimensions["B"].width = 60
    for label, value in (
        (_("Counted as of"), on),
        (_("Kind"), labels.get("kind") or _("All")),
        (_("Deciding department"), labels.get("department") or _("All")),
        (_("Status"), labels.get("status") or _("All")),
        (_("Due date"), labels.get("due") or _("All")),
        (_("Rows"), len(rows)),
        (_("Subjects"), _("Natural persons' names and all identifiers are masked (Art 19).")),
        (_("Articles"), "Art 28, Art 30, Art 31, Art 33 (5)"),
    ):
        method.append([safe_cell(label), safe_cell(value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filter_labels(filters: CaseFilters, department_name: str = "") -> dict[str, str]:
    return {
        "kind": str(CaseKind(filters.kind).label) if filters.kind else "",
        "department": department_name,
        "status": str(CaseStatus(filters.status).label) if filters.status else "",
        "due": str(dict(BUCKETS)[filters.due]) if filters.due else "",
    }


def cases_export(*, user, filters: CaseFilters, fmt: str, on: dt.date, department_name: str = "") -> ExportFile:
    """The cases `user` sees under `filters` as an XLSX workbook or a CSV file, audited DATA_EXPORTED."""
    if fmt not in FORMATS:
        raise ServiceError("invalid_choice", _("Unknown export format."), field="format")
    bounds = due_bounds(on)
    with transaction.atomic():
        queryset = filtered_cases(user, filters, bounds)
        cases = list(queryset[: MAX_EXPORT_ROWS + 1])
        if len(cases) > MAX_EXPORT_ROWS:
            raise ServiceError(
                "export_too_large",
                _("More than %(max)s cases match: narrow the selection with the filters.") % {"max": MAX_EXPORT_ROWS},
            )
        rows = [export_row(case) for case in cases]
        if fmt == "xlsx":
            content = _xlsx(rows, on=on, labels=filter_labels(filters, department_name))
            content_type = XLSX_CONTENT_TYPE
        else:
            content = _csv(rows)
            content_type = CSV_CONTENT_TYPE
        filename = f"rights-cases-{on:%Y%m%d}.{fmt}"
        audit_record(
            AuditEventType.DATA_EXPORTED, actor=user, target_label=f"rights-cases-{fmt}", articles=EXPORT_ARTICLES,
            details={"export": f"rights-cases-{fmt}", "rows": len(rows), "on": on.isoformat(),
                     "filters": filters.as_dict(), "file": filename},
        )
    return ExportFile(content, content_type, filename, len(rows))
