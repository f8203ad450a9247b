"""Forms of the list pages: the public search, and the console's steps of the listing procedure (Art 24)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.core.text import TextField
from xinyong.lists.choices import Decision, EntryState, RemovalReason
from xinyong.subjects.choices import IdentifierTypeChoice


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PublicListSearchForm(forms.Form):
    q = forms.CharField(label=_("Organization name"), max_length=50, required=False)


class EntryFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states")), *EntryState.choices])
    list = forms.ChoiceField(label=_("List"), required=False)

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list"].choices = [("", _("All lists"))] + [(d.code, d.name) for d in definitions]


class ProposeForm(forms.Form):
    list = forms.ChoiceField(label=_("List"))
    identifier_type = forms.ChoiceField(label=_("Identifier type"), choices=IdentifierTypeChoice.choices,
                                        initial=IdentifierTypeChoice.USCC)
    identifier = forms.CharField(label=_("Identifier"), max_length=40)
    reasons = TextField(label=_("Facts and reasons"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                        multiline=True,
                              help_text=_("What the subject did and why it meets the list's inclusion criteria."))
    basis = TextField(label=_("Legal basis applied"), max_length=2000, required=False, multiline=True,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Leave empty to apply the list's legal basis."))

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list"].choices = [(d.code, d.name) for d in definitions]


class NotifyForm(forms.Form):
    served_on = forms.DateField(
        label=_("Notice served on"), widget=DateInput(),
        help_text=_("The day the subject received the notice; the objection window counts working days from it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"served_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reasons = TextField(label=_("Reasons for the decision"), max_length=5000, multiline=True,
                              widget=forms.Textarea(attrs={"rows": 4}))
    statements = TextField(label=_("Statements and objections received"), max_length=5000, required=False,
                           multiline=True,
                                 widget=forms.Textarea(attrs={"rows": 3}))


class RemoveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Removal reason"), choices=RemovalReason.choices)
    note = TextField(label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                     multiline=True,
                           help_text=_("Required for credit repair and revocation: say what was decided and by whom."))
