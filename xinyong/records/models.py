"""Credit records and their revisions (Art 18, 30; security req. 14, 18).

A `CreditRecord` is one piece of public credit information about one subject, filed by one provider under
one catalog item version (pinned). Its content lives in `RecordRevision` rows: the first comes with the
submission, corrections (Art 30) and withdrawals add new ones and never edit old ones. The revision table is
append-only at the database level (migration 0002) and every revision carries an HMAC-SM3 over its
canonical fields, so a byte changed directly in the database is detected on read and the record is not
served (`xinyong.records.integrity`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyong.catalog.choices import DisclosureClass
from xinyong.records.choices import RecordStatus, RevisionSource


class CreditRecord(models.Model):
    """One credit record (信用记录) of a subject, filed under a pinned catalog item version.

    `disclosure_class` and the publication window are server-owned: copied from the item and computed from
    its publication period rule at the decision date, never taken from a submission (security req. 9).
    `(provider, item_code, document_number)` is unique, which makes resubmission idempotent.
    """

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="credit_records"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name=_("catalog item (version filed under)"), on_delete=models.PROTECT,
        related_name="+",
    )
    item_code = models.SlugField(_("catalog item code"), max_length=64)
    provider = models.ForeignKey(
        "accounts.Organization", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+"
    )
    document_number = models.CharField(_("document number"), max_length=200)
    decision_date = models.DateField(_("decision date"))
    disclosure_class = models.CharField(_("disclosure class"), max_length=16, choices=DisclosureClass.choices)
    publication_start = models.DateField(_("published from"), null=True, blank=True)
    # None: no automatic end of publication.
    publication_end = models.DateField(_("published until (exclusive)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    under_objection = models.BooleanField(_("under objection"), default=False)
    under_repair = models.BooleanField(_("under credit repair"), default=False)
    # The name in the submission differs from the registry's: flagged for review, the registry is not changed.
    name_mismatch = models.BooleanField(_("name differs from the registry"), default=False)
    batch = models.ForeignKey(
        "ingestion.Batch", verbose_name=_("submission batch"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="records",
    )
    revision = models.PositiveIntegerField(_("current revision"), default=1)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-decision_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "item_code", "document_number"], name="records_unique_provider_document"
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "status"], name="records_subject_status"),
            models.Index(fields=["item_code", "decision_date"], name="records_item_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.document_number}"


class RecordRevision(models.Model):
    """One revision of a record's content (append-only; Art 30 corrections keep the history).

    `data` holds the normalized field values by field code; ID numbers are stored masked (the subject link
    carries the identity, sealed). The record-level state a revision was written with (subject, item,
    disclosure class, status, dates) is kept beside it, and `integrity` is HMAC-SM3 over all of it
    (security req. 18).
    """

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    subject_id_at = models.BigIntegerField(_("subject id"))
    item_id_at = models.BigIntegerField(_("catalog item id"))
    disclosure_class = models.CharField(_("disclosure class"), max_length=16, choices=DisclosureClass.choices)
    status = models.CharField(_("status"), max_length=16, choices=RecordStatus.choices)
    decision_date = models.DateField(_("decision date"))
    publication_start = models.DateField(_("published from"), null=True, blank=True)
    publication_end = models.DateField(_("published until (exclusive)"), null=True, blank=True)
    data = models.JSONField(_("field values"))
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RevisionSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    integrity = models.CharField(_("integrity (HMAC-SM3)"), max_length=64)
    integrity_key_id = models.CharField(_("integrity key"), max_length=64)
    # A restoration names the damaged revision whose content it restores (security req. 18); signed with it.
    restores = models.PositiveIntegerField(_("restores revision"), null=True, blank=True)

    class Meta:
        verbose_name = _("record revision")
        verbose_name_plural = _("record revisions")
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="records_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} r{self.number}"
