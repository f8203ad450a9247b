"""Verifying the audit log: chain, leaves, Merkle roots, signed checkpoints and the chain head (security req.
15, 16).

`verify_log` is a pure function over stored rows so it can be tested over arbitrary logs; `xinyong audit
verify` feeds it the database in sequence order, the stored checkpoints, a witness's checkpoints if given,
and the chain head row. What each catches:

- an altered, inserted, deleted or swapped row: its leaf hash or the keyed chain;
- rows deleted from the tail: the chain head (which the application role cannot move back), and any
  checkpoint beyond the last row;
- the tail deleted together with the checkpoints and the head rewound (only the owner role can): a witness's
  checkpoint beyond the last row, or whose root differs from the log's at its size (`--witness`);
- two different roots for one size, among the stored and witnessed checkpoints: a fork.
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
    # A copy held outside the database by a witness (`xinyong audit verify --witness FILE`).
    witnessed: bool = False
    created_at: Any = None

    @property
    def label(self) -> str:
        return f"witnessed checkpoint {self.size}" if self.witnessed else f"checkpoint {self.size}"


@dataclass(frozen=True)
class ChainHead:
    """The chain head row: the last appended sequence number and its chain hash."""

    seq: int
    chain_hash: str


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
    head: ChainHead | None = None,
) -> VerifyResult:
    """Check every row in order; report the first bad sequence number and what is wrong with it.

    The caller reads the head before the rows and passes only rows up to it (later appends are not this
    run's business); without a head only the rows and the checkpoints are compared.
    """
    by_size: dict[int, list[StoredCheckpoint]] = {}
    for checkpoint in checkpoints:
        by_size.setdefault(checkpoint.size, []).append(checkpoint)
    for size in sorted(by_size):
        group = by_size[size]
        for checkpoint in group:
            if not verify_signature(checkpoint):
                return VerifyResult(False, 0, "", size, f"{checkpoint.label} has an invalid signature")
        if len({c.root_hash for c in group}) > 1:
            return VerifyResult(False, 0, "", size, f"fork: two different roots for tree size {size}")

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
                if checkpoint.witnessed:
                    return _bad(tree, expected, f"Merkle root differs from the {checkpoint.label}: the log was "
                                                "rewritten or forked")
                return _bad(tree, expected, f"Merkle root differs from {checkpoint.label}")
        expected += 1
    size = expected - 1
    root = tree.root().hex()
    beyond = [c for group in by_size.values() for c in group if c.size > size]
    if beyond:
        furthest = max(beyond, key=lambda c: (c.witnessed, c.size))
        return VerifyResult(False, size, root, size + 1,
                            f"log truncated: {furthest.label} is beyond the last row {size}")
    if head is not None:
        if head.seq > size:
            return VerifyResult(False, size, root, size + 1,
                                f"log truncated: the chain head is at {head.seq}, the last row is {size}")
        if head.seq < size:
            return VerifyResult(False, size, root, head.seq + 1,
                                f"rows beyond the chain head {head.seq}: they were inserted past the trigger")
        if head.chain_hash != previous:
            return VerifyResult(False, size, root, max(size, 1),
                                f"the chain head does not match the last row {size}")
    return VerifyResult(True, size, root)


def _bad(tree: MerkleAccumulator, seq: int, problem: str) -> VerifyResult:
    return VerifyResult(False, tree.size, tree.root().hex(), seq, problem)
