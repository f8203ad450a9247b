"""Notices and their delivery (Art 24: the subject is told of measures, their basis and remedies; Art 29: the
subject has the right to know how its information is collected and used).

`notice_send` puts one notice in one inbox — a subject's (seen by every portal account linked to it) or an
organization's (seen by its staff) — and `notices_send_bulk` one notice in each of many subjects' inboxes. Both
run inside the caller's transaction (a savepoint when there is one), write one audit record (NOTICE_CREATED,
NOTICES_CREATED), and create one `OutboxMessage` per recipient account and channel the account has turned on.
After the transaction commits, a background task (django-tasks, `tasks.outbox_deliver_task`) tries to send
them; nothing is sent for a transaction that rolls back.

`outbox_deliver_due` (the `xinyong notifications deliver` command, run every minute) sends what is due: each
message in its own short transaction, locked with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL so two
workers never send the same one (SQLite serializes writing transactions). A failed send is recorded (without
the address) and retried after `NOTIFICATION_RETRY_DELAYS`; after `NOTIFICATION_MAX_ATTEMPTS` attempts the
message is failed (audited NOTIFICATION_GAVE_UP) and stays in the console until staff requeue it
(`outbox_requeue`, audited NOTIFICATION_REQUEUED). Delivery is at least once: a worker that dies between the
send and its commit leaves the message pending, and it is sent again.

Reading a notice (`notice_mark_read`) changes nobody's data and is not audited; the notice keeps when it was
first read and by which account. Contact details (`contact_details_set`) are audited (CONTACT_CHANGED), with
the addresses masked in the record.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind
from xinyong.accounts.permissions import (
    NON_GOVERNMENT_KINDS,
    NON_GOVERNMENT_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    has_permission,
)
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.errors import NotFoundOrForbidden, PermissionDenied, ServiceError
from xinyong.core.masking import mask_phone
from xinyong.notifications.channels import Senders, describe_error
from xinyong.notifications.choices import Channel, NoticeKind, OutboxStatus
from xinyong.notifications.models import ContactDetails, Notice, OutboxMessage
from xinyong.notifications.selectors import notices_for_account

logger = logging.getLogger(__name__)

ARTICLES = ["Art 24", "Art 29"]
TITLE_LENGTH = 200
LINK_LENGTH = 300
EMAIL_LENGTH = 254
#: How many ids one bulk audit record names (the count is always complete), and one delivery task carries.
IDS_IN_AUDIT = 1000
IDS_PER_TASK = 500
_IN_CHUNK = 900  # SQLite's bound on the parameters of one statement, with room to spare
_MOBILE = re.compile(r"1[3-9]\d{9}")


# --- helpers ----------------------------------------------------------------------------------------------


def _kind(kind) -> str:
    try:
        return NoticeKind(kind).value
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown kind of notice."), field="kind") from None


def _title(title: str) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise ServiceError("required", _("This field is required."), field="title")
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def _link(link: str) -> str:
    """A site-relative URL ("/account/reads/"): never another site, never a scheme."""
    text = (link or "").strip()
    if not text:
        return ""
    if (
        not text.startswith("/") or text.startswith("//") or "\\" in text or len(text) > LINK_LENGTH
        or any(ch.isspace() or not ch.isprintable() for ch in text)
    ):
        raise ServiceError(
            "invalid_link", _("A notice links to a page of the platform: a path starting with “/”."), field="link"
        )
    return text


def _articles(articles: Iterable[str]) -> list[str]:
    return sorted({str(a).strip() for a in articles or () if str(a).strip()})


def _target(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def mask_email(address: str) -> str:
    """z***@example.com: the first character of the mailbox, the domain."""
    local, _at, domain = (address or "").partition("@")
    if not domain:
        return "*" * min(len(address or ""), 3)
    return f"{local[:1]}***@{domain}"


def mask_address(channel: str, address: str) -> str:
    return mask_email(address) if channel == Channel.EMAIL else mask_phone(address)


def _notice_roles() -> list[str]:
    return sorted(role.value for role, granted in ROLE_PERMISSIONS.items() if Permission.VIEW_NOTICES in granted)


def _channels_on() -> Q:
    return Q(email_on=True) | Q(sms_on=True)


def _subject_contacts(subject_ids: list[int]) -> list[ContactDetails]:
    """Contact details, with a channel on, of the active portal accounts of these subjects."""
    found = []
    for start in range(0, len(subject_ids), _IN_CHUNK):
        found += list(
            ContactDetails.objects.filter(_channels_on(), user__is_active=True, user__kind=AccountKind.SUBJECT,
                                          user__subject_link__subject_id__in=subject_ids[start:start + _IN_CHUNK])
            .select_related("user__subject_link")
        )
    return found


def _organization_contacts(organization) -> list[ContactDetails]:
    """Contact details, with a channel on, of the organization's active staff who may read its notices."""
    if organization.kind in NON_GOVERNMENT_KINDS and Permission.VIEW_NOTICES not in NON_GOVERNMENT_PERMISSIONS:
        return []
    return list(
        ContactDetails.objects.filter(_channels_on(), user__is_active=True, user__kind=AccountKind.STAFF,
                                      user__organization=organization,
                                      user__role_assignments__role__in=_notice_roles())
        .distinct()
    )


def _messages_for(notice: Notice, contacts: Iterable[ContactDetails], now: dt.datetime) -> list[OutboxMessage]:
    messages = []
    for contact in contacts:
        for channel in (Channel.EMAIL, Channel.SMS):
            address = contact.address_for(channel)
            if address:
                messages.append(OutboxMessage(
                    notice=notice, recipient_id=contact.user_id, channel=channel, address=address,
                    address_masked=mask_address(channel, address), next_attempt_at=now, created_at=now,
                ))
    return messages


def _channel_counts(messages: list[OutboxMessage]) -> dict[str, int]:
    return {channel: sum(1 for m in messages if m.channel == channel) for channel in Channel.values}


def _deliver_after_commit(message_ids: list[int]) -> None:
    """Try the deliveries in the background once the transaction has committed (never for a rollback)."""
    ids = [pk for pk in message_ids if pk is not None]
    if not ids:
        return

    def enqueue():
        from xinyong.notifications.tasks import outbox_deliver_task

        for start in range(0, len(ids), IDS_PER_TASK):
            chunk = ids[start:start + IDS_PER_TASK]
            try:
                outbox_deliver_task.enqueue(chunk)
            except Exception:
                # The messages are pending in the outbox: `xinyong notifications deliver` sends them.
                logger.exception("could not start the delivery of %d outbox messages", len(chunk))

    transaction.on_commit(enqueue)


# --- notices ----------------------------------------------------------------------------------------------


def notice_send(
    *, subject=None, organization=None, kind: str, title: str, body: str, link: str = "", target=None,
    articles: Iterable[str] = (), actor=None,
) -> Notice:
    """Put a notice in the inbox of `subject` (its portal accounts) or of `organization` (its staff), exactly
    one of the two, and queue an email or text message for each recipient account with that channel on
    (Art 24, 29). Runs in the caller's transaction; one NOTICE_CREATED audit record; delivery after commit.

    `link` is a site-relative URL; `target` the object the notice is about (recorded as the audit log does);
    `articles` the articles the notice serves."""
    if (subject is None) == (organization is None):
        raise ServiceError(
            "one_recipient", _("A notice goes to one credit subject or to one organization."), field="subject"
        )
    kind = _kind(kind)
    title = _title(title)
    body = (body or "").strip()
    link = _link(link)
    articles = _articles(articles)
    target_type, target_id = _target(target)
    now = timezone.now()
    with transaction.atomic():
        notice = Notice.objects.create(
            subject=subject, organization=organization, kind=kind, title=title, body=body, link=link,
            target_type=target_type, target_id=target_id, articles=articles, created_at=now,
        )
        contacts = _subject_contacts([subject.pk]) if subject is not None else _organization_contacts(organization)
        messages = OutboxMessage.objects.bulk_create(_messages_for(notice, contacts, now))
        audit_record(
            AuditEventType.NOTICE_CREATED, actor=actor, target=notice, target_label=title, articles=articles,
            details={
                "kind": kind, "subject": subject.pk if subject is not None else None,
                "organization": organization.pk if organization is not None else None,
                "target_type": target_type, "target_id": target_id, "link": link,
                "deliveries": _channel_counts(messages),
            },
        )
        _deliver_after_commit([m.pk for m in messages])
    return notice


def notices_send_bulk(
    *, subject_ids: Iterable[int], kind: str, title: str, body: str, link: str = "", articles: Iterable[str] = (),
    actor=None,
) -> int:
    """The same notice in the inbox of each of `subject_ids` (unknown ids are skipped), set-based, with ONE
    NOTICES_CREATED audit record for the call naming the count (Art 29; e.g. new information collected by a
    submission). Returns how many notices were made; nothing is written (and nothing audited) for none."""
    from xinyong.subjects.models import Subject

    kind = _kind(kind)
    title = _title(title)
    body = (body or "").strip()
    link = _link(link)
    articles = _articles(articles)
    wanted = sorted({int(pk) for pk in subject_ids})
    if not wanted:
        return 0
    now = timezone.now()
    with transaction.atomic():
        ids = []
        for start in range(0, len(wanted), _IN_CHUNK):
            ids += Subject.objects.filter(pk__in=wanted[start:start + _IN_CHUNK]).values_list("pk", flat=True)
        ids.sort()
        if not ids:
            return 0
        notices = Notice.objects.bulk_create(
            [Notice(subject_id=pk, kind=kind, title=title, body=body, link=link, articles=articles, created_at=now)
             for pk in ids],
            batch_size=1000,
        )
        if any(n.pk is None for n in notices):  # a backend that cannot return ids from a bulk insert
            by_subject = {}
            for start in range(0, len(ids), _IN_CHUNK):
                by_subject.update(Notice.objects.filter(subject_id__in=ids[start:start + _IN_CHUNK], kind=kind,
                                                        created_at=now).values_list("subject_id", "pk"))
            for notice in notices:
                notice.pk = by_subject[notice.subject_id]
        notice_of = {n.subject_id: n for n in notices}
        messages = []
        for contact in _subject_contacts(ids):
            messages += _messages_for(notice_of[contact.user.subject_link.subject_id], [contact], now)
        messages = OutboxMessage.objects.bulk_create(messages, batch_size=1000)
        audit_record(
            AuditEventType.NOTICES_CREATED, actor=actor, target_label=title, articles=articles,
            details={
                "kind": kind, "count": len(notices), "link": link, "subjects": ids[:IDS_IN_AUDIT],
                "notices": [n.pk for n in notices[:IDS_IN_AUDIT]], "deliveries": _channel_counts(messages),
            },
        )
        _deliver_after_commit([m.pk for m in messages])
    return len(notices)


def notice_mark_read(*, notice: Notice, user) -> Notice:
    """Mark a notice read by one of its recipient accounts (the first reading is kept; later ones change
    nothing). Another recipient's notice raises `NotFoundOrForbidden`, as a missing one does. The first
    reading is audited: for a written prior notice (Art 24) it is the evidence that the subject received it."""
    with transaction.atomic():
        mine = notices_for_account(user).filter(pk=getattr(notice, "pk", None))
        if not mine.exists():
            raise NotFoundOrForbidden()
        if mine.filter(read_at__isnull=True).update(read_at=timezone.now(), read_by=user):
            read = mine.get()
            audit_record(
                AuditEventType.NOTICE_READ, actor=user, target=read, target_label=read.title[:120],
                articles=list(read.articles) or ["Art 29"], details={"kind": read.kind},
            )
            return read
        return mine.get()


# --- contact details --------------------------------------------------------------------------------------


def _normalized_mobile(mobile: str) -> str:
    digits = "".join(ch for ch in (mobile or "") if not ch.isspace() and ch not in "-()")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits and not _MOBILE.fullmatch(digits):
        raise ServiceError(
            "invalid_mobile", _("Enter a mainland China mobile number of 11 digits, such as 13812345678."),
            field="mobile",
        )
    return digits


def _normalized_email(email: str) -> str:
    text = (email or "").strip()
    if not text:
        return ""
    try:
        if len(text) > EMAIL_LENGTH:
            raise ValidationError("too long")
        validate_email(text)
    except ValidationError:
        raise ServiceError("invalid_email", _("Enter a valid email address."), field="email") from None
    local, _at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _contact_snapshot(contact: ContactDetails | None) -> dict | None:
    if contact is None:
        return None
    return {"email": mask_email(contact.email) if contact.email else "",
            "mobile": mask_phone(contact.mobile) if contact.mobile else "",
            "email_on": contact.email_on, "sms_on": contact.sms_on}


def contact_details_set(*, user, email: str, mobile: str, email_on: bool, sms_on: bool) -> ContactDetails:
    """Set where `user` (a portal or staff account) receives copies of its notices, and which channels are on
    (Art 24, 29). A channel can be on only with its address. Addresses are stored sealed (security req. 19)
    and the CONTACT_CHANGED audit record shows them masked. Unchanged details write nothing."""
    if not getattr(user, "pk", None) or not user.is_active or user.kind not in (AccountKind.SUBJECT, AccountKind.STAFF):
        raise PermissionDenied()
    email = _normalized_email(email)
    mobile = _normalized_mobile(mobile)
    email_on, sms_on = bool(email_on), bool(sms_on)
    if email_on and not email:
        raise ServiceError("email_required", _("Give an email address to receive notices by email."), field="email")
    if sms_on and not mobile:
        raise ServiceError(
            "mobile_required", _("Give a mobile number to receive notices by text message."), field="mobile"
        )
    with transaction.atomic():
        contact = ContactDetails.objects.select_for_update().filter(user=user).first()
        before = _contact_snapshot(contact)
        if contact is not None and (contact.email, contact.mobile, contact.email_on, contact.sms_on) == (
            email, mobile, email_on, sms_on
        ):
            return contact
        changed = []
        if contact is None:
            contact = ContactDetails(user=user)
            changed = ["email", "mobile", "email_on", "sms_on"]
        else:
            changed = [name for name, value in (("email", email), ("mobile", mobile), ("email_on", email_on),
                                                ("sms_on", sms_on)) if getattr(contact, name) != value]
        contact.email, contact.mobile, contact.email_on, contact.sms_on = email, mobile, email_on, sms_on
        contact.save()
        audit_record(
            AuditEventType.CONTACT_CHANGED, actor=user, target=contact, target_label=user.username,
            articles=ARTICLES, details={"changed": changed},
            changes=[Change("notifications.contactdetails", str(contact.pk), "create" if before is None else "update",
                            before, _contact_snapshot(contact))],
        )
    return contact


# --- delivery ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery run did: messages sent, failed and due again later, failed and given up."""

    sent: int = 0
    retried: int = 0
    gave_up: int = 0

    def as_line(self) -> str:
        return f"notifications: {self.sent} sent, {self.retried} to retry, {self.gave_up} given up"


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt (the last configured delay repeats)."""
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return dt.timedelta(seconds=delays[min(max(attempts, 1), len(delays)) - 1])


def _deliver_one(messages, cutoff: dt.datetime, fixed_now: dt.datetime | None, senders: Senders) -> str | None:
    """Send the next due message of `messages` in one transaction; None when nothing is due."""
    with transaction.atomic():
        # SKIP LOCKED: a message another worker is sending is not waited for, it is skipped (PostgreSQL).
        # SQLite ignores the clause; its writing transactions run one at a time (BEGIN IMMEDIATE).
        due = messages.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=cutoff)
        if senders.unavailable:  # e.g. the mail server is down: its messages wait for the next run
            due = due.exclude(channel__in=sorted(senders.unavailable))
        message = (
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("notice")
            .order_by("next_attempt_at", "id")
            .first()
        )
        if message is None:
            return None
        at = fixed_now or timezone.now()
        message.attempts += 1
        message.last_attempt_at = at
        try:
            senders.send(message.channel, message.address, message.notice)
        except Exception as error:
            message.last_error = describe_error(error, message.address)
            logger.warning("notification delivery %s (%s to %s) failed, attempt %d: %s", message.pk,
                           message.channel, message.address_masked, message.attempts, message.last_error)
            if message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
                outcome = "gave_up"
            else:
                message.next_attempt_at = at + retry_delay(message.attempts)
                outcome = "retried"
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = at
            outcome = "sent"
        message.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", "next_attempt_at",
                                    "sent_at"])
        if outcome == "gave_up":
            audit_record(
                AuditEventType.NOTIFICATION_GAVE_UP, target=message,
                target_label=f"{message.notice_id} {message.channel} {message.address_masked}",
                articles=message.notice.articles or ARTICLES,
                details={"notice": message.notice_id, "channel": message.channel, "attempts": message.attempts,
                         "error": message.last_error},
            )
        return outcome


def _deliver(messages, *, now: dt.datetime | None, limit: int) -> DeliveryResult:
    cutoff = now or timezone.now()
    counts = {"sent": 0, "retried": 0, "gave_up": 0}
    senders = Senders()
    try:
        for _ in range(max(limit, 0)):
            outcome = _deliver_one(messages, cutoff, now, senders)
            if outcome is None:
                break
            counts[outcome] += 1
    finally:
        senders.close()
    return DeliveryResult(**counts)


def outbox_deliver_due(*, now=None, limit: int = 200) -> DeliveryResult:
    """Send up to `limit` due outbox messages, oldest due first (`xinyong notifications deliver`). `now` is
    the time the run acts at (today's clock by default): what is due by then is sent, retries are scheduled
    from it. Gave-ups are audited (NOTIFICATION_GAVE_UP, the notice's articles)."""
    return _deliver(OutboxMessage.objects.all(), now=now, limit=limit)


def outbox_deliver(*, message_ids: Iterable[int], now=None) -> DeliveryResult:
    """Send those of `message_ids` that are due (the background task after a notice commits)."""
    ids = sorted({int(pk) for pk in message_ids})
    return _deliver(OutboxMessage.objects.filter(pk__in=ids), now=now, limit=len(ids))


def _message_snapshot(message: OutboxMessage) -> dict:
    return {"status": message.status, "attempts": message.attempts, "requeues": message.requeues,
            "address": message.address_masked, "next_attempt_at": message.next_attempt_at.isoformat(),
            "last_error": message.last_error}


def outbox_requeue(*, message: OutboxMessage, actor) -> OutboxMessage:
    """Give a failed delivery a new round of attempts (system administrator, `MANAGE_NOTIFICATIONS`), to the
    address the recipient has now; refused when the recipient has since turned the channel off. Audited
    NOTIFICATION_REQUEUED with before/after (addresses masked); delivery is tried after commit."""
    if not has_permission(actor, Permission.MANAGE_NOTIFICATIONS):
        raise PermissionDenied()
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().filter(pk=getattr(message, "pk", None)).first()
        if locked is None:
            raise NotFoundOrForbidden()
        if locked.status != OutboxStatus.FAILED:
            raise ServiceError("not_failed", _("Only a failed delivery can be sent again."), field="status")
        contact = ContactDetails.objects.filter(user_id=locked.recipient_id).first()
        address = contact.address_for(locked.channel) if contact is not None else ""
        if not address:
            raise ServiceError(
                "channel_off",
                _("The recipient has turned this channel off or removed the address; the notice stays in the inbox."),
                field="channel",
            )
        before = _message_snapshot(locked)
        address_changed = address != locked.address
        locked.address, locked.address_masked = address, mask_address(locked.channel, address)
        locked.status = OutboxStatus.PENDING
        locked.attempts = 0
        locked.requeues += 1
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["address", "address_masked", "status", "attempts", "requeues", "next_attempt_at"])
        audit_record(
            AuditEventType.NOTIFICATION_REQUEUED, actor=actor, target=locked,
            target_label=f"{locked.notice_id} {locked.channel} {locked.address_masked}", articles=ARTICLES,
            details={"notice": locked.notice_id, "channel": locked.channel, "requeues": locked.requeues,
                     "address_changed": address_changed},
            changes=[Change("notifications.outboxmessage", str(locked.pk), "update", before,
                            _message_snapshot(locked))],
        )
        _deliver_after_commit([locked.pk])
    return locked
