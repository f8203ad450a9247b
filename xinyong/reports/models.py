"""Issued credit reports (Art 21, 29).

A `Report` keeps exactly what was issued: the canonical content (deterministic JSON of what the PDF shows),
its SM3 digest and SM2 signature, and the PDF file itself with its own digest and signature. The content
holds no plain ID number (identifiers are masked before they reach it), so keeping it is safe and lets
anyone holding a report number or a PDF ask the platform whether it is authentic (`report_verify_number`,
`report_verify_pdf`). Nothing of a report changes after issue except its revocation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xinyong.reports.choices import ReportKind, ReportVariant


class Report(models.Model):
    """One issued credit report (信用报告).

    `number` is human-readable but not guessable (`XY` + issue date + 16 random characters), so a number
    found in the verification page reveals nothing about other reports. `signature` is SM2 over the canonical
    content bytes; `pdf_signature` is SM2 over the number, the content digest and the SM3 digest of the PDF
    file, so a PDF whose bytes were changed after issue — even where the embedded content still verifies —
    is reported as altered. Both signatures name the key (`signature_key_id`), which stays verifiable after a
    rotation (retired keys are kept).
    """

    number = models.CharField(_("report number"), max_length=40)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    variant = models.CharField(_("variant"), max_length=16, choices=ReportVariant.choices)
    kind = models.CharField(_("subject kind"), max_length=8, choices=ReportKind.choices)
    query_mode = models.CharField(_("query mode"), max_length=16)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    requester_label = models.CharField(_("requester account"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("requesting organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    authorization = models.ForeignKey(
        "disclosure.Authorization", verbose_name=_("authorization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until (inclusive)"))
    # no_violation only: [{"kind": "provider" | "category" | "item", "key": …, "label": …}] and the period.
    domains = models.JSONField(_("domains"), default=list, blank=True)
    period_from = models.DateField(_("period from"), null=True, blank=True)
    period_to = models.DateField(_("period to (inclusive)"), null=True, blank=True)
    content = models.TextField(_("canonical content (JSON)"))
    content_digest = models.CharField(_("content digest (SM3)"), max_length=64)
    signature = models.CharField(_("signature (SM2, hex)"), max_length=200)
    signature_key_id = models.CharField(_("signing key"), max_length=64)
    pdf = models.BinaryField(_("PDF file"))
    pdf_digest = models.CharField(_("PDF digest (SM3)"), max_length=64)
    pdf_signature = models.CharField(_("PDF signature (SM2, hex)"), max_length=200)
    revoked = models.BooleanField(_("report revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="reports_report_unique_number"),
            models.CheckConstraint(
                name="reports_report_period_ordered",
                condition=Q(period_from__isnull=True) | Q(period_to__isnull=True) | Q(period_to__gte=F("period_from")),
            ),
            models.CheckConstraint(
                name="reports_report_revoked_has_time", condition=Q(revoked=False) | Q(revoked_at__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "issued_at"], name="reports_subject_issued"),
            models.Index(fields=["requester", "issued_at"], name="reports_requester_issued"),
        ]

    def __str__(self) -> str:
        return self.number
