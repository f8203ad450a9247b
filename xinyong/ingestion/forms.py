"""Forms of the submission console (Art 18): upload a file for a catalog item; filter the quality page.

The forms check the shape of the input only (an item the department may submit, a supported file type, a
date range). The file's content is the pipeline's business, which refuses or rejects with reasons.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson")
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # a year of a large department's penalties fits well below this
DRY_RUN_MAX_BYTES = 20 * 1024 * 1024  # a dry run is checked while the page waits
DEFAULT_PERIOD_DAYS = 90


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


class SubmissionUploadForm(forms.Form):
    """A file of records for one catalog item the department provides (CSV, XLSX or JSON Lines)."""

    item = forms.ChoiceField(
        label=_("Catalog item"),
        help_text=_("Only the items of the catalog in force that your department provides are listed."),
        error_messages={"required": _("Choose the catalog item the file is for.")},
    )
    file = forms.FileField(
        label=_("File"),
        error_messages={"required": _("Choose the file to submit."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file only, store nothing"),
        required=False,
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GB18030), Excel workbook (.xlsx) or JSON Lines (.jsonl), at most %(size)s MB. "
            "The first row names the columns by field code or by Chinese field name."
        ) % {"size": _megabytes(MAX_UPLOAD_BYTES)}
        self.fields["dry_run"].help_text = _(
            "The rows are validated exactly as in a real submission, but no record, batch or receipt is kept. "
            "A dry run checks files of up to %(size)s MB."
        ) % {"size": _megabytes(DRY_RUN_MAX_BYTES)}
        self.items = {item.code: item for item in items}
        self.fields["item"].choices = [("", _("Choose an item"))] + [
            (item.code, f"{item.name}（{item.code}）") for item in items
        ]

    def clean_item(self):
        code = self.cleaned_data["item"]
        if code not in self.items:
            raise forms.ValidationError(_("Your department does not provide this catalog item."))
        return code

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                _("Upload a CSV, Excel workbook (.xlsx) or JSON Lines (.jsonl) file."), code="file_type"
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB; split it into several files.")
                % {"size": _megabytes(MAX_UPLOAD_BYTES)},
                code="file_size",
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if cleaned.get("dry_run") and upload is not None and upload.size > DRY_RUN_MAX_BYTES:
            self.add_error("dry_run", _("A dry run checks files of up to %(size)s MB; submit a smaller sample.")
                           % {"size": _megabytes(DRY_RUN_MAX_BYTES)})
        return cleaned


class QualityFilterForm(forms.Form):
    """The period (receipt dates, inclusive) and optionally one catalog item."""

    date_from = forms.DateField(label=_("Received from"), widget=_DateInput(),
                                error_messages={"invalid": _("Enter a date such as 2026-03-05.")})
    date_to = forms.DateField(label=_("Received until"), widget=_DateInput(),
                              error_messages={"invalid": _("Enter a date such as 2026-03-05.")})
    item = forms.ChoiceField(label=_("Catalog item"), required=False)

    def __init__(self, data=None, *, items=(), today: dt.date | None = None):
        today = today or timezone.localdate()
        self.default_to = today
        self.default_from = today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        data = data.copy() if data is not None else {}
        if not data.get("date_from"):
            data["date_from"] = self.default_from.isoformat()
        if not data.get("date_to"):
            data["date_to"] = self.default_to.isoformat()
        super().__init__(data)
        self.fields["item"].choices = [("", _("All items"))] + [
            (item.code, f"{item.name}（{item.code}）") for item in items
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return cleaned

    def period(self) -> tuple[dt.date, dt.date, str]:
        """The valid filters, or the defaults when the form was not valid."""
        if self.is_valid():
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"], self.cleaned_data["item"]
        return self.default_from, self.default_to, ""
