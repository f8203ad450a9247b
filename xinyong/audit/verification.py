"""Verifying the audit log: chain, leaves, Merkle roots and signed checkpoints (security req. 15, 16).

`verify_log` is a pure function over stored rows so it can be tested over arbitrary logs; `xinyong audit
verify` feeds it the database in sequence order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xinyong.audit.chain import GENESIS_HASH, ChainKeys, event_leaf_hash
from xinyong.audit.merkle import MerkleAccumulator, sm3


@dataclass(frozen=True)
class StoredEvent:
    """One audit row as read from the database, with its object changes."""

    columns: Mapping[str, Any]
    changes: list[Mapping[str, Any]]
    leaf_hash: str
    chain_hash: str
    chain_key_id: str

    @property
    def seq(self) -> int:
        return self.columns["seq"]


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root_hash: str
    message: bytes
    signature: str
    key_id: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    size: int
    root: str
    first_bad_seq: int | None = None
    problem: str = ""


def verify_log(
    rows: Iterable[StoredEvent],
    checkpoints: Iterable[StoredCheckpoint],
    *,
    keys: ChainKeys,
    verify_signature: Callable[[StoredCheckpoint], bool],
) -> VerifyResult:
    """Check every row in order; report the first bad sequence number and what is wrong with it."""
    by_size: dict[int, list[StoredCheckpoint]] = {}
    for checkpoint in checkpoints:
        by_size.setdefault(checkpoint.size, []).append(checkpoint)
    for size, group in by_size.items():
        if len({c.root_hash for c in group}) > 1:
            return VerifyResult(False, 0, "", size, f"fork: two different roots for tree size {size}")
        for checkpoint in group:
            if not verify_signature(checkpoint):
                return VerifyResult(False, 0, "", size, f"checkpoint {size} has an invalid signature")

    tree = MerkleAccumulator(sm3)
    previous = GENESIS_HASH
    expected = 1
    for row in rows:
        if row.seq != expected:
            return _bad(tree, expected, f"sequence number {expected} is missing (found {row.seq})")
        leaf = event_leaf_hash(row.columns, row.changes)
        if leaf != row.leaf_hash:
            return _bad(tree, expected, "content does not match its leaf hash (row altered)")
        link = keys.link(row.chain_key_id, previous, leaf)
        if link is None:
            return _bad(tree, expected, f"unknown chain key {row.chain_key_id}")
        if link != row.chain_hash:
            return _bad(tree, expected, "chain hash does not follow from the previous row")
        tree.append(bytes.fromhex(leaf))
        previous = row.chain_hash
        for checkpoint in by_size.get(expected, ()):
            if tree.root().hex() != checkpoint.root_hash:
                return _bad(tree, expected, f"Merkle root differs from checkpoint {checkpoint.size}")
        expected += 1
    size = expected - 1
    beyond = [s for s in by_size if s > size]
    if beyond:
        return VerifyResult(False, size, tree.root().hex(), size + 1,
                            f"log truncated: checkpoint {max(beyond)} is beyond the last row {size}")
    return VerifyResult(True, size, tree.root().hex())


def _bad(tree: MerkleAccumulator, seq: int, problem: str) -> VerifyResult:
    return VerifyResult(False, tree.size, tree.root().hex(), seq, problem)
