"""A bulk export asked for by one staff member and approved, or refused, by another of the same organization."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyong.exports.choices import ExportStatus


class ExportRequest(models.Model):
    """申请 → 同单位另一名有权限的工作人员批准 → 申请人下载一次 (security requirement 26)."""

    kind = models.CharField(_("export"), max_length=64)
    parameters = models.JSONField(_("selection"), default=dict)
    summary = models.CharField(_("what is exported"), max_length=500)
    reason = models.TextField(_("reason"))
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices,
                              default=ExportStatus.REQUESTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    class Meta:
        verbose_name = _("export request")
        verbose_name_plural = _("export requests")
        indexes = [models.Index(fields=["organization", "status"], name="exports_org_status")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
