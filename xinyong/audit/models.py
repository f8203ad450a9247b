"""Audit records (Art 15, 32, 33; security requirements 12–13).

`AuditEvent` is one audited action. The *actor* is who acted (a user, an API client, or nobody for a
command run by an operator); the *target* is what the action affected (a subject, an organization, an
account). Rows are written only by `xinyong.audit.services.audit_record`, inside the transaction of the
change they describe, so a change without its audit record cannot commit.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyong.audit.choices import AuditEventType, AuditOutcome


class AuditEvent(models.Model):
    """One audited action (审计记录)."""

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    event_type = models.PositiveIntegerField(_("event type"), choices=AuditEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    articles = models.JSONField(_("articles applied"), default=list)
    request_id = models.CharField(_("request id"), max_length=64, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=AuditOutcome.choices)
    details = models.JSONField(_("details"), default=dict)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_event_type_display()}"


class ObjectChange(models.Model):
    """Before/after snapshots of a domain object, written by the service that changed it (NetBox habit)."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="changes")
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    action = models.CharField(_("action"), max_length=16)
    before = models.JSONField(_("before"), null=True)
    after = models.JSONField(_("after"), null=True)

    class Meta:
        verbose_name = _("object change")
        verbose_name_plural = _("object changes")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
