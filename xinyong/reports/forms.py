"""Forms of the report pages: the public verification form (a number or a PDF)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyong.reports.services import MAX_PDF_BYTES, report_number_normalize


class VerificationForm(forms.Form):
    """A report number, or the report's PDF file: one of the two."""

    number = forms.CharField(
        label=_("Report number"), required=False, max_length=64,
        help_text=_("As printed at the top of the report, e.g. XY20260305-K7QM-2D9X-RT5A-8HNP."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    file = forms.FileField(
        label=_("Or upload the report's PDF file"), required=False,
        help_text=_("The file is checked byte for byte against the report the platform issued; it is not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_number(self):
        value = self.cleaned_data["number"].strip()
        if value and report_number_normalize(value) is None:
            raise forms.ValidationError(_("This is not a report number of the platform."), code="invalid")
        return value

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("The file is too large to be a report."), code="too_large")
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("number") and not data.get("file"):
            raise forms.ValidationError(_("Enter a report number or choose the report's PDF file."), code="required")
        return data
