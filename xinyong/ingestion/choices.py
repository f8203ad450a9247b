"""Choices for submissions (Art 18–20, 30)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CONSOLE = "console", _("console upload")
    API = "api", _("API")
    COMMAND = "command", _("command line")


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    JSONL = "jsonl", _("JSON Lines")
    JSON = "json", _("JSON records (API)")


class BatchStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    PROCESSING = "processing", _("processing")
    DONE = "done", _("done")
    REFUSED = "refused", _("refused as a whole")  # prohibited or unknown column, unreadable file …
    FAILED = "failed", _("failed; nothing was stored")  # an internal error rolled the batch back
