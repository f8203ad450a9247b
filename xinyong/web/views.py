"""Portal and console shell views (Art 7, 21): public home, logins, console pages, the subject's account.

Pages that need a permission answer 403 with the permission page; the navigation hides them beforehand.
Objects outside a staff member's reach are filtered by the selectors, so they are simply absent.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from xinyong.accounts.choices import AccountKind, Role
from xinyong.accounts.models import Organization
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.subjects.models import SubjectAccount
from xinyong.subjects.selectors import subject_list
from xinyong.web.forms import (
    PortalSearchForm,
    StaffAuthenticationForm,
    SubjectAuthenticationForm,
    SubjectSearchForm,
)

SUBJECT_PAGE_SIZE = 50
ORGANIZATION_PAGE_SIZE = 500


class StaffLoginView(LoginView):
    template_name = "web/staff_login.html"
    authentication_form = StaffAuthenticationForm

    def get_default_redirect_url(self):
        return reverse("web:console-home")


class SubjectLoginView(LoginView):
    template_name = "web/subject_login.html"
    authentication_form = SubjectAuthenticationForm

    def get_default_redirect_url(self):
        return reverse("web:account-home")


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("You have logged out."))
    return HttpResponseRedirect(reverse("web:portal-home"))


def _account_required(kind: AccountKind, login_url_name: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or user.kind != kind:
                return redirect_to_login(request.get_full_path(), reverse(login_url_name))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _account_required(AccountKind.STAFF, "web:staff-login")
subject_required = _account_required(AccountKind.SUBJECT, "web:subject-login")


def _require(user, permission: Permission) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied


def portal_home(request):
    form = PortalSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return render(request, "web/portal_home.html", {"search_form": form, "query": query})


@subject_required
def account_home(request):
    link = (
        SubjectAccount.objects.select_related("subject", "subject__division")
        .filter(user=request.user)
        .first()
    )
    return render(request, "web/account_home.html", {"subject": link.subject if link else None})


@staff_required
def console_home(request):
    user = request.user
    organization = Organization.objects.select_related("division").get(pk=user.organization_id)
    roles = sorted((Role(r) for r in user.role_set()), key=list(Role).index)
    return render(
        request,
        "web/console_home.html",
        {"organization": organization, "jurisdiction": organization.division, "roles": roles},
    )


@staff_required
def console_subjects(request):
    _require(request.user, Permission.VIEW_SUBJECTS)
    form = SubjectSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    subjects = subject_list(request.user, query=query, limit=SUBJECT_PAGE_SIZE)
    return render(
        request,
        "web/console_subjects.html",
        {
            "search_form": form,
            "query": query,
            "subjects": subjects,
            "truncated": len(subjects) >= SUBJECT_PAGE_SIZE,
        },
    )


@staff_required
def console_organizations(request):
    _require(request.user, Permission.VIEW_ORGANIZATIONS)
    organizations = list(
        Organization.objects.select_related("division").order_by("division__code", "name")[
            :ORGANIZATION_PAGE_SIZE
        ]
    )
    return render(
        request,
        "web/console_organizations.html",
        {"organizations": organizations, "truncated": len(organizations) >= ORGANIZATION_PAGE_SIZE},
    )
