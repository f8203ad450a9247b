"""The deadline dashboard of objections and credit repair in the console, mounted at /console/rights/dashboard/
(Art 28, 30, 31, 33 (5)); `Permission.VIEW_RIGHTS_CASES`.

The credit authority's staff see every department's cases, a department's staff their own
(`xinyong.rights.selectors.cases_restrict`): a department filter naming a department one does not see is
refused like an unknown one. The exports (XLSX, CSV) hold the filtered cases and are audited.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import ServiceError
from xinyong.core.masking import mask_name
from xinyong.rights.choices import CaseKind, CaseStatus
from xinyong.rights.dashboard import (
    BUCKETS,
    CASE_LIST_LIMIT,
    CaseFilters,
    bucket_of,
    dashboard,
    filtered_cases,
    visible_departments,
)
from xinyong.rights.exports import cases_export
from xinyong.web.views import staff_required


class DashboardFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    department = forms.TypedChoiceField(label=_("Deciding department"), required=False, coerce=int,
                                        empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    due = forms.ChoiceField(label=_("Due date"), required=False)

    def __init__(self, data=None, *, departments=()):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(CaseKind.choices)
        self.fields["department"].choices = everything + [(str(pk), name) for pk, name in departments]
        self.fields["status"].choices = everything + list(CaseStatus.choices)
        self.fields["due"].choices = everything + [(key, label) for key, label in BUCKETS]
        self.department_names = {pk: name for pk, name in departments}

    def filters(self) -> CaseFilters:
        """The valid filters; nothing filtered when the form is not valid."""
        if not self.is_valid():
            return CaseFilters()
        data = self.cleaned_data
        return CaseFilters(kind=data["kind"], organization_id=data["department"], status=data["status"],
                           due=data["due"])


def _filter_form(request) -> DashboardFilterForm:
    if not has_permission(request.user, Permission.VIEW_RIGHTS_CASES):
        raise PermissionDenied
    return DashboardFilterForm(request.GET or None, departments=visible_departments(request.user))


@staff_required
@require_GET
def dashboard_page(request):
    form = _filter_form(request)
    filters = form.filters()
    today = timezone.localdate()
    summary = dashboard(request.user, on=today, filters=filters)
    cases_qs = filtered_cases(request.user, filters, summary.bounds)
    cases = list(cases_qs[:CASE_LIST_LIMIT])
    labels = dict(BUCKETS)
    for case in cases:
        bucket = bucket_of(case, summary.bounds)
        case.bucket = bucket or ""
        case.bucket_label = labels.get(bucket, "") if bucket else ""
        case.subject_label = mask_name(case.subject.name) if case.subject.is_person else case.subject.name
    organization = getattr(request.user, "organization", None)
    return render(request, "rights/dashboard.html", {
        "form": form,
        "summary": summary,
        "cases": cases,
        "cases_total": cases_qs.count(),
        "case_list_limit": CASE_LIST_LIMIT,
        "own_department_only": organization is None or organization.kind != OrganizationKind.AUTHORITY,
        "export_query": request.GET.urlencode(),
        "today": today,
    }, status=400 if form.is_bound and form.errors else 200)


def _export(request, fmt: str):
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseRedirect(f"{reverse('rights_dashboard:dashboard')}?{request.GET.urlencode()}")
    filters = form.filters()
    try:
        exported = cases_export(user=request.user, filters=filters, fmt=fmt, on=timezone.localdate(),
                                department_name=form.department_names.get(filters.organization_id, ""))
    except ServiceError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_GET
def export_xlsx(request):
    return _export(request, "xlsx")


@staff_required
@require_GET
def export_csv(request):
    return _export(request, "csv")
