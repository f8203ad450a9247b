"""Reads of issued reports. A report is handed out only to the account that asked for it (security req. 7)."""

from __future__ import annotations

from xinyong.core.errors import NotFoundOrForbidden
from xinyong.reports.models import Report
from xinyong.reports.services import report_number_normalize


def reports_requested_by(user, *, limit: int = 50) -> list[Report]:
    """The reports an account asked for, newest first (without their PDF bytes)."""
    if user is None or not getattr(user, "pk", None):
        return []
    return list(
        Report.objects.filter(requester=user).defer("pdf", "content").select_related("subject")[:limit]
    )


def access_report_by_number(user, number: str) -> Report:
    """The report with this number if `user` asked for it; the same NotFoundOrForbidden for another
    account's report, a malformed number and a number never issued."""
    normalized = report_number_normalize(number)
    report = (
        Report.objects.filter(number=normalized, requester=user).first()
        if normalized and user is not None and getattr(user, "pk", None)
        else None
    )
    if report is None:
        raise NotFoundOrForbidden()
    return report


def pdf_filename(report: Report) -> str:
    return f"credit-report-{report.number}.pdf"
