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


def _court_term_fields(form: forms.Form) -> None:
    """The court's term (法释〔2017〕7号第二条): its last day, or no fixed term. The service refuses neither/both."""
    form.fields["court_term_end"] = forms.DateField(
        label=_("Court's term ends on (inclusive)"), required=False, widget=DateInput(),
        help_text=_("The last day of the term the court decided; the entry leaves the list the next day."),
    )
    form.fields["court_term_open"] = forms.BooleanField(
        label=_("No fixed term: listed until the court removes the entry"), required=False,
        help_text=_("Where the court set no term (a debtor able to perform who refuses)."),
    )


class DecideForm(forms.Form):
    """The decision; on the courts' list also the term the court decided (the platform assumes none)."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reasons = TextField(label=_("Reasons for the decision"), max_length=5000, multiline=True,
                              widget=forms.Textarea(attrs={"rows": 4}))
    statements = TextField(label=_("Statements and objections received"), max_length=5000, required=False,
                           multiline=True,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, court_term: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if court_term:
            _court_term_fields(self)

    def court_term(self) -> dict:
        data = self.cleaned_data
        return {"court_term_end": data.get("court_term_end"), "court_term_open": bool(data.get("court_term_open"))}


class ExtendForm(forms.Form):
    """The court's extension of a term on its list (法释〔2017〕7号第二条)."""

    note = forms.CharField(label=_("The court's decision"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("The court and the number of its decision extending the term."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _court_term_fields(self)
        self.order_fields(["court_term_end", "court_term_open", "note"])

    def court_term(self) -> dict:
        data = self.cleaned_data
        return {"court_term_end": data.get("court_term_end"), "court_term_open": bool(data.get("court_term_open"))}


class RemoveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Removal reason"), choices=RemovalReason.choices)
    note = TextField(label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                     multiline=True,
                     help_text=_("Required unless the period ended: say what was decided and by whom."))

    def __init__(self, *args, court_list: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The courts' list: the court removes; credit repair does not apply. Other lists: no court removal.
        left_out = {RemovalReason.REPAIR} if court_list else {RemovalReason.COURT}
        self.fields["reason"].choices = [c for c in RemovalReason.choices if c[0] not in left_out]
