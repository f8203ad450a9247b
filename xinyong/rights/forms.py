"""Forms of the rights pages: objections and repair applications in the portal (Art 28, 30, 31), the case
inbox filter and the deciding department's steps in the console.

Forms only shape the input. What the law requires — the power of attorney of an agent, the materials a repair
rule asks for, the extension limits, the corrections — is checked by `xinyong.rights.services`, whose
`ServiceError` the views show next to the field it names (`service_error_to_form`).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyong.core.errors import ServiceError, bilingual
from xinyong.core.text import TextField
from xinyong.rights.choices import (
    OBJECTION_OUTCOMES,
    REPAIR_OUTCOMES,
    CaseKind,
    CaseStatus,
    FiledBy,
    FileKind,
    Outcome,
)

#: At most this many files in one file input (each file is limited in size by the services).
MAX_FILES = 10
ACCEPT = "application/pdf,.pdf,image/png,.png,image/jpeg,.jpg,.jpeg"
TEXT_MAX = 5000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen and none is required)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
            if self.required and not files:
                raise forms.ValidationError(self.error_messages["required"], code="required")
        else:
            files = [single(data, initial)] if data or self.required else []
        files = [f for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(count)s files here.") % {"count": MAX_FILES}, code="too_many_files"
            )
        return files


def _text(label, *, required=True, rows=5, help_text=""):
    return TextField(label=label, max_length=TEXT_MAX, required=required, help_text=help_text, multiline=True,
                     widget=forms.Textarea(attrs={"rows": rows}))


class AgentFieldsMixin(forms.Form):
    """Who files: the subject itself, or an agent with the subject's power of attorney."""

    filed_by = forms.ChoiceField(label=_("Who is filing"), choices=FiledBy.choices, initial=FiledBy.SUBJECT,
                                 widget=forms.RadioSelect)
    agent_name = TextField(label=_("Agent's name"), max_length=100, required=False,
                                 help_text=_("Only when an agent files for the subject."))
    power_of_attorney = forms.FileField(
        label=_("Power of attorney"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Required when an agent files: the power of attorney signed by the subject (PDF, PNG or JPEG)."),
    )


class ObjectionForm(AgentFieldsMixin):
    reasons = _text(_("Facts and reasons"),
                    help_text=_("What is wrong or missing in the information, and why (Art 28, 30)."))
    requested_change = _text(_("What you ask for"), required=False, rows=3,
                             help_text=_("For example the value that is correct, or that the information be withdrawn."))
    evidence = MultipleFileField(
        label=_("Evidence"), required=False,
        help_text=_("Documents that support the objection (PDF, PNG or JPEG; you may choose several files)."),
    )
    field_order = ["reasons", "requested_change", "evidence", "filed_by", "agent_name", "power_of_attorney"]


def material_field_name(material: str) -> str:
    return f"material_{material}"


class RepairForm(AgentFieldsMixin):
    """A repair application with one file input per material the repair rule asks for (Art 31)."""

    reasons = _text(_("How you corrected the conduct and removed its effects"),
                    help_text=_("Describe what you did, for example that the fine was paid and the matter put right."))

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = tuple(materials)
        for material in self.materials:
            self.fields[material_field_name(material)] = MultipleFileField(
                label=FileKind(material).label, required=True,
                help_text=_("Required (PDF, PNG or JPEG; you may choose several files)."),
            )
        self.order_fields(["reasons", *(material_field_name(m) for m in self.materials), "filed_by", "agent_name",
                           "power_of_attorney"])

    def material_fields(self):
        return [self[material_field_name(m)] for m in self.materials]

    def materials_given(self) -> dict[str, list]:
        return {m: self.cleaned_data.get(material_field_name(m)) or [] for m in self.materials}


class CancelForm(forms.Form):
    reason = _text(_("Why you withdraw the application (optional)"), required=False, rows=2)


# --- console --------------------------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *CaseKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *CaseStatus.choices])
    overdue = forms.BooleanField(label=_("Overdue cases only"), required=False)


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Extension (working days)"), min_value=1, max_value=100)
    reason = _text(_("Written reason for the extension"), rows=3,
                   help_text=_("Told to the applicant. The deadline can be extended once (Art 28)."))

    def __init__(self, *args, maximum: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if maximum:
            self.fields["days"].widget.attrs["max"] = maximum
            self.fields["days"].help_text = _("At most %(days)s working days, counted from the current deadline.") % {
                "days": maximum}


def correction_field_name(code: str) -> str:
    return f"field_{code}"


class ObjectionDecideForm(forms.Form):
    """The decision on an objection (Art 30). For a record, the clerk may edit the field values it shows;
    the changed ones are the corrections of a `corrected` outcome."""

    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                choices=[(o.value, o.label) for o in OBJECTION_OUTCOMES])
    reasons = _text(_("Reasons for the decision"), rows=4,
                    help_text=_("Told to the applicant together with its remedies."))
    punishment_wrongful = forms.BooleanField(
        label=_("A listing or a punishment measure rested on the wrong information (Art 30 ¶2)"), required=False,
        help_text=_("The listings citing the information are lifted, the departments that applied measures are "
                    "informed and a notice restoring the subject's reputation is published."),
    )

    def __init__(self, *args, field_rows=(), ask_wrongful: bool = False, is_record: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_rows = [row for row in field_rows if row.editable]
        if not is_record:
            self.fields["outcome"].choices = [(o.value, o.label) for o in OBJECTION_OUTCOMES
                                              if o != Outcome.CORRECTED]
        if not ask_wrongful:
            del self.fields["punishment_wrongful"]
        for row in self.field_rows:
            self.fields[correction_field_name(row.code)] = forms.CharField(
                label=row.name, required=False, initial=row.value, max_length=TEXT_MAX,
            )

    def correction_fields(self):
        return [self[correction_field_name(row.code)] for row in self.field_rows]

    def corrections(self) -> dict[str, str]:
        """The field values the clerk changed, by field code (an emptied field is a change to empty)."""
        changed = {}
        for row in self.field_rows:
            name = correction_field_name(row.code)
            if name not in self.data:  # not sent at all (a browser sends every input): unchanged
                continue
            value = (self.cleaned_data.get(name) or "").strip()
            if value != (row.value or "").strip():
                changed[row.code] = value
        return changed


class RepairDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                choices=[(o.value, o.label) for o in REPAIR_OUTCOMES])
    reasons = _text(_("Reasons for the decision"), rows=4,
                    help_text=_("Told to the applicant together with its remedies."))


# --- service errors next to their field ------------------------------------------------------------------------


def _form_field_for(form: forms.Form, field: str | None) -> str | None:
    if not field:
        return None
    if field in form.fields:
        return field
    if field.startswith("materials."):
        name = material_field_name(field.split(".", 1)[1])
        return name if name in form.fields else None
    name = correction_field_name(field)
    return name if name in form.fields else None


def service_error_to_form(form: forms.Form, error: ServiceError) -> None:
    """Show a refused operation in the form: next to the field it names, else above the form. A rejected
    correction (`RowsRejected`) shows each of its row errors next to the field value it is about."""
    row_errors = getattr(error, "errors", None)
    if row_errors:
        for row_error in row_errors:
            form.add_error(_form_field_for(form, row_error.field),
                           bilingual(row_error.message, row_error.message_en))
        return
    form.add_error(_form_field_for(form, error.field), str(error.message))
