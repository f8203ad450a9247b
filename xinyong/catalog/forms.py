"""Forms of the catalog console (Art 18): start a draft, edit an item and its fields, publish a draft.

The forms check only the shape of the input; the catalog's rules (a draft only, no prohibited field, known
parameters, unambiguous headers) are the services' and come back as `ServiceError`s shown next to the field
they concern.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.models import Organization
from xinyong.catalog.choices import CatalogTier, DisclosureClass, FieldType, ItemRule
from xinyong.catalog.models import Category
from xinyong.catalog.services import FieldData
from xinyong.core.text import TextField
from xinyong.regulation.parameters import all_parameters
from xinyong.subjects.choices import SubjectKind

# Values of a list typed into one box: separated by commas, semicolons or 、 (half- or full-width), or lines.
_LIST_SEPARATOR_RE = re.compile(r"[,，;；、\n]+")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATOR_RE.split(text or "") if part.strip()]


def join_list(values) -> str:
    return "、".join(values or ())


def _description(text: str) -> str:
    """The Chinese part of a parameter description ("中文说明 (English)")."""
    return text.split(" (", 1)[0].strip()


# Which areas of the rules registry each parameter attribute offers (the service accepts any registry name).
PARAMETER_AREAS = {
    "publication_period_parameter": ("publication",),
    "retention_parameter": ("retention",),
    "submission_deadline_parameter": ("publicity",),
}


def parameter_choices(areas: tuple[str, ...] = (), current: str = "") -> list[tuple[str, str]]:
    """Parameters of the registry in `areas` (all when empty), and `current` whatever its area."""
    return [("", _("None"))] + [
        (name, f"{name} — {_description(p.description)}")
        for name, p in all_parameters().items()
        if not areas or name.split(".", 1)[0] in areas or name == current
    ]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DraftForm(forms.Form):
    """Start a new draft of a tier's catalog, as a copy of its published version."""

    tier = forms.ChoiceField(label=_("Tier"), choices=CatalogTier.choices)
    title = TextField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example 承德市公共信用信息补充目录（2027年版）."),
        error_messages={"required": _("Give the draft a title.")},
    )


class ItemForm(forms.Form):
    """The basic attributes of a catalog item (Art 18; domain facts §2)."""

    code = forms.CharField(
        label=_("Item code"),
        max_length=64,
        help_text=_("Lower-case letters, digits and hyphens, e.g. admin-penalty. It stays the same in every version."),
    )
    name = TextField(label=_("Item name"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.order_by("order", "code"))
    conduct = TextField(label=_("Conduct recorded"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                        multiline=True)
    subject_kinds = forms.MultipleChoiceField(
        label=_("Subject kinds"), choices=SubjectKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    disclosure_class = forms.ChoiceField(
        label=_("Disclosure class"), choices=[("", _("Not chosen yet")), *DisclosureClass.choices], required=False
    )
    sharing_scope = forms.CharField(label=_("Sharing scope"), max_length=200, required=False)
    publication_period_parameter = forms.ChoiceField(label=_("Publication period rule"), required=False)
    publication_note = forms.CharField(
        label=_("Publication note"),
        max_length=200,
        required=False,
        help_text=_("What the public is told about how long records are published, e.g. “while the permit is valid”."),
    )
    retention_parameter = forms.ChoiceField(label=_("Retention rule"), required=False)
    submission_deadline_parameter = forms.ChoiceField(label=_("Submission deadline rule"), required=False)
    update_frequency = forms.CharField(label=_("Update frequency"), max_length=100, required=False)
    legal_basis = TextField(label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            multiline=True)
    is_market_information = forms.BooleanField(
        label=_("Market information: collected only with the subject's consent (Art 20)"), required=False
    )
    rules = forms.MultipleChoiceField(
        label=_("Item rules"), choices=ItemRule.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    providers = forms.ModelMultipleChoiceField(
        label=_("Provider departments"),
        queryset=Organization.objects.filter(is_provider=True).order_by("name"),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name, areas in PARAMETER_AREAS.items():
            current = self.initial.get(name) or (self.data.get(name) if self.is_bound else "") or ""
            self.fields[name].choices = parameter_choices(areas, current)
        if editing:
            # The code is what records and files refer to: it cannot change once the item exists.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code of an existing item cannot change.")


class FieldForm(forms.Form):
    """One field (column) of an item."""

    code = forms.CharField(label=_("Field code"), max_length=64)
    name = TextField(label=_("Field name"), max_length=100)
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required for every subject"), required=False)
    required_for = forms.MultipleChoiceField(
        label=_("Required only for"), choices=SubjectKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    aliases = forms.CharField(
        label=_("Aliases"),
        required=False,
        help_text=_("Other column headers files use for this field, separated by 、 or commas."),
    )
    choices = forms.CharField(
        label=_("Allowed values"), required=False, help_text=_("For a choice field, separated by 、 or commas.")
    )
    masked = forms.BooleanField(label=_("Masked when displayed"), required=False)
    max_length = forms.IntegerField(label=_("Maximum length"), required=False, min_value=1)

    def field_data(self) -> FieldData:
        data = self.cleaned_data
        return FieldData(
            code=data["code"],
            name=data["name"],
            field_type=data["field_type"],
            required=data["required"],
            required_for=tuple(data["required_for"]),
            aliases=tuple(split_list(data["aliases"])),
            masked=data["masked"],
            max_length=data["max_length"],
            choices=tuple(split_list(data["choices"])),
        )

    @staticmethod
    def initial_for(item_field) -> dict:
        return {
            "code": item_field.code,
            "name": item_field.name,
            "field_type": item_field.field_type,
            "required": item_field.required,
            "required_for": list(item_field.required_for),
            "aliases": join_list(item_field.aliases),
            "choices": join_list(item_field.choices),
            "masked": item_field.masked,
            "max_length": item_field.max_length,
        }


FieldFormSet = forms.formset_factory(FieldForm, extra=2, can_delete=True, can_order=True)


class PublishForm(forms.Form):
    """Publish a draft: the date it takes effect, and an explicit confirmation."""

    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=_DateInput(),
        error_messages={"required": _("Enter the date."), "invalid": _("Enter a date such as 2026-10-01.")},
    )
    confirm = forms.BooleanField(
        label=_("I have checked the items and their fields. Publishing replaces the version in force; it cannot be undone."),
        error_messages={"required": _("Confirm that you want to publish this version.")},
    )
