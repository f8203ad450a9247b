"""List pages (Art 22, 24, 31): the published lists on the portal, the subject's notices in its account, and
the console where the credit authority's case handlers take entries through the listing procedure.

Public (no login): `/lists/` shows every published list with its legal basis, inclusion criteria, measures,
exit conditions, duration and responsible body; `/lists/<code>/` the organizations on it today and the latest
published removals. Subject accounts: `/lists/my-notices/` with the written prior notices as PDF. Console
(`Permission.MANAGE_LISTS`, authority or the list's responsible body): `/console/lists/`. Every step goes
through `xinyong.lists.services`, which audits it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.lists.choices import EntryState
from xinyong.lists.forms import (
    DecideForm,
    EntryFilterForm,
    ExtendForm,
    NotifyForm,
    ProposeForm,
    PublicListSearchForm,
    RemoveForm,
)
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import (
    definition_for_manager,
    entries_for_manager,
    entry_for_manager,
    manageable_definitions,
    notice_of_subject,
    notices_of_subject,
    public_entries_of,
    public_list_definition,
    public_list_definitions,
    public_removals_of,
)
from xinyong.lists.services import (
    list_entry_decide,
    list_entry_extend,
    list_entry_notify,
    list_entry_propose,
    list_entry_publish,
    list_entry_remove,
)
from xinyong.regulation.parameters import ParameterError, parameter
from xinyong.subjects.models import SubjectAccount
from xinyong.subjects.selectors import subject_find_by_identifier, subject_restrict
from xinyong.subjects.services import validated_identifier
from xinyong.web.views import staff_required, subject_required


def _duration_months(definition) -> int | None:
    if definition.term_set_by_court:
        return None
    try:
        value = parameter(definition.duration_parameter)
    except ParameterError:
        return None
    return int(value.value) if value.unit == "months" else None


# --- public -------------------------------------------------------------------------------------------------


def list_index(request):
    definitions = public_list_definitions()
    for definition in definitions:
        definition.duration_months = _duration_months(definition)
    return render(request, "lists/index.html", {"definitions": definitions, "on": timezone.localdate()})


def list_detail(request, code):
    try:
        definition = public_list_definition(code)
    except NotFoundOrForbidden:
        raise Http404 from None
    form = PublicListSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    definition.duration_months = _duration_months(definition)
    return render(
        request,
        "lists/detail.html",
        {
            "definition": definition,
            "measures": [m for m in definition.measures.all() if m.is_active],
            "entries": public_entries_of(definition, query=query),
            "removals": public_removals_of(definition),
            "search_form": form,
            "query": query,
            "on": timezone.localdate(),
        },
    )


# --- the subject's account ------------------------------------------------------------------------------------


def _account_subject(request):
    link = SubjectAccount.objects.select_related("subject").filter(user=request.user).first()
    if link is None:
        raise Http404
    return link.subject


@subject_required
def my_notices(request):
    """The written prior notices served on the subject (Art 24), with the state of each listing."""
    subject = _account_subject(request)
    return render(request, "lists/my_notices.html", {"subject": subject, "entries": notices_of_subject(subject)})


def _pdf_response(entry: ListEntry) -> HttpResponse:
    response = HttpResponse(bytes(entry.notice_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{entry.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@subject_required
def my_notice_pdf(request, pk):
    subject = _account_subject(request)
    try:
        entry = notice_of_subject(subject, pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    return _pdf_response(entry)


# --- console ------------------------------------------------------------------------------------------------


def _require_manage(user) -> None:
    if not has_permission(user, Permission.MANAGE_LISTS):
        raise PermissionDenied


def _entry_or_404(user, pk) -> ListEntry:
    try:
        return entry_for_manager(user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _entry_url(entry) -> str:
    return reverse("lists_console:entry", args=[entry.pk])


@staff_required
def console_entries(request):
    _require_manage(request.user)
    definitions = manageable_definitions(request.user)
    form = EntryFilterForm(request.GET or None, definitions=definitions)
    state = definition = ""
    if form.is_valid():
        state, definition = form.cleaned_data["state"], form.cleaned_data["list"]
    entries = entries_for_manager(request.user, state=state, definition=definition)
    return render(request, "lists/console_entries.html",
                  {"filter_form": form, "entries": entries, "definitions": definitions})


@staff_required
@require_http_methods(["GET", "POST"])
def console_propose(request):
    _require_manage(request.user)
    definitions = manageable_definitions(request.user)
    if not definitions:
        raise PermissionDenied
    form = ProposeForm(request.POST or None, definitions=definitions,
                       initial={"list": request.GET.get("list", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            definition = definition_for_manager(request.user, data["list"])
            identifier = validated_identifier(data["identifier_type"], data["identifier"])
            subject = subject_find_by_identifier(data["identifier_type"], identifier)
            if subject is None or not subject_restrict(request.user).filter(pk=subject.pk).exists():
                raise ServiceError("unknown_subject", _("No credit subject has this identifier."), field="identifier")
            entry = list_entry_propose(definition=definition, subject=subject, reasons=data["reasons"],
                                       basis=data["basis"], actor=request.user)
        except NotFoundOrForbidden:
            form.add_error("list", _("You do not keep this list."))
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The listing is proposed. Serve the written prior notice next (Art 24)."))
            return HttpResponseRedirect(_entry_url(entry))
    return render(request, "lists/console_propose.html", {"form": form})


def _entry_page(request, entry, *, notify_form=None, decide_form=None, remove_form=None, extend_form=None,
                status=200):
    entry = entry_for_manager(request.user, entry.pk)
    today = timezone.localdate()
    court = entry.definition.term_set_by_court
    can_decide = entry.state == EntryState.NOTIFIED or (
        entry.state == EntryState.PROPOSED and not entry.definition.requires_prior_notice
    )
    in_force = entry.state in (EntryState.LISTED, EntryState.PUBLISHED)
    can_extend = (court and in_force and not entry.court_term_open
                  and (entry.expires_on is None or today < entry.expires_on))
    return render(
        request,
        "lists/console_entry.html",
        {
            "entry": entry,
            "events": entry.events.order_by("at", "id"),
            "related_persons": entry.related_persons.all(),
            "records": entry.cited_records.select_related("item").order_by("decision_date", "id"),
            "measures": [m for m in entry.definition.measures.all() if m.is_active],
            "notify_form": notify_form or (NotifyForm() if entry.state == EntryState.PROPOSED else None),
            "decide_form": decide_form or (DecideForm(court_term=court) if can_decide else None),
            "extend_form": extend_form or (ExtendForm() if can_extend else None),
            "window_open": entry.objection_window_end is not None and today <= entry.objection_window_end,
            "can_publish": entry.state == EntryState.LISTED,
            "remove_form": remove_form or (RemoveForm(court_list=court) if in_force else None),
        },
        status=status,
    )


@staff_required
def console_entry(request, pk):
    _require_manage(request.user)
    return _entry_page(request, _entry_or_404(request.user, pk))


def _refused(form, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@staff_required
@require_POST
def console_notify(request, pk):
    _require_manage(request.user)
    entry = _entry_or_404(request.user, pk)
    form = NotifyForm(request.POST)
    if form.is_valid():
        try:
            list_entry_notify(entry=entry, served_on=form.cleaned_data["served_on"], actor=request.user)
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The written prior notice is served; the subject can read it in its account."))
            return HttpResponseRedirect(_entry_url(entry))
    return _entry_page(request, entry, notify_form=form, status=400)


@staff_required
@require_POST
def console_decide(request, pk):
    _require_manage(request.user)
    entry = _entry_or_404(request.user, pk)
    form = DecideForm(request.POST, court_term=entry.definition.term_set_by_court)
    if form.is_valid():
        data = form.cleaned_data
        try:
            list_entry_decide(entry=entry, decision=data["decision"], reasons=data["reasons"],
                              statements=data["statements"], actor=request.user, **form.court_term())
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The decision is recorded."))
            return HttpResponseRedirect(_entry_url(entry))
    return _entry_page(request, entry, decide_form=form, status=400)


@staff_required
@require_POST
def console_extend(request, pk):
    """The court's extension of a term on its list (法释〔2017〕7号第二条)."""
    _require_manage(request.user)
    entry = _entry_or_404(request.user, pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            list_entry_extend(entry=entry, note=form.cleaned_data["note"], actor=request.user, **form.court_term())
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The court's extension of the term is recorded."))
            return HttpResponseRedirect(_entry_url(entry))
    return _entry_page(request, entry, extend_form=form, status=400)


@staff_required
@require_POST
def console_publish(request, pk):
    _require_manage(request.user)
    entry = _entry_or_404(request.user, pk)
    try:
        list_entry_publish(entry=entry, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The listing is published on the portal."))
    return HttpResponseRedirect(_entry_url(entry))


@staff_required
@require_POST
def console_remove(request, pk):
    _require_manage(request.user)
    entry = _entry_or_404(request.user, pk)
    form = RemoveForm(request.POST, court_list=entry.definition.term_set_by_court)
    if form.is_valid():
        try:
            list_entry_remove(entry=entry, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
                              actor=request.user)
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The entry is removed and the removal is published."))
            return HttpResponseRedirect(_entry_url(entry))
    return _entry_page(request, entry, remove_form=form, status=400)


@staff_required
def console_notice_pdf(request, pk):
    _require_manage(request.user)
    entry = _entry_or_404(request.user, pk)
    if not entry.notice_pdf:
        raise Http404
    return _pdf_response(entry)
