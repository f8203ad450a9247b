"""Property: any single tampering of a random audit log is reported at the first bad sequence number, and an
untouched log never raises (security requirement 15)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.audit.chain import GENESIS_HASH, ChainKeys, event_leaf_hash
from xinyong.audit.merkle import MerkleAccumulator, sm3
from xinyong.audit.verification import ChainHead, StoredCheckpoint, StoredEvent, verify_log

KEYS = None


def keys() -> ChainKeys:
    global KEYS
    if KEYS is None:
        KEYS = ChainKeys()
    return KEYS


def build_log(labels: list[str]) -> tuple[list[StoredEvent], StoredCheckpoint]:
    rows, previous = [], GENESIS_HASH
    tree = MerkleAccumulator(sm3)
    base = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    for seq, label in enumerate(labels, start=1):
        columns = {
            "seq": seq, "occurred_at": base + dt.timedelta(seconds=seq), "event_type": 3001, "actor_id": None,
            "actor_label": "", "organization_id": None, "target_type": "subjects.subject", "target_id": str(seq),
            "target_label": label, "articles": ["Art 19"], "request_id": "r" * 32, "outcome": "success",
            "details": {"n": seq},
        }
        changes = [{"object_type": "subjects.subject", "object_id": str(seq), "action": "create", "before": None,
                    "after": {"name": label}}]
        leaf = event_leaf_hash(columns, changes)
        chain = keys().link(keys().active_id, previous, leaf)
        rows.append(StoredEvent(columns, changes, leaf, chain, keys().active_id))
        tree.append(bytes.fromhex(leaf))
        previous = chain
    return rows, StoredCheckpoint(len(rows), tree.root().hex(), b"", "", "")


def run(rows, checkpoint):
    return verify_log(rows, [checkpoint], keys=keys(), verify_signature=lambda c: True)


def with_seq(row: StoredEvent, seq: int) -> StoredEvent:
    return StoredEvent({**row.columns, "seq": seq}, row.changes, row.leaf_hash, row.chain_hash, row.chain_key_id)


labels = st.lists(st.text(min_size=1, max_size=8), min_size=2, max_size=25)


@settings(max_examples=40, deadline=None)
@given(labels)
def test_an_untouched_log_verifies(names):
    rows, checkpoint = build_log(names)
    result = run(rows, checkpoint)
    assert result.ok and result.size == len(names) and result.root == checkpoint.root_hash


@settings(max_examples=60, deadline=None)
@given(labels, st.data())
def test_any_single_tampering_is_reported_at_the_first_bad_position(names, data):
    rows, checkpoint = build_log(names)
    n = len(rows)
    kind = data.draw(st.sampled_from(["alter", "alter_change", "delete", "insert", "swap", "truncate"]))
    i = data.draw(st.integers(0, n - 1))
    if kind == "alter":
        field = data.draw(st.sampled_from(["target_label", "outcome", "details", "occurred_at", "articles"]))
        value = {"target_label": rows[i].columns["target_label"] + "x", "outcome": "denied", "details": {"n": -1},
                 "occurred_at": rows[i].columns["occurred_at"] + dt.timedelta(microseconds=1),
                 "articles": ["Art 1"]}[field]
        row = rows[i]
        rows[i] = StoredEvent({**row.columns, field: value}, row.changes, row.leaf_hash, row.chain_hash,
                              row.chain_key_id)
        expected = i + 1
    elif kind == "alter_change":
        row = rows[i]
        rows[i] = StoredEvent(row.columns, [{**row.changes[0], "action": "delete"}], row.leaf_hash, row.chain_hash,
                              row.chain_key_id)
        expected = i + 1
    elif kind == "delete":
        del rows[i]
        expected = i + 1
    elif kind == "insert":
        # A new row at position i, carrying the displaced row's hashes, with everything after renumbered.
        original = rows[i]
        forged = StoredEvent({**original.columns, "target_label": "forged"}, original.changes, original.leaf_hash,
                             original.chain_hash, original.chain_key_id)
        rows = rows[:i] + [forged] + [with_seq(r, r.seq + 1) for r in rows[i:]]
        expected = i + 1
    elif kind == "swap":
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
        a, b = sorted((i, j))
        rows[a], rows[b] = with_seq(rows[b], a + 1), with_seq(rows[a], b + 1)
        expected = a + 1
    else:
        cut = data.draw(st.integers(0, n - 1))
        rows = rows[:cut]
        expected = cut + 1
    result = run(rows, checkpoint)
    assert not result.ok
    assert result.first_bad_seq == expected, (kind, result)


def test_two_roots_for_one_size_are_a_fork():
    rows, checkpoint = build_log(["a", "b", "c"])
    other = StoredCheckpoint(checkpoint.size, "00" * 32, b"", "", "")
    result = verify_log(rows, [checkpoint, other], keys=keys(), verify_signature=lambda c: True)
    assert not result.ok and "fork" in result.problem


def test_a_checkpoint_with_a_bad_signature_is_reported():
    rows, checkpoint = build_log(["a", "b"])
    result = verify_log(rows, [checkpoint], keys=keys(), verify_signature=lambda c: False)
    assert not result.ok and "signature" in result.problem


@settings(max_examples=40, deadline=None)
@given(labels, st.data())
def test_a_truncated_tail_is_reported_against_the_chain_head_without_any_checkpoint(names, data):
    rows, _checkpoint = build_log(names)
    head = ChainHead(len(rows), rows[-1].chain_hash)
    assert verify_log(rows, [], keys=keys(), verify_signature=lambda c: True, head=head).ok
    cut = data.draw(st.integers(0, len(rows) - 1))
    result = verify_log(rows[:cut], [], keys=keys(), verify_signature=lambda c: True, head=head)
    assert not result.ok and result.first_bad_seq == cut + 1
    assert result.problem == f"log truncated: the chain head is at {len(rows)}, the last row is {cut}"


def test_a_head_rewound_with_a_forged_hash_is_reported():
    rows, _checkpoint = build_log(["a", "b", "c"])
    result = verify_log(rows[:2], [], keys=keys(), verify_signature=lambda c: True, head=ChainHead(2, "ab" * 32))
    assert not result.ok and result.first_bad_seq == 2
    assert result.problem == "the chain head does not match the last row 2"


def test_a_witnessed_checkpoint_beyond_the_log_or_with_another_root_is_reported():
    rows, checkpoint = build_log(["a", "b", "c", "d"])
    witnessed = StoredCheckpoint(checkpoint.size, checkpoint.root_hash, b"", "", "", witnessed=True)
    head = ChainHead(2, rows[1].chain_hash)
    result = verify_log(rows[:2], [witnessed], keys=keys(), verify_signature=lambda c: True, head=head)
    assert not result.ok and result.first_bad_seq == 3
    assert result.problem == "log truncated: witnessed checkpoint 4 is beyond the last row 2"
    forked = StoredCheckpoint(checkpoint.size, "00" * 32, b"", "", "", witnessed=True)
    result = verify_log(rows, [forked], keys=keys(), verify_signature=lambda c: True,
                        head=ChainHead(4, rows[-1].chain_hash))
    assert not result.ok and result.first_bad_seq == 4
    assert result.problem == "Merkle root differs from the witnessed checkpoint 4: the log was rewritten or forked"
