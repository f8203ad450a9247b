"""Notices, contact details and the delivery outbox (Art 24, 29; security req. 19).

A `Notice` is one entry of an inbox: addressed either to a credit subject (every portal account linked to the
subject through `SubjectAccount` sees it) or to an organization (its staff see it in the console). Every
notice reaches the inbox; a copy goes by email or text message to each recipient account that has given an
address and turned that channel on (`ContactDetails`). Each copy is one `OutboxMessage`, sent after the
notice's transaction commits and retried until it is sent or given up (`xinyong.notifications.services`).

Addresses are personal information: they are stored SM4-GCM sealed (`SealedIdentifierField`, re-sealed on key
rotation like every identifier) and shown masked outside the owner's own settings page. Nothing here is ever
deleted: the tables refuse DELETE at the database level (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.core.fields import SealedIdentifierField
from xinyong.notifications.choices import Channel, NoticeKind, OutboxStatus


class Notice(models.Model):
    """One notice in an inbox: to a subject (its portal accounts) or to an organization (its staff), never both.

    `title` and `body` are plain text written when the notice is made (official communications, in Chinese);
    `link` is a site-relative URL of the page the notice is about; `target_type`/`target_id` name the object,
    as the audit log does. `read_at` is set the first time any recipient account opens or marks it.
    """

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="notices",
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(_("kind of notice"), max_length=24, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("notice text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    articles = models.JSONField(_("articles"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("read by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="notifications_notice_one_recipient",
                condition=(Q(subject__isnull=False) & Q(organization__isnull=True))
                | (Q(subject__isnull=True) & Q(organization__isnull=False)),
            ),
            models.CheckConstraint(
                name="notifications_notice_read_by_when_read",
                condition=Q(read_by__isnull=True) | Q(read_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="notifications_notice_subject"),
            models.Index(fields=["organization", "-created_at"], name="notifications_notice_org"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ContactDetails(models.Model):
    """Where a portal or staff account wants copies of its notices: an email address and a mobile number,
    both sealed (security req. 19), and which of the two channels are on. One row per account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT,
        related_name="contact_details",
    )
    email = SealedIdentifierField(_("email address (sealed)"), blank=True, default="")
    mobile = SealedIdentifierField(_("mobile phone number (sealed)"), blank=True, default="")
    email_on = models.BooleanField(_("send notices by email"), default=False)
    sms_on = models.BooleanField(_("send notices by text message"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact details")
        verbose_name_plural = _("contact details")

    def __str__(self) -> str:
        return f"{self.user_id}"

    def address_for(self, channel: str) -> str:
        """The address of `channel` if the channel is on, else ""."""
        if channel == Channel.EMAIL:
            return self.email if self.email_on else ""
        if channel == Channel.SMS:
            return self.mobile if self.sms_on else ""
        return ""


class OutboxMessage(models.Model):
    """One delivery of one notice on one channel to one account's address (sealed; masked beside it).

    Pending until sent, retried with backoff after a failure (`next_attempt_at`), failed after the maximum
    number of attempts, and then kept, visible in the console, until staff requeue it. `last_error` says what
    went wrong without ever naming the address.
    """

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient account"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = SealedIdentifierField(_("address (sealed)"))
    address_masked = models.CharField(_("address (masked)"), max_length=120)
    status = models.CharField(_("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    requeues = models.PositiveIntegerField(_("times requeued"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel", "recipient"], name="notifications_outbox_one_per_channel"
            ),
            models.CheckConstraint(
                name="notifications_outbox_sent_has_time",
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False),
            ),
        ]
        indexes = [
            # The delivery run's query: only pending rows are in it, so it stays small as sent rows pile up.
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(status=OutboxStatus.PENDING),
                name="notifications_outbox_due",
            ),
            models.Index(fields=["status", "created_at"], name="notifications_outbox_status"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.channel} {self.address_masked}"
