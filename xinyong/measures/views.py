"""Measures console (Art 22–26, 33): the measure catalog, the credit check for implementing departments, the
measure cases and their feedback (闭环), and the statistics per department and measure.

Mounted at /console/measures/. Every write goes through `xinyong.measures.services` (audited); pages outside a
staff member's permissions answer 403, cases of other departments 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.uploads import check_upload_size, upload_limit
from xinyong.disclosure import ratelimit
from xinyong.measures.choices import MeasureCaseStatus
from xinyong.measures.files import MAX_CHECK_FILE_BYTES, identifiers_from_file
from xinyong.measures.forms import CheckForm, FeedbackForm, MeasureForm
from xinyong.measures.selectors import (
    case_for,
    case_statistics,
    cases_for,
    checks_for,
    measures_published,
)
from xinyong.measures.services import (
    MAX_CHECK_SUBJECTS,
    case_feedback,
    check_subjects,
    measure_save,
    subject_display_name,
)
from xinyong.web.views import staff_required


def _require_any(user, *permissions: Permission) -> None:
    if not any(has_permission(user, p) for p in permissions):
        raise PermissionDenied


@staff_required
def console_catalog(request):
    _require_any(request.user, Permission.MANAGE_MEASURES, Permission.CHECK_SUBJECTS, Permission.VIEW_MEASURE_STATS)
    return render(request, "measures/console_catalog.html", {
        "measures": measures_published(),
        "may_manage": has_permission(request.user, Permission.MANAGE_MEASURES),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def console_measure_new(request):
    _require_any(request.user, Permission.MANAGE_MEASURES)
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measure = measure_save(
                code=data["code"], kind=data["kind"], name=data["name"], content=data["content"],
                basis_level=data["basis_level"], legal_basis=data["legal_basis"],
                implementing_bodies_note=data["implementing_bodies_note"], scenarios=data["scenarios"],
                triggering_lists=data["triggering_lists"],
                applies_to_related_persons=data["applies_to_related_persons"],
                proportionality_notes=data["proportionality_notes"], actor=request.user,
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The measure %(name)s is saved.") % {"name": measure.name})
            return HttpResponseRedirect(reverse("measures:catalog"))
    return render(request, "measures/console_measure_form.html", {"form": form})


@upload_limit(MAX_CHECK_FILE_BYTES)
@staff_required
@require_http_methods(["GET", "POST"])
def console_check(request):
    """信用核查: one subject or a batch, typed in or uploaded; each hit opens a case for this department."""
    _require_any(request.user, Permission.CHECK_SUBJECTS)
    form = CheckForm(request.POST or None, request.FILES or None)
    result = None
    retry_after = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            verdict = ratelimit.rate_limit_hit(request, ratelimit.CHECK)  # per organization (Art 15, 32)
            if not verdict.allowed:
                raise ratelimit.RateLimited(verdict)
            if data["lines"]:
                identifiers = [(data["identifier_type"], line) for line in data["lines"]]
                result = check_subjects(requester=request.user, scenario=data["scenario"], identifiers=identifiers,
                                        channel="console", reference=data["reference"])
            else:
                upload = data["file"]
                check_upload_size(upload, MAX_CHECK_FILE_BYTES)
                read = identifiers_from_file(upload.file, file_name=upload.name, limit=MAX_CHECK_SUBJECTS)
                result = check_subjects(requester=request.user, scenario=data["scenario"],
                                        identifiers=read.identifiers, channel="file", reference=data["reference"],
                                        file_name=read.file_name, file_digest=read.digest)
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
            retry_after = getattr(error, "retry_after", None)
    response = render(request, "measures/console_check.html", {
        "form": form, "result": result, "checks": checks_for(request.user, limit=10),
    }, status=429 if retry_after else 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@staff_required
def console_cases(request):
    _require_any(request.user, Permission.REPORT_FEEDBACK, Permission.VIEW_MEASURE_STATS)
    status = request.GET.get("status", "")
    status = status if status in MeasureCaseStatus.values else ""
    overdue = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    cases = cases_for(request.user, status=status, overdue=overdue, on=today)
    for case in cases:
        case.overdue = case.is_overdue(today)
        case.subject_label = subject_display_name(case.subject.kind, case.subject.name)
    return render(request, "measures/console_cases.html", {
        "cases": cases, "status": status, "overdue": overdue, "statuses": MeasureCaseStatus.choices,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def console_case(request, pk):
    _require_any(request.user, Permission.REPORT_FEEDBACK, Permission.VIEW_MEASURE_STATS)
    try:
        case = case_for(request.user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    may_answer = (
        case.status == MeasureCaseStatus.OPEN and has_permission(request.user, Permission.REPORT_FEEDBACK)
        and case.organization_id == request.user.organization_id
    )
    form = FeedbackForm(request.POST or None) if may_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_feedback(case=case, applied=data["applied"], note=data["note"], applied_on=data["applied_on"],
                              actor=request.user)
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Your feedback is recorded."))
                return HttpResponseRedirect(reverse("measures:case", args=[case.pk]))
    today = timezone.localdate()
    return render(request, "measures/console_case.html", {
        "case": case, "form": form, "overdue": case.is_overdue(today),
        "subject_label": subject_display_name(case.subject.kind, case.subject.name),
    }, status=400 if form is not None and form.errors else 200)


@staff_required
def console_statistics(request):
    _require_any(request.user, Permission.VIEW_MEASURE_STATS)
    rows = case_statistics(request.user)
    totals = {key: sum(getattr(r, key) for r in rows) for key in
              ("total", "open", "applied", "not_applied", "overdue", "late")}
    return render(request, "measures/console_statistics.html", {"rows": rows, "totals": totals})
