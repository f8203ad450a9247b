"""Pages: the public search and organization pages (Art 18, 21), the subject's own information,
authorizations and "who read my data" (Art 21, 29), and the console's official query and statistics.

Public pages are rate-limited per client address before any work (security req. 26). Every refusal of a
non-public read is the platform's ordinary 404 page, whatever the reason (security req. 7, 8).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.catalog.choices import InformationKind
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.masking import mask_identifier
from xinyong.disclosure import ratelimit
from xinyong.disclosure.access import (
    GOVERNMENT_KINDS,
    access_public_profile,
    access_subject_information,
)
from xinyong.disclosure.choices import AuthorizationStatus, QueryMode
from xinyong.disclosure.forms import (
    AuthorizationForm,
    ConfirmAuthorizationForm,
    OfficialQueryForm,
    OrganizationSearchForm,
    PublicViewForm,
    StatisticsForm,
)
from xinyong.disclosure.search import organization_by_uscc, organization_search, search_query_problem
from xinyong.disclosure.selectors import (
    authorization_in_force,
    authorizations_of_subject,
    query_statistics,
    reads_of_subject,
)
from xinyong.disclosure.services import (
    access_authorization_by_id,
    account_subject,
    authorization_confirm,
    authorization_draft,
    authorization_revoke,
)
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import subject_find_by_identifier, subject_restrict
from xinyong.subjects.services import validated_identifier
from xinyong.web.views import staff_required, subject_required


def _limited_page(request):
    verdict = ratelimit.rate_limit_hit(request, ratelimit.PUBLIC)
    if verdict.allowed:
        return None
    response = render(request, "disclosure/rate_limited.html", {"retry_after": verdict.retry_after}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


# --- public -------------------------------------------------------------------------------------------------


def search(request):
    limited = _limited_page(request)
    if limited is not None:
        return limited
    form = OrganizationSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    problem = search_query_problem(query) if query else None
    results = organization_search(query, page=_page_number(request)) if query and not problem else None
    return render(
        request,
        "disclosure/search.html",
        {"search_form": form, "query": query, "problem": problem, "results": results},
    )


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def organization(request, uscc):
    limited = _limited_page(request)
    if limited is not None:
        return limited
    try:
        profile = access_public_profile(organization_by_uscc(uscc))
    except NotFoundOrForbidden:
        raise Http404 from None
    # Entries of the red and black lists decided under the listing procedure (Art 22, 24), as published.
    from xinyong.lists.selectors import public_list_entries

    list_entries = public_list_entries(profile.subject, profile.on)
    return render(request, "disclosure/organization.html",
                  {"profile": profile, "subject": profile.subject, "list_entries": list_entries})


# --- the subject's account (Art 21, 29) ---------------------------------------------------------------------


def _subject_or_404(request):
    subject = account_subject(request.user)
    if subject is None:
        raise Http404
    return subject


@subject_required
def account_information(request):
    """The subject's own information with sources and reasons for changes (Art 29); a logged self read."""
    subject = _subject_or_404(request)
    try:
        info = access_subject_information(
            requester=request.user, subject=subject, mode=QueryMode.SELF, purpose=str(_("own information")),
            channel="portal",
        )
    except NotFoundOrForbidden:
        raise Http404 from None
    return render(request, "disclosure/account_information.html", {"subject": subject, "info": info})


@subject_required
@require_http_methods(["GET", "POST"])
def account_authorizations(request):
    subject = _subject_or_404(request)
    form = AuthorizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authorization = authorization_draft(
                account=request.user,
                grantee_uscc=form.cleaned_data["grantee_uscc"],
                categories=form.cleaned_data["categories"],
                purpose=form.cleaned_data["purpose"],
                valid_until=form.cleaned_data["valid_until"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return HttpResponseRedirect(reverse("disclosure:authorization-confirm", args=[authorization.pk]))
    authorizations = [
        (a, authorization_in_force(a), [str(InformationKind(c).label) for c in a.categories])
        for a in authorizations_of_subject(subject)
    ]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "disclosure/account_authorizations.html",
        {"subject": subject, "form": form, "authorizations": authorizations},
        status=status,
    )


@subject_required
@require_http_methods(["GET", "POST"])
def authorization_confirm_view(request, pk):
    try:
        authorization = access_authorization_by_id(request.user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    form = ConfirmAuthorizationForm(request.POST or None)
    if request.method == "POST" and authorization.status == AuthorizationStatus.PENDING and form.is_valid():
        try:
            authorization_confirm(account=request.user, authorization_id=authorization.pk)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The authorization is in force. You can revoke it at any time."))
            return HttpResponseRedirect(reverse("disclosure:account-authorizations"))
    return render(
        request,
        "disclosure/authorization_confirm.html",
        {"authorization": authorization, "form": form, "in_force": authorization_in_force(authorization)},
    )


@subject_required
@require_POST
def authorization_revoke_view(request, pk):
    try:
        authorization_revoke(account=request.user, authorization_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The authorization is revoked. Queries under it are refused from now on."))
    return HttpResponseRedirect(reverse("disclosure:account-authorizations"))


@subject_required
def account_reads(request):
    """Who read my data (Art 29): every non-public read of the subject's information, newest first."""
    subject = _subject_or_404(request)
    return render(request, "disclosure/account_reads.html", {"subject": subject, "reads": reads_of_subject(subject)})


# --- console ------------------------------------------------------------------------------------------------


@staff_required
def console_statistics(request):
    if not has_permission(request.user, Permission.VIEW_QUERY_STATS):
        raise PermissionDenied
    form = StatisticsForm(request.GET or None)
    start, end = form.period()
    stats = query_statistics(request.user, start=start, end=end)
    return render(request, "disclosure/console_statistics.html", {"form": form, "stats": stats})


@staff_required
@require_http_methods(["GET", "POST"])
def console_official_query(request):
    """An official query (依职权查询, Art 21): staff of a government body, a stated purpose, a subject within
    the jurisdiction. The identifier is posted, never put in a URL; the read is logged."""
    user = request.user
    if not has_permission(user, Permission.QUERY_OFFICIAL) or user.organization.kind not in GOVERNMENT_KINDS:
        raise PermissionDenied
    form = OfficialQueryForm(request.POST or None)
    info = None
    refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            identifier = validated_identifier(data["identifier_type"], data["identifier"])
        except ServiceError as exc:
            form.add_error("identifier", exc.message)
        else:
            subject = subject_find_by_identifier(data["identifier_type"], identifier)
            try:
                info = access_subject_information(
                    requester=user, subject=subject, mode=QueryMode.OFFICIAL, purpose=data["purpose"],
                    categories=data["categories"] or None, channel="console",
                    subject_label=mask_identifier(data["identifier_type"], identifier),
                )
            except NotFoundOrForbidden:
                refused = True
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if form.is_bound:
        # The identifier typed (maybe an ID number) is never sent back in the page (security req. 10).
        form.data = form.data.copy()
        form.data["identifier"] = ""
    return render(
        request, "disclosure/console_official_query.html", {"form": form, "info": info, "refused": refused},
        status=404 if refused else 200,
    )


def _organization_in_reach(user, pk) -> Subject | None:
    """An organization (never a person: the public page shows none, Art 19) within the user's jurisdiction."""
    if not pk:
        return None
    return subject_restrict(user).filter(pk=pk).exclude(kind="natural_person").first()


@staff_required
@require_http_methods(["GET", "POST"])
def console_public_view(request):
    """What an organization's public page showed on a day, as the platform knew it then (Art 28, 30): for staff
    handling objections and disputes. The read is an official query through the access function (purpose
    stated, jurisdiction checked, logged, the subject told); the code is posted, never put in a URL."""
    user = request.user
    if (not has_permission(user, Permission.VIEW_PUBLIC_HISTORY) or not has_permission(user, Permission.QUERY_OFFICIAL)
            or user.organization is None or user.organization.kind not in GOVERNMENT_KINDS):
        raise PermissionDenied
    try:
        preset = _organization_in_reach(user, int(request.GET.get("subject") or 0))
    except ValueError:
        preset = None
    form = PublicViewForm(request.POST or None, initial={"subject": preset.pk if preset else None})
    info = None
    refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subject, label = None, ""
        try:
            if data["subject"]:
                preset = _organization_in_reach(user, data["subject"])
                subject, label = preset, f"#{data['subject']}"
            else:
                value = validated_identifier("uscc", data["uscc"])
                subject = organization_by_uscc(value)
                label = mask_identifier("uscc", value)
            info = access_subject_information(
                requester=user, subject=subject, mode=QueryMode.OFFICIAL, purpose=data["purpose"],
                channel="console", subject_label=label, as_public_on=data["on"],
            )
        except NotFoundOrForbidden:
            refused = True
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else "uscc", exc.message)
    return render(
        request, "disclosure/console_public_view.html",
        {"form": form, "preset": preset, "info": info, "view": info.public_view if info else None, "refused": refused},
        status=404 if refused else 200,
    )
