"""Forms of the portal and console shell: the two logins, the staff second factor (security requirements 1,
2, 4; Art 15) and the search boxes."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.authentication import TOTP_DIGITS, client_address, login_password_check
from xinyong.accounts.choices import AccountKind

# One message for every refusal: unknown user, wrong password, inactive account, wrong kind of account,
# locked account, throttled address.
INVALID_LOGIN_MESSAGE = _("The user name or password is incorrect.")
# One message for every refused code: wrong, replayed, expired, or the account locked meanwhile.
INVALID_CODE_MESSAGE = _("The verification code is incorrect or has already been used.")


class _KindAuthenticationForm(AuthenticationForm):
    """Authenticates only accounts of one kind; any other answer looks exactly like a wrong password.

    The check is `login_password_check`: throttling, lockout, timing-equal refusals and auditing
    (security requirements 1, 2, 12). It replaces Django's `authenticate()`, which knows none of these.
    """

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

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            result = login_password_check(
                username=username,
                password=password,
                address=client_address(self.request),
                account_kind=self.account_kind,
            )
            if not result.ok:
                raise self.get_invalid_login_error()
            self.user_cache = result.user
        return self.cleaned_data

    def get_invalid_login_error(self):
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class StaffAuthenticationForm(_KindAuthenticationForm):
    account_kind = AccountKind.STAFF


class SubjectAuthenticationForm(_KindAuthenticationForm):
    account_kind = AccountKind.SUBJECT


class VerificationCodeForm(forms.Form):
    """The 6-digit code of the staff member's authenticator app (security requirement 4)."""

    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 6-digit code your authenticator app shows now."),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self):
        # People copy codes as "123 456": spaces are dropped, anything else but digits is refused here.
        code = re.sub(r"\s+", "", self.cleaned_data["code"])
        if not re.fullmatch(rf"[0-9]{{{TOTP_DIGITS}}}", code):
            raise ValidationError(_("Enter the 6 digits of the code."), code="format")
        return code


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
