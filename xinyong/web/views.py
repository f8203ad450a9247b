"""Portal and console shell views (Art 7, 21): public home, logins, console home, account home."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from xinyong.accounts.choices import AccountKind
from xinyong.accounts.models import Organization
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.subjects.selectors import subject_list


class _KindAuthenticationForm(AuthenticationForm):
    """Authenticates only accounts of one kind; any other answer looks like a wrong password."""

    account_kind: str = AccountKind.STAFF

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.kind != self.account_kind:
            raise self.get_invalid_login_error()

    def get_invalid_login_error(self):
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"username": self.username_field.verbose_name},
        )


class StaffAuthenticationForm(_KindAuthenticationForm):
    account_kind = AccountKind.STAFF


class SubjectAuthenticationForm(_KindAuthenticationForm):
    account_kind = AccountKind.SUBJECT


class StaffLoginView(LoginView):
    template_name = "web/staff_login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = False

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
    return HttpResponseRedirect(reverse("web:portal-home"))


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or user.kind != AccountKind.STAFF:
            return HttpResponseRedirect(f"{reverse('web:staff-login')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def portal_home(request):
    return render(request, "web/portal_home.html")


def account_home(request):
    user = request.user
    if not user.is_authenticated or user.kind != AccountKind.SUBJECT:
        return HttpResponseRedirect(f"{reverse('web:subject-login')}?next={request.path}")
    subject = user.subject_link.subject
    return render(request, "web/account_home.html", {"subject": subject})


@staff_required
def console_home(request):
    return render(request, "web/console_home.html", {"organization": request.user.organization})


@staff_required
def console_subjects(request):
    if not has_permission(request.user, Permission.VIEW_SUBJECTS):
        return render(request, "web/forbidden.html", status=404)
    query = request.GET.get("q", "").strip()[:50]
    subjects = subject_list(request.user, query=query, limit=50)
    return render(request, "web/console_subjects.html", {"subjects": subjects, "query": query})


@staff_required
def console_organizations(request):
    if not has_permission(request.user, Permission.VIEW_ORGANIZATIONS):
        return render(request, "web/forbidden.html", status=404)
    organizations = Organization.objects.select_related("division").order_by("division__code", "name")[:500]
    return render(request, "web/console_organizations.html", {"organizations": organizations})
