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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.authentication import (
    FACTOR_PASSWORD,
    FACTOR_TOTP,
    audit_logout,
    client_address,
    login_complete,
    login_second_factor_check,
    pending_login_begin,
    pending_login_get,
    totp_device_enrollment,
    totp_has_confirmed_device,
    totp_provisioning_uri,
)
from xinyong.accounts.choices import AccountKind, Role
from xinyong.accounts.models import Organization
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.subjects.models import SubjectAccount
from xinyong.subjects.selectors import subject_list
from xinyong.web.forms import (
    INVALID_CODE_MESSAGE,
    PortalSearchForm,
    StaffAuthenticationForm,
    SubjectAuthenticationForm,
    SubjectSearchForm,
    VerificationCodeForm,
)

SUBJECT_PAGE_SIZE = 50
ORGANIZATION_PAGE_SIZE = 500


class StaffLoginView(LoginView):
    """The password step of a staff login. It grants nothing: the second factor follows (req. 4; Art 15)."""

    template_name = "web/staff_login.html"
    authentication_form = StaffAuthenticationForm

    def get_default_redirect_url(self):
        return reverse("web:console-home")

    def form_valid(self, form):
        user = form.get_user()
        if self.request.user.is_authenticated and self.request.user.pk != user.pk:
            logout(self.request)  # another account's session must not survive into this login
        pending_login_begin(self.request, user, next_url=self.get_success_url())
        if totp_has_confirmed_device(user):
            return HttpResponseRedirect(reverse("web:staff-login-verify"))
        return HttpResponseRedirect(reverse("web:staff-login-enroll"))


class SubjectLoginView(LoginView):
    """A citizen's or business's login: the password alone, for now (security req. 3; see the docs)."""

    template_name = "web/subject_login.html"
    authentication_form = SubjectAuthenticationForm

    def get_default_redirect_url(self):
        return reverse("web:account-home")

    def form_valid(self, form):
        login_complete(self.request, form.get_user(), factors=[FACTOR_PASSWORD])
        return HttpResponseRedirect(self.get_success_url())


def _pending_or_restart(request):
    """The staff member between the password and the code, or a redirect back to the password step."""
    pending = pending_login_get(request)
    if pending is None:
        messages.warning(
            request, _("Your login has timed out. Please enter your user name and password again.")
        )
        return None, HttpResponseRedirect(reverse("web:staff-login"))
    return pending, None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_login_verify(request):
    """The second step of a staff login: the code of the enrolled authenticator (security req. 4)."""
    pending, restart = _pending_or_restart(request)
    if restart is not None:
        return restart
    user, next_url = pending
    if not totp_has_confirmed_device(user):
        return HttpResponseRedirect(reverse("web:staff-login-enroll"))
    form = VerificationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = login_second_factor_check(
            user=user, code=form.cleaned_data["code"], address=client_address(request), enrolling=False
        )
        if result.ok:
            login_complete(request, user, factors=[FACTOR_PASSWORD, FACTOR_TOTP])
            return HttpResponseRedirect(next_url or reverse("web:console-home"))
        form.add_error(None, INVALID_CODE_MESSAGE)
    return render(request, "web/staff_login_verify.html", {"form": form})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_login_enroll(request):
    """First login of a staff member without an authenticator: add one, prove it with a code (req. 4)."""
    pending, restart = _pending_or_restart(request)
    if restart is not None:
        return restart
    user, next_url = pending
    if totp_has_confirmed_device(user):
        return HttpResponseRedirect(reverse("web:staff-login-verify"))
    device = totp_device_enrollment(user)
    form = VerificationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = login_second_factor_check(
            user=user, code=form.cleaned_data["code"], address=client_address(request), enrolling=True
        )
        if result.ok:
            login_complete(request, user, factors=[FACTOR_PASSWORD, FACTOR_TOTP])
            messages.success(request, _("Your authenticator is set up. You will need a code at every login."))
            return HttpResponseRedirect(next_url or reverse("web:console-home"))
        form.add_error(None, INVALID_CODE_MESSAGE)
    secret = device.secret
    return render(
        request,
        "web/staff_login_enroll.html",
        {
            "form": form,
            # Groups of four are easier to read out and type into an app by hand.
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "provisioning_uri": totp_provisioning_uri(device),
            "account_name": user.username,
        },
    )


@require_POST
def logout_view(request):
    """Log out: the session is deleted server-side at once (security req. 3) and the logout audited."""
    if request.user.is_authenticated:
        audit_logout(request.user, address=client_address(request))
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
    # Imported here: the regulation console's views import this module's decorators.
    from xinyong.regulation.selectors import calendar_missing_year
    from xinyong.regulation.views import may_edit_calendar

    user = request.user
    organization = Organization.objects.select_related("division").get(pk=user.organization_id)
    roles = sorted((Role(r) for r in user.role_set()), key=list(Role).index)
    # Those who keep the calendar are warned from 1 November that next year's is missing (domain facts §11).
    missing_year = calendar_missing_year(timezone.localdate()) if may_edit_calendar(user) else None
    return render(
        request,
        "web/console_home.html",
        {"organization": organization, "jurisdiction": organization.division, "roles": roles,
         "missing_year": missing_year, "calendar_url": reverse("regulation:calendar") if missing_year else ""},
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
            # Link each organization to what its public page showed on a day (Art 30; xinyong.disclosure).
            "public_history": has_permission(request.user, Permission.VIEW_PUBLIC_HISTORY),
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


def bad_request(request, exception=None):
    """The answer to a request Django refused (handler400): a body too large outside its files, too many files or
    fields (xinyong.core.uploads), in the platform's error format under /api/, as a page elsewhere."""
    from django.http import JsonResponse

    from xinyong.core.uploads import request_refusal

    status, code, message = request_refusal(exception) or (400, "bad_request", str(_("The request cannot be processed.")))
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "field": None, "message": message}, status=status)
    return render(request, "400.html", {"message": message, "code": status}, status=status)
