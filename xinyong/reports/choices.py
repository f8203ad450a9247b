"""Choices for credit reports (Art 21)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportVariant(models.TextChoices):
    """What a report shows.

    * full — all the subject's information, for the subject itself (Art 29) or an organization holding its
      written authorization (Art 21);
    * public — only the information disclosed to the public (依法公开);
    * no_violation — the special report that replaces certificates of no violation (无违法违规记录证明): per
      chosen domain, whether adverse records exist in a period.
    """

    FULL = "full", _("full report")
    PUBLIC = "public", _("public information report")
    NO_VIOLATION = "no_violation", _("special report replacing certificates of no violation")


class ReportKind(models.TextChoices):
    """Whom a report is about; always an explicit input, never guessed from an identifier's shape."""

    ORGANIZATION = "org", _("organization")
    PERSON = "person", _("natural person")


class VerificationStatus(models.TextChoices):
    """The outcome of a verification: one status, the first check that failed (or `valid`)."""

    VALID = "valid", _("authentic, unaltered and in force")
    EXPIRED = "expired", _("authentic and unaltered, but past its validity")
    REVOKED = "revoked", _("authentic and unaltered, but revoked")
    NOT_FOUND = "not_found", _("no report with this number")
    UNREADABLE = "unreadable", _("not a report issued by the platform")
    SIGNATURE_INVALID = "signature_invalid", _("the signature does not verify")
    CONTENT_MISMATCH = "content_mismatch", _("the content differs from the issued report")
    ALTERED = "altered", _("the file differs from the issued report")
