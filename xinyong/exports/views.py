"""Console pages of bulk exports under a second approver (security requirement 26), at /console/exports/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.exports.choices import ExportStatus
from xinyong.exports.forms import ExportDecisionForm, ExportRequestForm
from xinyong.exports.kinds import KINDS
from xinyong.exports.selectors import export_for, exports_awaiting, exports_visible_to
from xinyong.exports.services import export_approve, export_download, export_refuse, export_request
from xinyong.web.views import staff_required


def _require_exports(user) -> None:
    if not has_permission(user, Permission.USE_EXPORTS):
        raise PermissionDenied


def _detail_url(export) -> str:
    return reverse("exports:detail", args=[export.pk])


def _field_error(form, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@staff_required
@require_GET
def export_list(request):
    _require_exports(request.user)
    return render(request, "exports/list.html", {
        "awaiting": list(exports_awaiting(request.user)[:100]),
        "exports": list(exports_visible_to(request.user).filter(requested_by=request.user)[:100]),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def export_new(request):
    """Ask for an export of the selection in the address (the filters of the page it was asked from)."""
    _require_exports(request.user)
    kind = KINDS.get(request.GET.get("kind", ""))
    if kind is None:
        raise Http404
    if not kind.allowed(request.user):
        raise PermissionDenied
    parameters = {key: value for key, value in request.GET.items() if key != "kind"}
    form = ExportRequestForm(request.POST or None)
    summary, problem = "", None
    try:
        summary = kind.describe(request.user, dict(parameters))
    except ServiceError as error:
        problem = str(error.message)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            export = export_request(user=request.user, kind=kind.code, parameters=parameters,
                                    reason=form.cleaned_data["reason"])
        except ServiceError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("Your export request is recorded. Another staff member of your "
                                        "organization must approve it before you can download it."))
            return HttpResponseRedirect(_detail_url(export))
    back = reverse(kind.page_url_name) if kind.page_url_name else reverse("exports:list")
    return render(request, "exports/new.html", {
        "kind": kind, "summary": summary, "problem": problem, "form": form,
        "back": f"{back}?{request.GET.urlencode()}" if parameters else back,
    }, status=400 if request.method == "POST" or problem else 200)


@staff_required
@require_GET
def export_detail(request, pk: int):
    _require_exports(request.user)
    try:
        export = export_for(request.user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    return _detail(request, export, ExportDecisionForm())


def _detail(request, export, form, status=200):
    kind = KINDS.get(export.kind)
    may_decide = (export.status == ExportStatus.REQUESTED and export.requested_by_id != request.user.pk
                  and kind is not None and kind.allowed(request.user))
    return render(request, "exports/detail.html", {
        "export": export, "kind": kind, "form": form, "may_decide": may_decide,
        "is_requester": export.requested_by_id == request.user.pk,
        "may_download": export.requested_by_id == request.user.pk and export.status == ExportStatus.APPROVED,
    }, status=status)


@staff_required
@require_POST
def export_decide(request, pk: int):
    _require_exports(request.user)
    try:
        export = export_for(request.user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    form = ExportDecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                export_approve(export=export, approver=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("The export is approved. The requester may download it now."))
            else:
                export_refuse(export=export, approver=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("The export is refused. The requester sees your reason."))
        except NotFoundOrForbidden:
            raise Http404 from None
        except ServiceError as error:
            _field_error(form, error)
        else:
            return HttpResponseRedirect(_detail_url(export))
    return _detail(request, export, form, status=400)


@staff_required
@require_POST
def export_file(request, pk: int):
    _require_exports(request.user)
    try:
        export = export_for(request.user, pk)
        exported = export_download(export=export, user=request.user)
    except NotFoundOrForbidden:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(_detail_url(export))
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "no-store"
    return response
