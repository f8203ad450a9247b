"""The submission console (Art 18, 30) and the data quality page (Art 18, 33 (3)).

Submissions (`Permission.SUBMIT_RECORDS`, a provider department's data submitters): upload a CSV, XLSX or
JSON Lines file for a catalog item the department provides. A real upload is stored encrypted in the
upload directory (`xinyong.ingestion.uploads`; never served by the web server, deleted after the retention
period), registered as a batch and processed in the background (`xinyong.ingestion.tasks.ingest_batch_task`); its page follows the progress and shows the counts,
the signed receipt and the rejected rows with their report. A dry run is checked while the page waits and
keeps nothing. A department sees only its own batches: another's answers 404, exactly like a missing one
(security req. 7).

Quality (`Permission.VIEW_QUALITY`; a data submitter sees its own department only): the measures of
`xinyong.ingestion.quality` for a period and item, per department and item, the ranking, bar charts drawn
here as inline SVG (no script, no chart library) with the same numbers in tables, and an XLSX export.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import audit_record
from xinyong.catalog.choices import VersionStatus
from xinyong.catalog.models import CatalogItem
from xinyong.catalog.selectors import TIER_PRECEDENCE
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.uploads import upload_limit
from xinyong.ingestion.choices import BatchStatus, Channel
from xinyong.ingestion.exports import XLSX_CONTENT_TYPE, quality_workbook
from xinyong.ingestion.forms import MAX_UPLOAD_BYTES, QualityFilterForm, SubmissionUploadForm
from xinyong.ingestion.models import Batch
from xinyong.ingestion.pipeline import batch_receipt_verify, ingest_file
from xinyong.ingestion.quality import COMPONENT_LABELS, WEIGHTS, QualityReport, quality_report, quality_scope
from xinyong.ingestion.report import batch_report_write, field_names
from xinyong.web.views import staff_required

BATCH_PAGE_SIZE = 50
REJECTION_PAGE_SIZE = 100
DRY_RUN_ROWS_SHOWN = 500
POLL_SECONDS = 2

STATUS_TEXT = {
    BatchStatus.RECEIVED: gettext_lazy("Waiting to be processed"),
    BatchStatus.PROCESSING: gettext_lazy("Being processed"),
    BatchStatus.DONE: gettext_lazy("Processed"),
    BatchStatus.REFUSED: gettext_lazy("Refused as a whole; nothing was stored"),
    BatchStatus.FAILED: gettext_lazy("Failed; nothing was stored"),
}
CHANNEL_TEXT = {
    Channel.CONSOLE: gettext_lazy("Console upload"),
    Channel.API: gettext_lazy("Interface (API)"),
    Channel.COMMAND: gettext_lazy("Command line"),
}
UNFINISHED = (BatchStatus.RECEIVED, BatchStatus.PROCESSING)


# --- access -------------------------------------------------------------------------------------------------


def _submitting_organization(user):
    """The department a data submitter submits for; 403 without the permission or an active department."""
    organization = getattr(user, "organization", None)
    if not has_permission(user, Permission.SUBMIT_RECORDS) or organization is None or not organization.is_active:
        raise PermissionDenied
    return organization


def _own_batch(user, pk: int) -> Batch:
    """One of the department's batches; 404 for another department's batch, as for a missing one."""
    organization = _submitting_organization(user)
    batch = Batch.objects.select_related("item", "actor", "provider").filter(pk=pk, provider=organization).first()
    if batch is None:
        raise Http404
    return batch


def items_in_force() -> list[CatalogItem]:
    """The published items in force, one per code (city tier, then provincial, then national)."""
    rank = {tier: index for index, tier in enumerate(TIER_PRECEDENCE)}
    chosen: dict[str, CatalogItem] = {}
    for item in (
        CatalogItem.objects.filter(version__status=VersionStatus.PUBLISHED)
        .select_related("version")
        .prefetch_related("providers")
    ):
        current = chosen.get(item.code)
        if current is None or rank[item.version.tier] < rank[current.version.tier]:
            chosen[item.code] = item
    return sorted(chosen.values(), key=lambda i: i.code)


def submittable_items(organization) -> list[CatalogItem]:
    """Items in force the department provides: those listing it, and those listing no provider (Art 18)."""
    return [
        item for item in items_in_force()
        if not item.providers.all() or any(p.pk == organization.pk for p in item.providers.all())
    ]


# --- uploads ------------------------------------------------------------------------------------------------


def _display_name(name: str) -> str:
    """The uploaded file's own name, without any directory part, for display only (never a path)."""
    return PurePath((name or "").replace("\\", "/")).name[-200:] or "upload"


@upload_limit(MAX_UPLOAD_BYTES)
@staff_required
@require_http_methods(["GET", "POST"])
def submission_upload(request):
    organization = _submitting_organization(request.user)
    items = submittable_items(organization)
    form = SubmissionUploadForm(request.POST or None, request.FILES or None, items=items)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        code = form.cleaned_data["item"]
        name = _display_name(upload.name)
        if form.cleaned_data["dry_run"]:
            return _dry_run(request, form, organization, form.items[code], upload, name)
        from xinyong.ingestion.tasks import submission_enqueue

        try:
            batch = submission_enqueue(chunks=upload.chunks(), item_code=code, provider=organization,
                                       actor=request.user, channel=Channel.CONSOLE, file_name=name)
        except NotFoundOrForbidden:
            form.add_error("item", _("Your department does not provide this catalog item."))
        else:
            messages.success(request, _("The file was received as batch %(number)s.") % {"number": batch.pk})
            return HttpResponseRedirect(reverse("ingestion:batch", args=[batch.pk]))
    return render(request, "ingestion/upload.html", {"form": form, "items": items, "organization": organization})


def _dry_run(request, form, organization, item, upload, name):
    shown = []

    def keep(rows, _headers):
        room = DRY_RUN_ROWS_SHOWN - len(shown)
        if room > 0:
            shown.extend(rows[:room])

    try:
        result = ingest_file(path_or_stream=upload.file, item_code=item.code, provider=organization,
                             actor=request.user, channel=Channel.CONSOLE, dry_run=True, file_name=name,
                             on_rejected=keep)
    except NotFoundOrForbidden:
        form.add_error("item", _("Your department does not provide this catalog item."))
        return render(request, "ingestion/upload.html", {"form": form, "items": submittable_items(organization),
                                                         "organization": organization})
    except ServiceError as exc:
        form.add_error("file", str(exc.message))
        return render(request, "ingestion/upload.html", {"form": form, "items": submittable_items(organization),
                                                         "organization": organization})
    names = field_names(item)
    rows = [_rejection_view(r, names) for r in shown]
    return render(request, "ingestion/dry_run.html", {
        "result": result, "item": item, "file_name": name, "rejections": rows,
        "truncated": result.rejected > 0 and len({r.row_number for r in shown}) < result.rejected,
        "refused": result.status == BatchStatus.REFUSED,
    })


# --- batches ------------------------------------------------------------------------------------------------


def _rejection_view(rejected, names: dict[str, str]) -> dict:
    english = (get_language() or "").lower().startswith("en")
    return {
        "row": rejected.row_number,
        "field": names.get(rejected.field, rejected.field) if rejected.field else "",
        "code": rejected.code,
        "message": (rejected.message_en or rejected.message) if english else rejected.message,
        "resolved": rejected.resolved,
    }


@staff_required
@require_GET
def batch_list(request):
    organization = _submitting_organization(request.user)
    batches = Batch.objects.filter(provider=organization).select_related("item").order_by("-created_at", "-id")
    page = Paginator(batches, BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ingestion/batch_list.html", {
        "organization": organization, "page": page,
        "batches": [{"batch": b, "status_text": STATUS_TEXT.get(b.status, b.status),
                     "channel_text": CHANNEL_TEXT.get(b.channel, b.channel)} for b in page.object_list],
    })


def _parts(value: str, every: int = 16) -> list[str]:
    """A long hex string in groups the page may wrap between (<wbr>), still copied as one string."""
    return [value[i : i + every] for i in range(0, len(value or ""), every)]


@staff_required
@require_GET
@never_cache
def batch_detail(request, pk: int):
    batch = _own_batch(request.user, pk)
    finished = batch.status not in UNFINISHED
    page = Paginator(batch.rejections.order_by("row_number", "id"), REJECTION_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = field_names(batch) if page.object_list else {}
    return render(request, "ingestion/batch_detail.html", {
        "batch": batch,
        "finished": finished,
        "status_text": STATUS_TEXT.get(batch.status, batch.status),
        "channel_text": CHANNEL_TEXT.get(batch.channel, batch.channel),
        "receipt_verified": batch.status == BatchStatus.DONE and batch_receipt_verify(batch),
        "page": page,
        "rejections": [_rejection_view(r, names) for r in page.object_list],
        "poll_seconds": POLL_SECONDS,
        "digest_parts": _parts(batch.content_digest),
        "signature_parts": _parts(batch.receipt_signature),
    })


@staff_required
@require_GET
@never_cache
def batch_status(request, pk: int):
    """The batch's state as JSON, polled by the batch page while the batch is processed."""
    batch = _own_batch(request.user, pk)
    return JsonResponse({
        "status": batch.status,
        "text": str(STATUS_TEXT.get(batch.status, batch.status)),
        "progress_rows": batch.progress_rows,
        "finished": batch.status not in UNFINISHED,
    })


def _audit_export(user, kind: str, details: dict, target=None) -> None:
    """Exports are security events (security req. 12): who took which data out, in its own transaction."""
    with transaction.atomic():
        audit_record(AuditEventType.DATA_EXPORTED, actor=user, target=target, target_label=kind,
                     articles=["Art 17", "Art 33"], details={"export": kind, **details})


@staff_required
@require_GET
def batch_report(request, pk: int):
    """The rejection report (CSV, UTF-8 with BOM) written by the pipeline's report writer."""
    batch = _own_batch(request.user, pk)
    if batch.status != BatchStatus.DONE or not batch.rejected:
        raise Http404
    _audit_export(request.user, "rejection-report", {"batch": batch.pk, "rows": batch.rejected}, target=batch)
    descriptor, name = tempfile.mkstemp(prefix="rejections-", suffix=".csv")
    os.close(descriptor)
    try:
        batch_report_write(batch, name)
        handle = open(name, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        os.unlink(name)  # the open handle keeps the content until the response is sent
    return FileResponse(handle, as_attachment=True, filename=f"rejections-batch-{batch.pk}.csv",
                        content_type="text/csv; charset=utf-8")


# --- quality ------------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else str(int(value))


CHART_WIDTH = 720
CHART_LABEL_WIDTH = 250
CHART_BAR_WIDTH = 380
CHART_ROW_HEIGHT = 30
CHART_BAR_HEIGHT = 18
CHART_LABEL_CHARS = 16


def bar_chart(chart_id: str, title: str, description: str, bars: list[tuple[str, float, str]],
              maximum: float) -> dict | None:
    """A horizontal bar chart as the template draws it: (label, value, value as shown) per bar."""
    if not bars:
        return None
    rows = []
    for index, (label, value, shown) in enumerate(bars):
        y = 10 + index * CHART_ROW_HEIGHT
        width = 0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * CHART_BAR_WIDTH
        rows.append({
            "label": label,
            "short_label": label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…",
            "shown": shown,
            "y": y,
            "text_y": y + CHART_BAR_HEIGHT - 4,
            "width": round(width, 1),
            "value_x": round(CHART_LABEL_WIDTH + width + 6, 1),
        })
    return {
        "id": chart_id, "title": title, "description": description, "rows": rows,
        "width": CHART_WIDTH, "height": 20 + len(bars) * CHART_ROW_HEIGHT, "label_x": CHART_LABEL_WIDTH - 8,
        "bar_x": CHART_LABEL_WIDTH, "bar_height": CHART_BAR_HEIGHT,
    }


def _charts(report: QualityReport) -> list[dict]:
    scored = [d for d in report.ranking if d.score is not None]
    received = [d for d in report.ranking if d.received]
    measured = [d for d in report.ranking if d.timeliness.measured]
    see_table = _("The same numbers are in the ranking table below.")
    charts = [
        bar_chart(
            "chart-score", _("Composite score by department"),
            _("Horizontal bars, 0 to 100, best first: %(values)s. %(see)s") % {
                "values": "；".join(f"{d.provider_name} {d.score:.1f}" for d in scored), "see": see_table},
            [(d.provider_name, d.score, f"{d.score:.1f}") for d in scored], 100,
        ),
        bar_chart(
            "chart-rejection", _("Rejection rate by department"),
            _("Horizontal bars, share of the rows received that were rejected: %(values)s. %(see)s") % {
                "values": "；".join(f"{d.provider_name} {_pct(d.rejection_rate)}" for d in received),
                "see": see_table},
            [(d.provider_name, d.rejection_rate, _pct(d.rejection_rate)) for d in received],
            max([d.rejection_rate for d in received] + [0.0001]),
        ),
        bar_chart(
            "chart-timeliness", _("Double publicity records received within the deadline"),
            _("Horizontal bars, share of the records received within the deadline: %(values)s. %(see)s") % {
                "values": "；".join(f"{d.provider_name} {_pct(d.timeliness.share_within)}" for d in measured),
                "see": see_table},
            [(d.provider_name, d.timeliness.share_within, _pct(d.timeliness.share_within)) for d in measured], 1,
        ),
    ]
    return [c for c in charts if c is not None]


def _row_view(r) -> dict:
    t = r.timeliness
    return {
        "row": r,
        "rejection_rate": _pct(r.rejection_rate),
        "share_within": _pct(t.share_within) if t.measured else "—",
        "median": _num(t.median),
        "maximum": _num(t.maximum),
        "completeness": _pct(r.completeness),
    }


def _department_view(d) -> dict:
    return {
        **_row_view(d),
        "score": "—" if d.score is None else f"{d.score:.1f}",
        "components": [(COMPONENT_LABELS[name], _pct(d.components.get(name))) for name in WEIGHTS],
    }


def _quality_filters(request):
    scope = quality_scope(request.user)
    if scope is None:
        raise PermissionDenied
    return scope, QualityFilterForm(request.GET, items=items_in_force())


def _quality_report(scope, form) -> QualityReport:
    date_from, date_to, code = form.period()
    return quality_report(date_from=date_from, date_to=date_to, item_code=code, provider_ids=scope.provider_ids)


@staff_required
@require_GET
def quality(request):
    scope, form = _quality_filters(request)
    report = _quality_report(scope, form)
    return render(request, "ingestion/quality.html", {
        "form": form,
        "scope": scope,
        "report": report,
        "rows": [_row_view(r) for r in report.rows],
        "ranking": [_department_view(d) for d in report.ranking],
        "charts": _charts(report),
        "weights": [(COMPONENT_LABELS[name], weight) for name, weight in WEIGHTS.items()],
        "export_query": request.GET.urlencode(),
    })


QUALITY_EXPORT_KIND = "ingestion-quality"
QUALITY_EXPORT_LABEL = gettext_lazy("Data quality workbook")


@staff_required
@require_GET
def quality_export(request):
    """The quality page's export asks for a bulk export of the same selection (a second approver follows)."""
    _scope, form = _quality_filters(request)
    if not form.is_valid():
        return HttpResponseRedirect(f"{reverse('ingestion:quality')}?{request.GET.urlencode()}")
    query = request.GET.copy()
    query["kind"] = QUALITY_EXPORT_KIND
    return HttpResponseRedirect(f"{reverse('exports:new')}?{query.urlencode()}")


@dataclass(frozen=True)
class _Workbook:
    content: bytes
    content_type: str
    filename: str
    rows: int


def _quality_selection(user, parameters: dict):
    scope = quality_scope(user)
    if scope is None:
        raise NotFoundOrForbidden()
    form = QualityFilterForm(parameters, items=items_in_force())
    if not form.is_valid():
        raise ServiceError("invalid_filter", _("The filters of the export are not valid."))
    return scope, form


def quality_export_describe(user, parameters: dict) -> str:
    """What a requested quality export holds, in words for the approver."""
    _scope, form = _quality_selection(user, parameters)
    date_from, date_to, code = form.period()
    item = f"，{code}" if code else ""
    return f"{QUALITY_EXPORT_LABEL}（{date_from:%Y-%m-%d}—{date_to:%Y-%m-%d}{item}）XLSX"


def quality_export_produce(user, parameters: dict) -> _Workbook:
    scope, form = _quality_selection(user, parameters)
    report = _quality_report(scope, form)
    content = quality_workbook(report)
    _audit_export(user, "quality-xlsx", {"from": report.date_from.isoformat(), "to": report.date_to.isoformat()})
    return _Workbook(content, XLSX_CONTENT_TYPE, f"quality-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx",
                     len(report.rows))
