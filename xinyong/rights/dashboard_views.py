"""The deadline dashboard of objections and credit repair in the console, mounted at /console/rights/dashboard/
(Art 28, 30, 31, 33 (5)); `Permission.VIEW_RIGHTS_CASES`.

The credit authority's staff see every department's cases, a department's staff their own
(`xinyong.rights.selectors.cases_restrict`): a department filter naming a department one does not see is
refused like an unknown one. The exports (XLSX, CSV) hold the filtered cases and are audited; they are bulk exports,
asked for here and downloaded once another staff member of the organization approved them (xinyong.exports,
security requirement 26).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, QueryDict
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
from xinyong.rights.exports import cases_export, filter_labels
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


EXPORT_KIND = "rights-cases"
EXPORT_LABEL = _("Objection and repair cases of the deadline dashboard")
_FILTER_KEYS = ("kind", "department", "status", "due")


def _export(request, fmt: str):
    """The dashboard's export links ask for a bulk export of the filtered cases (a second approver follows)."""
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseRedirect(f"{reverse('rights_dashboard:dashboard')}?{request.GET.urlencode()}")
    query = QueryDict(mutable=True)
    query.update({"kind": EXPORT_KIND, "format": fmt})
    for key in _FILTER_KEYS:
        if request.GET.get(key):
            query[key] = request.GET[key]
    return HttpResponseRedirect(f"{reverse('exports:new')}?{query.urlencode()}")


def _export_selection(user, parameters: dict) -> tuple[CaseFilters, str, str]:
    fmt = parameters.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise ServiceError("invalid_choice", _("Unknown export format."), field="format")
    form = DashboardFilterForm({k: parameters[k] for k in _FILTER_KEYS if parameters.get(k)},
                               departments=visible_departments(user))
    if not form.is_valid():
        raise ServiceError("invalid_filter", _("The filters of the export are not valid."))
    filters = form.filters()
    return filters, fmt, form.department_names.get(filters.organization_id, "")


def export_describe(user, parameters: dict) -> str:
    """What a requested export of the dashboard holds, in words for the approver."""
    filters, fmt, department = _export_selection(user, parameters)
    labels = filter_labels(filters, department)
    shown = "；".join(f"{name}：{labels[key]}" for key, name in (
        ("kind", _("Kind")), ("department", _("Deciding department")), ("status", _("Status")), ("due", _("Due date")))
        if labels[key])
    return f"{_('Objection and repair cases')}（{shown or _('All')}）{fmt.upper()}"


def export_produce(user, parameters: dict):
    filters, fmt, department = _export_selection(user, parameters)
    return cases_export(user=user, filters=filters, fmt=fmt, on=timezone.localdate(), department_name=department)


@staff_required
@require_GET
def export_xlsx(request):
    return _export(request, "xlsx")


@staff_required
@require_GET
def export_csv(request):
    return _export(request, "csv")
