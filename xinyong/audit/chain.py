"""The canonical form of audit events and the keyed SM3 hash chain over them (Art 32, 33; security req. 15).

The canonical form is deterministic JSON (sorted keys, no spaces, UTF-8) of every stored field of the
event and its object changes, so any change to a stored byte changes the leaf hash. The chain is keyed
(HMAC-SM3 with a key derived from the keyring's index key) so that nobody with only database access can
append or rewrite rows with valid hashes; the Merkle tree over the leaf hashes stays unkeyed (RFC 9162) so
that anyone holding a signed checkpoint can verify proofs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from xinyong.audit.merkle import leaf_hash, sm3
from xinyong.core.crypto import get_provider, load_keyring

GENESIS_HASH = "0" * 64
CANONICAL_VERSION = 1
_CHAIN_KEY_LABEL = b"xinyong audit chain v1"


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_bytes(event: Mapping[str, Any], changes: Iterable[Mapping[str, Any]]) -> bytes:
    """Deterministic bytes of an event; `event` holds the stored columns, `changes` its object changes."""
    body = {
        "v": CANONICAL_VERSION,
        "seq": event["seq"],
        "occurred_at": canonical_time(event["occurred_at"]),
        "event_type": event["event_type"],
        "actor_id": event["actor_id"],
        "actor_label": event["actor_label"],
        "organization_id": event["organization_id"],
        "target_type": event["target_type"],
        "target_id": event["target_id"],
        "target_label": event["target_label"],
        "articles": list(event["articles"]),
        "request_id": event["request_id"],
        "outcome": event["outcome"],
        "details": event["details"],
        "changes": [
            {k: c[k] for k in ("object_type", "object_id", "action", "before", "after")} for c in changes
        ],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_leaf_hash(event: Mapping[str, Any], changes: Iterable[Mapping[str, Any]]) -> str:
    return leaf_hash(canonical_bytes(event, changes), sm3).hex()


class ChainKeys:
    """Chain keys derived from the keyring's index keys, by key id (old keys verify old rows)."""

    def __init__(self) -> None:
        keyring = load_keyring()
        provider = get_provider()
        self.provider = provider
        self.active_id = keyring.active("index").id
        self._keys = {
            entry.id: provider.hmac_sm3(entry.material, _CHAIN_KEY_LABEL) for entry in keyring.keys("index")
        }

    def key(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id)

    def link(self, key_id: str, previous_hex: str, leaf_hex: str) -> str | None:
        key = self.key(key_id)
        if key is None:
            return None
        return self.provider.hmac_sm3(key, bytes.fromhex(previous_hex) + bytes.fromhex(leaf_hex)).hex()
