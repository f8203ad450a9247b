"""Reads of notices and of the outbox, restricted to who may see them (Art 24, 29; security req. 7).

A subject's portal account sees the notices addressed to its subject; a staff member or API client holding
`VIEW_NOTICES` sees those addressed to its organization; nobody else sees any. `notice_for_account` raises
`NotFoundOrForbidden` alike for a missing notice and another recipient's.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from xinyong.accounts.choices import AccountKind
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.notifications.choices import OutboxStatus
from xinyong.notifications.models import ContactDetails, Notice, OutboxMessage
from xinyong.subjects.models import SubjectAccount


def account_subject_id(user) -> int | None:
    """The subject a portal account acts as, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or user.kind != AccountKind.SUBJECT:
        return None
    return SubjectAccount.objects.filter(user=user).values_list("subject_id", flat=True).first()


def notices_for_account(user) -> QuerySet[Notice]:
    """The notices `user` may read, newest first (an empty queryset for everyone else)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notice.objects.none()
    if user.kind == AccountKind.SUBJECT:
        subject_id = account_subject_id(user)
        return Notice.objects.filter(subject_id=subject_id) if subject_id else Notice.objects.none()
    if user.organization_id and has_permission(user, Permission.VIEW_NOTICES):
        return Notice.objects.filter(organization_id=user.organization_id)
    return Notice.objects.none()


def notice_for_account(user, pk) -> Notice:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundOrForbidden() from None
    notice = notices_for_account(user).filter(pk=pk).first()
    if notice is None:
        raise NotFoundOrForbidden()
    return notice


def unread_count_for_account(user) -> int:
    return notices_for_account(user).filter(read_at__isnull=True).count()


def contact_details_of(user) -> ContactDetails | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return ContactDetails.objects.filter(user=user).first()


def outbox_counts() -> dict[str, int]:
    """How many deliveries are pending, sent and failed."""
    counts = {status: 0 for status in OutboxStatus.values}
    for row in OutboxMessage.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def outbox_failed(*, limit: int = 200) -> list[OutboxMessage]:
    """Failed deliveries, newest first, with their notice's kind (never its text: 三员, security req. 6)."""
    return list(
        OutboxMessage.objects.filter(status=OutboxStatus.FAILED)
        .select_related("notice")
        .only("id", "notice_id", "notice__kind", "notice__created_at", "recipient_id", "channel", "address_masked",
              "status", "attempts", "requeues", "last_attempt_at", "last_error", "created_at")
        .order_by("-last_attempt_at", "-id")[:limit]
    )
