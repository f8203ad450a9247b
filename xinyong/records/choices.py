"""Choices for credit records (Art 18, 30)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordStatus(models.TextChoices):
    """Whether a record may be used. A withdrawn record is kept (no hard delete, Art 32, 33) but never used."""

    ACTIVE = "active", _("active")
    WITHDRAWN = "withdrawn", _("withdrawn")  # basis revoked or filed in error (Art 30)
    ARCHIVED = "archived", _("archived")  # past retention: kept, not queried, not used
    # Credit repair approved (Art 31): publication and sharing stopped; kept for official use as the law allows.
    REPAIRED = "repaired", _("repaired: publication stopped")


class RevisionSource(models.TextChoices):
    """What made a revision: the first submission, a correction (Art 30), a withdrawal, a credit repair (Art 31)
    or the restoration of a damaged revision."""

    SUBMISSION = "submission", _("submission")
    CORRECTION = "correction", _("correction")
    WITHDRAWAL = "withdrawal", _("withdrawal")
    REPAIR = "repair", _("credit repair")  # Art 31: publication stopped
    # A damaged revision's content restored from the audit log or a backup (security req. 18).
    RESTORATION = "restoration", _("restored after damage")
