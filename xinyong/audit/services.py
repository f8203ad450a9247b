"""Writing audit records: called by every service, inside its transaction (Art 32–33; security req. 12–13).

`audit_record` appends one event to the hash chain. It locks the chain head row, so concurrent writers
append one after another and the sequence stays contiguous with no forks (security req. 23); the lock is
held until the caller's transaction commits, which is also what makes the audit write fail-closed: if the
business change rolls back, so does its event, and if the audit write fails, the business change does too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinyong.audit.chain import GENESIS_HASH, ChainKeys, event_leaf_hash
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.models import AuditChainHead, AuditEvent, ObjectChange
from xinyong.core.context import current_request_id
from xinyong.core.crypto import load_keyring

IMPLEMENTS = ("Art 32: audit_record", "Art 33: audit_record, audited_denial")


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


_chain_keys_cache: tuple[int, ChainKeys] | None = None


def chain_keys() -> ChainKeys:
    """Chain keys for the current keyring (rebuilt when the keyring is reloaded, e.g. after rotation)."""
    global _chain_keys_cache
    keyring = load_keyring()
    if _chain_keys_cache is None or _chain_keys_cache[0] != id(keyring):
        _chain_keys_cache = (id(keyring), ChainKeys())
    return _chain_keys_cache[1]


_EVENT_COLUMNS = (
    "seq", "leaf_hash", "chain_hash", "chain_key_id", "occurred_at", "event_type", "actor_id", "actor_label",
    "organization_id", "target_type", "target_id", "target_label", "articles", "request_id", "outcome", "details",
)
# The insert trigger advances the chain head to the new event (migration 0010): appenders never write it.
_INSERT_EVENT = (
    "INSERT INTO audit_auditevent (seq, leaf_hash, chain_hash, chain_key_id, occurred_at, "
    "event_type, actor_id, actor_label, organization_id, target_type, target_id, target_label, "
    "articles, request_id, outcome, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
    "%s, %s, %s, %s, %s, %s) RETURNING id"
)
_SELECT_HEAD = "SELECT seq, chain_hash FROM audit_auditchainhead WHERE id = 1"
_SELECT_HEAD_FOR_UPDATE = "SELECT seq, chain_hash FROM audit_auditchainhead WHERE id = 1 FOR UPDATE"


def _lock_head(cursor) -> tuple[int, str]:
    """Lock the chain head until the transaction ends; every appender waits here, one after another."""
    select = _SELECT_HEAD_FOR_UPDATE if connection.vendor == "postgresql" else _SELECT_HEAD
    cursor.execute(select)
    row = cursor.fetchone()
    if row is None:
        # The migration creates the head row; if it is gone (an emptied test database), writers racing to
        # recreate it must not fail: insert-if-absent, then lock.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, seq=0, chain_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        cursor.execute(select)
        row = cursor.fetchone()
    return row[0], row[1]


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
    rolls back with it. The append is written in plain SQL because it runs inside every audited
    transaction: two statements (lock the head, insert; the insert's trigger moves the head).
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError("audit_record() must run inside transaction.atomic()")
    if organization is None and actor is not None:
        organization = getattr(actor, "organization", None)
    keys = chain_keys()
    event = AuditEvent(
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
        chain_key_id=keys.active_id,
    )
    change_rows = [
        {
            "object_type": c.object_type, "object_id": c.object_id, "action": c.action,
            "before": dict(c.before) if c.before is not None else None,
            "after": dict(c.after) if c.after is not None else None,
        }
        for c in changes
    ]
    with connection.cursor() as cursor:
        head_seq, head_hash = _lock_head(cursor)
        event.seq = head_seq + 1
        event.leaf_hash = event_leaf_hash(event_columns(event), change_rows)
        event.chain_hash = keys.link(keys.active_id, head_hash, event.leaf_hash)
        values = [_db_value(name, getattr(event, name)) for name in _EVENT_COLUMNS]
        cursor.execute(_INSERT_EVENT, values)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    if change_rows:
        ObjectChange.objects.bulk_create(ObjectChange(event_id=event.pk, **row) for row in change_rows)
    return event


_FIELDS = {f.attname: f for f in AuditEvent._meta.concrete_fields}


def _db_value(attname: str, value):
    return _FIELDS[attname].get_db_prep_save(value, connection)


def event_columns(event: AuditEvent) -> dict[str, Any]:
    """The stored columns of an event as the canonical form reads them."""
    return {
        "seq": event.seq, "occurred_at": event.occurred_at, "event_type": event.event_type,
        "actor_id": event.actor_id, "actor_label": event.actor_label, "organization_id": event.organization_id,
        "target_type": event.target_type, "target_id": event.target_id, "target_label": event.target_label,
        "articles": event.articles, "request_id": event.request_id, "outcome": event.outcome,
        "details": event.details,
    }


def audited_denial(event_type: AuditEventType, **kwargs) -> AuditEvent:
    """Record a refused action in its own transaction: the refusal must be kept although nothing changed."""
    with transaction.atomic():
        return audit_record(event_type, outcome=AuditOutcome.DENIED, **kwargs)
