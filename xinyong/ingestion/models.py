"""Submission batches and their rejected rows (Art 18–20, 30; security req. 17, 19, 22).

A `Batch` is one submission: a file or an API request from one provider for one catalog item. Nothing is
lost: `received = accepted + rejected + duplicates` for every finished batch, rejected rows are kept with
their reasons until resolved, and a batch is stored atomically (all its records or none).

A file processed in the background is kept encrypted (`upload_name`, `xinyong.ingestion.uploads`) until the
retention period after the batch finished. The process working on a batch holds its lease (`lease_*`,
`xinyong.ingestion.leases`): when the holder dies the lease expires and the batch is taken over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xinyong.ingestion.choices import BatchStatus, Channel, FileFormat


class Batch(models.Model):
    """One submission from a provider department, with its counts, digest and signed receipt."""

    provider = models.ForeignKey(
        "accounts.Organization", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name=_("catalog item"), on_delete=models.PROTECT, related_name="+"
    )
    item_code = models.SlugField(_("catalog item code"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_digest = models.CharField(_("content digest (SM3)"), max_length=64, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices, blank=True)
    encoding = models.CharField(_("encoding detected"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.RECEIVED)
    received = models.PositiveIntegerField(_("rows received"), default=0)
    accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicate rows"), default=0)
    corrected = models.PositiveIntegerField(_("corrections among the accepted"), default=0)
    subjects_created = models.PositiveIntegerField(_("new subjects"), default=0)
    name_mismatches = models.PositiveIntegerField(_("names differing from the registry"), default=0)
    progress_rows = models.PositiveIntegerField(_("rows processed so far"), default=0)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    rule_version = models.CharField(_("rule version"), max_length=32, blank=True)
    # The signed receipt (security req. 17): the audit sequence number of the batch's event and an SM2
    # signature over (batch id, provider, item, counts, digest, seq).
    audit_seq = models.BigIntegerField(_("audit log index"), null=True, blank=True)
    receipt_signature = models.TextField(_("receipt signature (SM2)"), blank=True)
    receipt_key_id = models.CharField(_("receipt signing key"), max_length=64, blank=True)
    # The stored upload (security req. 19, 22): the encrypted file's name in the upload directory, kept until
    # the retention period after the batch finished, then deleted (upload_deleted_at).
    upload_name = models.CharField(_("stored upload"), max_length=80, blank=True)
    upload_bytes = models.PositiveBigIntegerField(_("stored upload size (bytes)"), default=0)
    upload_deleted_at = models.DateTimeField(_("stored upload deleted"), null=True, blank=True)
    # The lease (security req. 22): who is processing the batch, until when (extended by its heartbeat), and
    # the token of that claim; a run whose token is no longer the batch's stores nothing.
    lease_owner = models.CharField(_("processed by"), max_length=128, blank=True)
    lease_token = models.CharField(_("lease token"), max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)

    class Meta:
        verbose_name = _("submission batch")
        verbose_name_plural = _("submission batches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "created_at"], name="ingestion_batch_provider"),
            models.Index(fields=["status", "lease_expires_at"], name="ingestion_batch_lease",
                         condition=Q(status__in=["received", "processing"])),
            models.Index(fields=["finished_at"], name="ingestion_batch_upload_kept",
                         condition=~Q(upload_name="") & Q(upload_deleted_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(
                name="ingestion_batch_nothing_lost",
                condition=~Q(status="done") | Q(received=F("accepted") + F("rejected") + F("duplicates")),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item_code} {self.file_name}"


class RejectedRow(models.Model):
    """One error of one rejected row: the row number, the field, the rule and the row's values (ID numbers
    masked), kept until the provider resolves it (Art 18, 30)."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="rejections")
    row_number = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=64, blank=True)
    code = models.CharField(_("rule"), max_length=64)
    message = models.TextField(_("message"))
    message_en = models.TextField(_("message (English)"), blank=True)
    raw = models.JSONField(_("row values as [header, value] pairs (ID numbers masked)"), default=list)
    # The row's document number when it could be read: a later batch of the same provider and item that
    # accepts this document number resolves the rejection.
    document_number = models.CharField(_("document number"), max_length=200, blank=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_by = models.ForeignKey(
        Batch, verbose_name=_("resolved by batch"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="resolved_rejections",
    )

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["batch", "row_number", "id"]
        indexes = [
            models.Index(fields=["batch", "row_number"], name="ingestion_rejected_row"),
            models.Index(fields=["document_number"], name="ingestion_rejected_document",
                         condition=models.Q(resolved=False)),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.code}"
