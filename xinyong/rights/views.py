"""Pages of the subjects' rights (Art 28–31, 33): objections and credit repair in the portal, the deciding
department's case inbox in the console, and the public reputation restoration notices (Art 30 ¶2).

Portal (subject accounts): `/rights/` lists the subject's cases and the information it may object to or apply
to repair; `/rights/objections/new/` and `/rights/repairs/new/` file them (`?record=<id>` or `?entry=<id>`,
the subject's own only: anyone else's answers 404); `/rights/<id>/` is one case with its timeline, outcome,
reasons and remedies. Public: `/rights/reputation-notices/`. Console (`Permission.HANDLE_RIGHTS_CASES`):
`/console/rights/cases/` — the cases of the caller's department, each with the extension and decision forms.
Every step goes through `xinyong.rights.services`, which audits it; a refusal is shown next to its field.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.uploads import upload_limit
from xinyong.disclosure.services import account_subject
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord
from xinyong.rights.choices import CaseKind, Channel, Outcome
from xinyong.rights.forms import (
    CancelForm,
    CaseFilterForm,
    ExtendForm,
    ObjectionDecideForm,
    ObjectionForm,
    RepairDecideForm,
    RepairForm,
    service_error_to_form,
)
from xinyong.rights.page_helpers import (
    case_files,
    case_target_label,
    deadlines,
    extension_maximum,
    inbox_cases,
    may_still_extend,
    open_cases_by_target,
    punishment_question_applies,
    record_field_rows,
    with_targets,
)
from xinyong.rights.selectors import (
    case_for_staff,
    case_of_subject,
    case_timeline,
    cases_of_subject,
    file_of_case,
    may_decide,
    objectionable_items,
    public_reputation_notices,
    repair_eligibility,
    target_of_subject,
)
from xinyong.rights.services import (
    REMEDIES,
    case_cancel,
    case_extend,
    objection_decide,
    objection_file,
    repair_apply,
    repair_decide,
)
from xinyong.web.views import staff_required, subject_required

# --- public -------------------------------------------------------------------------------------------------


def reputation_notices(request):
    """信誉恢复公告 (Art 30 ¶2): published when a listing or a measure rested on wrong information."""
    return render(request, "rights/reputation_notices.html", {"notices": public_reputation_notices()})


# --- the subject's account (Art 28–31) --------------------------------------------------------------------------


def _account_subject_or_404(request):
    subject = account_subject(request.user)
    if subject is None:
        raise Http404
    return subject


def _target_or_404(request, subject) -> CreditRecord | ListEntry:
    """The record (`?record=`) or list entry (`?entry=`) the page is about: the subject's own, else 404."""
    record, entry = request.GET.get("record"), request.GET.get("entry")
    try:
        record = int(record) if record else None
        entry = int(entry) if entry else None
        return target_of_subject(subject, record=record, entry=entry)
    except (ValueError, NotFoundOrForbidden):
        raise Http404 from None


def _target_kwargs(target) -> dict:
    return {"record": target} if isinstance(target, CreditRecord) else {"entry": target}


def _target_context(target) -> dict:
    if isinstance(target, CreditRecord):
        return {"target": target, "target_kind": "record",
                "target_label": f"{target.item.name} {target.document_number}"}
    return {"target": target, "target_kind": "entry",
            "target_label": f"{target.definition.name} {target.number}"}


def _open_case_about(subject, kind: str, target):
    key = (kind, "record" if isinstance(target, CreditRecord) else "entry", target.pk)
    return open_cases_by_target(cases_of_subject(subject)).get(key)


def _case_url(case) -> str:
    return reverse("rights:case", args=[case.pk])


@subject_required
def my_cases(request):
    """我的异议与修复: the subject's cases and the information it may object to or apply to repair."""
    subject = _account_subject_or_404(request)
    cases = with_targets(cases_of_subject(subject))
    for case in cases:
        case.target_name = case_target_label(case)
    items = objectionable_items(subject)
    open_cases = open_cases_by_target(cases)
    records = [
        {"record": r, "objection": open_cases.get((CaseKind.OBJECTION, "record", r.pk)),
         "repair": open_cases.get((CaseKind.REPAIR, "record", r.pk))}
        for r in items.records
    ]
    entries = [
        {"entry": e, "objection": open_cases.get((CaseKind.OBJECTION, "entry", e.pk)),
         "repair": open_cases.get((CaseKind.REPAIR, "entry", e.pk))}
        for e in items.entries
    ]
    return render(request, "rights/my_cases.html", {
        "subject": subject, "cases": cases, "records": records, "entries": entries,
        "deadlines": deadlines(), "today": timezone.localdate(),
    })


def _case_file_limit() -> int:
    return settings.XINYONG_CASE_FILE_MAX_BYTES


@upload_limit(_case_file_limit)
@subject_required
@require_http_methods(["GET", "POST"])
def objection_new(request):
    """提出异议 (Art 28, 30): the item is marked 异议中 at once; the deciding department decides in time."""
    subject = _account_subject_or_404(request)
    target = _target_or_404(request, subject)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = objection_file(
                subject=subject, **_target_kwargs(target), reasons=data["reasons"],
                requested_change=data["requested_change"], evidence=data["evidence"], filed_by=data["filed_by"],
                agent_name=data["agent_name"], power_of_attorney=data["power_of_attorney"],
                applicant=request.user, channel=Channel.PORTAL,
            )
        except NotFoundOrForbidden:
            raise Http404 from None
        except ServiceError as error:
            service_error_to_form(form, error)
        else:
            messages.success(request, _("Your objection %(number)s is filed. The information is marked “objection "
                                        "pending” wherever it is shown until the decision.") % {"number": case.number})
            return HttpResponseRedirect(_case_url(case))
    return render(
        request, "rights/objection_new.html",
        {"form": form, "subject": subject, "open_case": _open_case_about(subject, CaseKind.OBJECTION, target),
         "deadlines": deadlines(), **_target_context(target)},
        status=400 if request.method == "POST" else 200,
    )


@upload_limit(_case_file_limit)
@subject_required
@require_http_methods(["GET", "POST"])
def repair_new(request):
    """申请信用修复 (Art 31): the eligibility first; when eligible, the materials the repair rule asks for."""
    subject = _account_subject_or_404(request)
    target = _target_or_404(request, subject)
    try:
        eligibility = repair_eligibility(subject=subject, **_target_kwargs(target))
    except NotFoundOrForbidden:
        raise Http404 from None
    form = None
    if eligibility.ok:
        form = RepairForm(request.POST or None, request.FILES or None, materials=eligibility.materials)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                case = repair_apply(
                    subject=subject, **_target_kwargs(target), reasons=data["reasons"],
                    materials=form.materials_given(), filed_by=data["filed_by"], agent_name=data["agent_name"],
                    power_of_attorney=data["power_of_attorney"], applicant=request.user, channel=Channel.PORTAL,
                )
            except NotFoundOrForbidden:
                raise Http404 from None
            except ServiceError as error:
                service_error_to_form(form, error)
            else:
                messages.success(request, _("Your credit repair application %(number)s is filed. The information is "
                                            "marked “credit repair in progress” until the decision.")
                                 % {"number": case.number})
                return HttpResponseRedirect(_case_url(case))
    return render(
        request, "rights/repair_new.html",
        {"form": form, "eligibility": eligibility, "subject": subject,
         "open_case": _open_case_about(subject, CaseKind.REPAIR, target), "deadlines": deadlines(),
         **_target_context(target)},
        status=400 if request.method == "POST" and form is not None else 200,
    )


def _subject_case_or_404(request, pk):
    subject = _account_subject_or_404(request)
    try:
        return subject, case_of_subject(subject, pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _case_page(request, case, *, cancel_form=None, status=200):
    return render(request, "rights/case_detail.html", {
        "case": case, "target_name": case_target_label(case), "timeline": case_timeline(case),
        "files": case_files(case), "remedies": REMEDIES, "overdue": case.is_overdue(timezone.localdate()),
        "cancel_form": cancel_form or (CancelForm() if case.is_open else None),
    }, status=status)


@subject_required
def case_detail(request, pk):
    _subject, case = _subject_case_or_404(request, pk)
    return _case_page(request, case)


@subject_required
@require_POST
def case_withdraw(request, pk):
    """The applicant withdraws its own open case; the mark is removed."""
    _subject, case = _subject_case_or_404(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            case_cancel(case=case, user=request.user, reason=form.cleaned_data["reason"])
        except NotFoundOrForbidden:
            raise Http404 from None
        except ServiceError as error:
            service_error_to_form(form, error)
        else:
            messages.success(request, _("Your application %(number)s is withdrawn.") % {"number": case.number})
            return HttpResponseRedirect(_case_url(case))
    return _case_page(request, case, cancel_form=form, status=400)


def _file_response(case_file) -> HttpResponse:
    response = HttpResponse(bytes(case_file.content), content_type=case_file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, case_file.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@subject_required
def case_file(request, pk, file_id):
    _subject, case = _subject_case_or_404(request, pk)
    try:
        return _file_response(file_of_case(case, file_id))
    except NotFoundOrForbidden:
        raise Http404 from None


# --- console (the deciding department) -----------------------------------------------------------------------


def _require_handle(user) -> None:
    if not has_permission(user, Permission.HANDLE_RIGHTS_CASES):
        raise PermissionDenied


def _staff_case_or_404(request, pk):
    _require_handle(request.user)
    try:
        return case_for_staff(request.user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _console_case_url(case) -> str:
    return reverse("rights_console:case", args=[case.pk])


@staff_required
def console_cases(request):
    """The inbox: the department's cases, the earliest deadline first; filters by kind, status, overdue."""
    _require_handle(request.user)
    form = CaseFilterForm(request.GET or None)
    kind = status = ""
    overdue = False
    if form.is_valid():
        kind, status, overdue = form.cleaned_data["kind"], form.cleaned_data["status"], form.cleaned_data["overdue"]
    today = timezone.localdate()
    cases = with_targets(inbox_cases(request.user, kind=kind, status=status, overdue=overdue, on=today)[:500])
    for case in cases:
        case.target_name = case_target_label(case)
        case.overdue_today = case.is_overdue(today)
    return render(request, "rights/console_cases.html",
                  {"filter_form": form, "cases": cases, "truncated": len(cases) >= 500, "today": today})


def _decide_form(case, data=None):
    if case.kind == CaseKind.REPAIR:
        return RepairDecideForm(data)
    rows = record_field_rows(case.record) if case.record_id else None
    return ObjectionDecideForm(data, field_rows=rows or (), ask_wrongful=punishment_question_applies(case),
                               is_record=bool(case.record_id))


def _console_case_page(request, case, *, extend_form=None, decide_form=None, status=200):
    case = case_for_staff(request.user, case.pk)  # as it is now, after a refused step
    deciding = case.is_open and may_decide(request.user, case)
    field_rows = record_field_rows(case.record) if case.record_id else None
    maximum = extension_maximum(case)
    return render(request, "rights/console_case.html", {
        "case": case, "target_name": case_target_label(case), "timeline": case_timeline(case),
        "files": case_files(case), "field_rows": field_rows, "integrity_failed": case.record_id and field_rows is None,
        "overdue": case.is_overdue(timezone.localdate()), "extension_maximum": maximum,
        # A refused step shows its form with the errors; otherwise a form is offered while the step is possible.
        "extend_form": extend_form if extend_form is not None
        else (ExtendForm(maximum=maximum) if deciding and may_still_extend(case) else None),
        "decide_form": decide_form if decide_form is not None else (_decide_form(case) if deciding else None),
    }, status=status)


@staff_required
def console_case(request, pk):
    return _console_case_page(request, _staff_case_or_404(request, pk))


@staff_required
@require_POST
def console_extend(request, pk):
    case = _staff_case_or_404(request, pk)
    form = ExtendForm(request.POST, maximum=extension_maximum(case))
    if form.is_valid():
        try:
            case = case_extend(case=case, days=form.cleaned_data["days"], reason=form.cleaned_data["reason"],
                               actor=request.user)
        except NotFoundOrForbidden:
            raise Http404 from None
        except ServiceError as error:
            service_error_to_form(form, error)
        else:
            messages.success(request, _("The deadline is extended to %(day)s; the applicant is told the reason.")
                             % {"day": (case.due_on.isoformat() if case.due_on else "—") + (
                                 str(_("(provisional: to be recomputed once the holiday schedule is published)"))
                                 if case.due_on_provisional else "")})
            return HttpResponseRedirect(_console_case_url(case))
    return _console_case_page(request, case, extend_form=form, status=400)


@staff_required
@require_POST
def console_decide(request, pk):
    case = _staff_case_or_404(request, pk)
    form = _decide_form(case, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if case.kind == CaseKind.REPAIR:
                repair_decide(case=case, outcome=data["outcome"], reasons=data["reasons"], actor=request.user)
            else:
                objection_decide(case=case, outcome=data["outcome"], reasons=data["reasons"],
                                 corrections=form.corrections() if data["outcome"] == Outcome.CORRECTED else None,
                                 punishment_wrongful=data.get("punishment_wrongful", False), actor=request.user)
        except NotFoundOrForbidden:
            raise Http404 from None
        except ServiceError as error:
            service_error_to_form(form, error)
        else:
            messages.success(request, _("The decision is recorded and the applicant is told the outcome, the reasons "
                                        "and its remedies."))
            return HttpResponseRedirect(_console_case_url(case))
    return _console_case_page(request, case, decide_form=form, status=400)


@staff_required
def console_case_file(request, pk, file_id):
    case = _staff_case_or_404(request, pk)
    try:
        return _file_response(file_of_case(case, file_id))
    except NotFoundOrForbidden:
        raise Http404 from None
