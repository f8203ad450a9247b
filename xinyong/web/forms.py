"""Forms of the portal and console shell: the two logins (security requirement 2) and the search boxes."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind

# One message for every refusal: unknown user, wrong password, inactive account, wrong kind of account.
INVALID_LOGIN_MESSAGE = _("The user name or password is incorrect.")


class _KindAuthenticationForm(AuthenticationForm):
    """Authenticates only accounts of one kind; any other answer looks exactly like a wrong password."""

    account_kind: str = AccountKind.STAFF

    error_messages = {"invalid_login": INVALID_LOGIN_MESSAGE, "inactive": INVALID_LOGIN_MESSAGE}

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        # No autofocus: the page starts at the top, so keyboard and screen-reader users meet the skip
        # link and the heading first.
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def confirm_login_allowed(self, user):
        if not user.is_active or user.kind != self.account_kind:
            raise self.get_invalid_login_error()

    def get_invalid_login_error(self):
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class StaffAuthenticationForm(_KindAuthenticationForm):
    account_kind = AccountKind.STAFF


class SubjectAuthenticationForm(_KindAuthenticationForm):
    account_kind = AccountKind.SUBJECT


class SubjectSearchForm(forms.Form):
    """The console's search of credit subjects by name (within the staff member's jurisdiction)."""

    q = forms.CharField(label=_("Name contains"), max_length=50, required=False, strip=True)


class PortalSearchForm(forms.Form):
    """The public search box of the portal; the search itself opens with the disclosure issue (Art 21)."""

    q = forms.CharField(
        label=_("Organization name or unified social credit code"),
        max_length=100,
        required=False,
        strip=True,
        help_text=_("Public search of organizations opens soon; this box does not search yet."),
    )
