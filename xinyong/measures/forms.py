"""Forms of the measures console: the measure catalog, the credit check and case feedback (Art 22–26)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyong.core.text import TextField
from xinyong.lists.forms import DateInput
from xinyong.lists.models import ListDefinition
from xinyong.measures.choices import BasisLevel, MeasureKind, Scenario
from xinyong.measures.services import MAX_CHECK_SUBJECTS
from xinyong.subjects.choices import IdentifierTypeChoice


class CheckForm(forms.Form):
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    reference = TextField(label=_("Matter reference"), max_length=200, required=False,
                                help_text=_("For example the procurement project number."))
    identifier_type = forms.ChoiceField(label=_("Identifier type"), choices=IdentifierTypeChoice.choices,
                                        initial=IdentifierTypeChoice.USCC)
    identifiers = forms.CharField(
        label=_("Identifiers"), required=False, max_length=MAX_CHECK_SUBJECTS * 40,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocapitalize": "characters"}),
        help_text=_("One per line."),
    )
    file = forms.FileField(
        label=_("Or a file"), required=False,
        help_text=_("CSV or XLSX with the columns 证件类型 and 证件号码, or one column 统一社会信用代码; up to 10,000 rows."),
    )

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("identifiers") or "").splitlines() if line.strip()]
        if not lines and not data.get("file"):
            raise forms.ValidationError(_("Enter identifiers or choose a file."))
        if len(lines) > MAX_CHECK_SUBJECTS:
            self.add_error("identifiers", _("At most 10,000 subjects per check."))
        data["lines"] = lines
        return data


class FeedbackForm(forms.Form):
    applied = forms.TypedChoiceField(
        label=_("Was the measure applied?"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Yes, the measure was applied")), ("no", _("No, it was not applied"))],
    )
    applied_on = forms.DateField(label=_("Applied on"), required=False, widget=DateInput())
    note = TextField(label=_("What was done, or why not"), max_length=2000, multiline=True,
                           widget=forms.Textarea(attrs={"rows": 4}))


class MeasureForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeasureKind.choices)
    name = TextField(label=_("Name"), max_length=200)
    content = TextField(label=_("What the measure does"), widget=forms.Textarea(attrs={"rows": 3}), multiline=True)
    basis_level = forms.ChoiceField(label=_("Rank of the legal basis"), choices=[("", "—"), *BasisLevel.choices],
                                    required=False)
    legal_basis = TextField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2}), multiline=True,
        help_text=_("The law, regulation or national rule and its article. Without one the measure is refused (Art 24)."),
    )
    implementing_bodies_note = TextField(label=_("Implementing bodies"), max_length=200)
    scenarios = forms.MultipleChoiceField(label=_("Scenarios"), choices=Scenario.choices,
                                          widget=forms.CheckboxSelectMultiple)
    triggering_lists = forms.ModelMultipleChoiceField(
        label=_("Triggering lists"), queryset=ListDefinition.objects.order_by("order", "code"),
        widget=forms.CheckboxSelectMultiple,
    )
    applies_to_related_persons = forms.BooleanField(
        label=_("Also applies to the related persons recorded with an entry (Art 24)"), required=False
    )
    proportionality_notes = TextField(label=_("Proportionality and relation to the conduct"), required=False,
                                      multiline=True,
                                            widget=forms.Textarea(attrs={"rows": 2}))
