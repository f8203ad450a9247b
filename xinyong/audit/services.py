"""Writing audit records: called by every service, inside its transaction (Art 32–33; security req. 12–13)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.models import AuditEvent, ObjectChange
from xinyong.core.context import current_request_id


class AuditOutsideTransactionError(RuntimeError):
    """An audit record must be written inside the transaction of the change it describes."""


@dataclass(frozen=True)
class Change:
    """A before/after snapshot of one object (None before a creation, None after a deletion)."""

    object_type: str
    object_id: str
    action: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def audit_record(
    event_type: AuditEventType,
    *,
    actor=None,
    organization=None,
    target=None,
    target_label: str = "",
    articles: Iterable[str] = (),
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    details: Mapping[str, Any] | None = None,
    changes: Iterable[Change] = (),
) -> AuditEvent:
    """Append one audit event (and its object changes) in the caller's transaction.

    Fail-closed: it refuses to run outside a transaction, and any error propagates so the business change
    rolls back with it.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError("audit_record() must run inside transaction.atomic()")
    if organization is None and actor is not None:
        organization = getattr(actor, "organization", None)
    event = AuditEvent.objects.create(
        occurred_at=timezone.now(),
        event_type=int(event_type),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "") or "",
        organization=organization,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or "")[:255],
        articles=sorted(set(articles)),
        request_id=current_request_id(),
        outcome=str(outcome),
        details=dict(details or {}),
    )
    ObjectChange.objects.bulk_create(
        ObjectChange(
            event=event,
            object_type=c.object_type,
            object_id=c.object_id,
            action=c.action,
            before=dict(c.before) if c.before is not None else None,
            after=dict(c.after) if c.after is not None else None,
        )
        for c in changes
    )
    return event


def audited_denial(event_type: AuditEventType, **kwargs) -> AuditEvent:
    """Record a refused action in its own transaction: the refusal must be kept although nothing changed."""
    with transaction.atomic():
        return audit_record(event_type, outcome=AuditOutcome.DENIED, **kwargs)
