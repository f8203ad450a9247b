"""Row integrity of credit-record revisions: HMAC-SM3 over canonical fields (security req. 18; Art 32, 33).

The key is derived from the active blind-index key of the keyring (it never lives in the database):
``K = HMAC-SM3(index key, "xinyong record revision v1")``; the index key id is stored with each revision so
keys can rotate. The canonical form is a JSON array with a fixed order: a version tag, the record's
immutable columns (id, provider, item code, document number), the revision's own columns (number, subject
and item ids, disclosure class, status, decision date, publication window, field values, source, reason,
actor, time). Field values are canonical JSON (sorted keys, no spaces) of strings only, so the form survives a
JSONB round trip.

A restoration (`xinyong revisions restore`, docs/operations/recovery.md) appends a revision that names the
damaged revision it restores; its form has a second version tag and ends with that number, so revisions written
before it keep their HMACs. `revision_snapshot` is the portable copy of a revision that the audit log keeps and
that `xinyong revisions export` writes from a backup; `snapshot_authentic` checks one against its own HMAC.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xinyong.core.crypto import get_provider, load_keyring

IMPLEMENTS = ("Art 32: revision_integrity, revision_hmac_ok",)

FORMAT_TAG = "xinyong-record-revision/1"
RESTORATION_FORMAT_TAG = "xinyong-record-revision/2"
_DERIVATION_LABEL = b"xinyong record revision v1"

_key_cache: dict[tuple[int, str], bytes] = {}


def integrity_key(key_id: str | None = None) -> tuple[str, bytes]:
    """(key id, derived key) for the active index key, or for `key_id` (old revisions name their key)."""
    keyring = load_keyring()
    entry = keyring.active("index") if key_id is None else keyring.get("index", key_id)
    if entry is None:
        raise KeyError(key_id)
    cache_key = (id(keyring), entry.id)
    derived = _key_cache.get(cache_key)
    if derived is None:
        derived = get_provider().hmac_sm3(entry.material, _DERIVATION_LABEL)
        _key_cache[cache_key] = derived
    return entry.id, derived


def canonical_data(data: Mapping[str, Any]) -> str:
    """The one serialization of field values used for storage and for the HMAC."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class RecordHead:
    """The immutable columns of a record that every revision's HMAC covers."""

    record_id: int
    provider_id: int
    item_code: str
    document_number: str


def revision_message(
    head: RecordHead,
    *,
    number: int,
    subject_id: int,
    item_id: int,
    disclosure_class: str,
    status: str,
    decision_date: dt.date,
    publication_start: dt.date | None,
    publication_end: dt.date | None,
    data_json: str,
    source: str,
    reason: str,
    actor_id: int | None,
    created_at: str,
    restores: int | None = None,
) -> bytes:
    fields = [
        FORMAT_TAG if restores is None else RESTORATION_FORMAT_TAG, head.record_id, head.provider_id,
        head.item_code, head.document_number, number, subject_id, item_id, disclosure_class, status,
        _iso(decision_date), _iso(publication_start), _iso(publication_end), data_json, source, reason, actor_id,
        created_at,
    ]
    if restores is not None:
        fields.append(restores)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(key: bytes, message: bytes) -> str:
    return get_provider().hmac_sm3(key, message).hex()


def revision_integrity(head: RecordHead, revision) -> tuple[str, str]:
    """(key id, HMAC hex) for a revision model instance about to be written."""
    key_id, key = integrity_key()
    return key_id, sign(key, _message_of(head, revision))


def _message_of(head: RecordHead, revision) -> bytes:
    return revision_message(
        head,
        number=revision.number,
        subject_id=revision.subject_id_at,
        item_id=revision.item_id_at,
        disclosure_class=revision.disclosure_class,
        status=revision.status,
        decision_date=revision.decision_date,
        publication_start=revision.publication_start,
        publication_end=revision.publication_end,
        data_json=canonical_data(revision.data),
        source=revision.source,
        reason=revision.reason,
        actor_id=revision.actor_id,
        created_at=canonical_time(revision.created_at),
        restores=getattr(revision, "restores", None),
    )


def revision_hmac_ok(head: RecordHead, revision) -> bool:
    import hmac

    try:
        _key_id, key = integrity_key(revision.integrity_key_id)
    except KeyError:
        return False
    expected = sign(key, _message_of(head, revision))
    return hmac.compare_digest(expected, revision.integrity or "")


SNAPSHOT_FORMAT = "xinyong-record-revision-snapshot/1"


def revision_snapshot(head: RecordHead, revision) -> dict:
    """Every signed field of a revision, its HMAC and key id, as JSON values: enough to check it and restore it."""
    return {
        "format": SNAPSHOT_FORMAT, "record": head.record_id, "provider": head.provider_id,
        "item_code": head.item_code, "document_number": head.document_number, "number": revision.number,
        "subject_id": revision.subject_id_at, "item_id": revision.item_id_at,
        "disclosure_class": revision.disclosure_class, "status": revision.status,
        "decision_date": _iso(revision.decision_date), "publication_start": _iso(revision.publication_start),
        "publication_end": _iso(revision.publication_end), "data": dict(revision.data), "source": revision.source,
        "reason": revision.reason, "actor_id": revision.actor_id, "created_at": canonical_time(revision.created_at),
        "restores": getattr(revision, "restores", None), "integrity": revision.integrity,
        "integrity_key_id": revision.integrity_key_id,
    }


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def snapshot_authentic(snapshot: dict) -> bool:
    """Whether a snapshot is a revision this platform signed, unchanged: its own HMAC-SM3 under its key."""
    import hmac

    try:
        head = RecordHead(int(snapshot["record"]), int(snapshot["provider"]), str(snapshot["item_code"]),
                          str(snapshot["document_number"]))
        message = revision_message(
            head, number=int(snapshot["number"]), subject_id=int(snapshot["subject_id"]),
            item_id=int(snapshot["item_id"]), disclosure_class=snapshot["disclosure_class"],
            status=snapshot["status"], decision_date=_date(snapshot["decision_date"]),
            publication_start=_date(snapshot["publication_start"]),
            publication_end=_date(snapshot["publication_end"]), data_json=canonical_data(snapshot["data"]),
            source=snapshot["source"], reason=snapshot["reason"], actor_id=snapshot["actor_id"],
            created_at=snapshot["created_at"], restores=snapshot.get("restores"),
        )
        _key_id, key = integrity_key(snapshot["integrity_key_id"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return hmac.compare_digest(sign(key, message), str(snapshot.get("integrity") or ""))
