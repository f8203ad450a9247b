"""The contact settings form: where copies of one's notices go (Art 24, 29)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ContactForm(forms.Form):
    """Email address, mobile number and the two channels; `contact_details_set` checks the rest."""

    email = forms.CharField(
        label=_("Email address"), max_length=254, required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label=_("Mobile phone number"), max_length=20, required=False,
        help_text=_("A mainland China mobile number of 11 digits."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email_on = forms.BooleanField(label=_("Also send my notices by email"), required=False)
    sms_on = forms.BooleanField(label=_("Also send my notices by text message"), required=False)
