"""Forms of the public search, the subject's authorizations, official queries and query statistics."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.catalog.choices import InformationKind
from xinyong.core.text import TextField
from xinyong.disclosure.search import MAX_QUERY_LENGTH
from xinyong.subjects.choices import IdentifierTypeChoice

# Fields the platform sets itself: a form that sends one is refused whole and changes nothing (security req. 9).
AUTHORIZATION_SERVER_OWNED = frozenset(
    {"status", "subject", "subject_id", "grantee", "grantee_id", "confirmed_at", "revoked_at", "revoked_by",
     "created_at", "created_by", "document", "document_digest", "id", "pk"}
)


class OrganizationSearchForm(forms.Form):
    """The public search box: part of an organization's name (two characters or more) or its USCC."""

    q = forms.CharField(
        label=_("Organization name or unified social credit code"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        strip=True,
        help_text=_("Any part of the name of two characters or more, or the full 18-character code."),
    )


class AuthorizationForm(forms.Form):
    """A written authorization the subject drafts; it takes effect only once confirmed (Art 21)."""

    grantee_uscc = forms.CharField(
        label=_("Unified social credit code of the organization you authorize"),
        max_length=30,
        help_text=_("For example the bank that asks for your credit information for a loan."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    categories = forms.MultipleChoiceField(
        label=_("Information categories it may query"),
        choices=InformationKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = TextField(
        label=_("Purpose"), max_length=200, help_text=_("For example: loan application review."),
    )
    valid_until = forms.DateField(
        label=_("Valid until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("valid_until", timezone.localdate() + dt.timedelta(days=90))

    def clean(self):
        owned = sorted(AUTHORIZATION_SERVER_OWNED & set(self.data))
        if owned:
            raise ValidationError(
                _("The platform sets these fields itself; the request was refused: %(fields)s"),
                code="server_owned", params={"fields": ", ".join(owned)},
            )
        return super().clean()


class ConfirmAuthorizationForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read this authorization and grant it."), required=True,
    )


class OfficialQueryForm(forms.Form):
    """An official query (依职权查询, Art 21): the subject by its identifier, and the purpose."""

    identifier_type = forms.ChoiceField(label=_("Identifier type"), choices=IdentifierTypeChoice.choices)
    identifier = forms.CharField(
        label=_("Identifier"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purpose = TextField(
        label=_("Purpose of the query"), max_length=200,
        help_text=_("The duty this query serves, e.g. the case or the decision it prepares. It is logged."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Information categories (none: all)"), choices=InformationKind.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )


class PublicViewForm(forms.Form):
    """What an organization's public page showed on a day (Art 30 disputes): the organization (by its code, or
    chosen from the subjects page), the day and the purpose, which is logged like an official query's."""

    subject = forms.IntegerField(required=False, widget=forms.HiddenInput)
    uscc = forms.CharField(
        label=_("Unified social credit code"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    on = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The page is shown as the platform knew it at the end of this day."),
    )
    purpose = forms.CharField(
        label=_("Purpose of the query"), max_length=200,
        help_text=_("The objection or dispute this serves, e.g. its case number. It is logged and the subject can "
                    "see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise ValidationError(_("The day cannot be in the future."), code="future_date")
        return day

    def clean(self):
        data = super().clean()
        if not data.get("subject") and not (data.get("uscc") or "").strip() and "uscc" not in self.errors:
            self.add_error("uscc", ValidationError(_("Give the organization's unified social credit code."),
                                                   code="required"))
        return data


class StatisticsForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    MAX_DAYS = 366

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=29)
        if start > end:
            start, end = end, start
        return max(start, end - dt.timedelta(days=self.MAX_DAYS)), end
