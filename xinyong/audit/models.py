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
    """One audited action (审计记录), a link of the SM3 hash chain and a leaf of the Merkle tree.

    `seq` is contiguous from 1 (appends are serialized on `AuditChainHead`); `leaf_hash` is the RFC 9162 leaf
    hash of the event's canonical form (its object changes included) and `chain_hash` = HMAC-SM3(chain key,
    previous chain_hash ‖ leaf_hash); the chain key lives outside the database, so rows cannot be forged. The table is append-only at the database level (triggers).
    """

    seq = models.BigIntegerField(_("sequence number"), unique=True)
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    chain_key_id = models.CharField(_("chain key"), max_length=64)
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
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_event_type_display()}"


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



class AuditChainHead(models.Model):
    """The single row holding the last sequence number and chain hash; locking it serializes appends.

    A trigger on the event table advances it with each inserted event, and its own trigger refuses any other
    change (migration 0010), so `xinyong audit verify` can compare the log's last row with it: rows deleted
    from the tail are detected even after the last checkpoint.
    """

    seq = models.BigIntegerField(default=0)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditCheckpoint(models.Model):
    """A signed statement of the log's size and Merkle root (security req. 16), for external witnesses.

    Sizes are not unique: a witness's checkpoint with another root for a size already signed is recorded beside
    it, and verification then reports the fork.
    """

    size = models.BigIntegerField(_("tree size"), db_index=True)
    root_hash = models.CharField(_("root hash"), max_length=64)
    created_at = models.DateTimeField(_("time"))
    key_id = models.CharField(_("signing key"), max_length=64)
    signature = models.TextField(_("SM2 signature"))

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size} {self.root_hash[:12]}"
