"""RFC 9162 Merkle tree hashing, proofs and verifiers for the audit log (security req. 15-17; Art 15, 32).

Hashing follows RFC 9162 section 2.1.1: ``leaf = H(0x00 || entry)``, ``node = H(0x01 || left || right)``,
the empty tree hashes to ``H("")``. The hash function is a parameter: SM3 (GB/T 32905) in production through
the crypto provider, SHA-256 for the shared transparency-dev test vectors. The verifiers implement RFC 9162
sections 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) step by step, plus strict length checks so that an
empty or truncated hash can never stand in for a real one.

Leaves are passed as *leaf hashes* (the log stores the leaf hash of each entry); `leaf_hash` computes one.
`MerkleAccumulator` keeps only the O(log n) roots of the perfect subtrees of a growing log, so the root of
a log of millions of entries is maintained in constant memory per append.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

HashFn = Callable[[bytes], bytes]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A Merkle proof does not verify (or is malformed): the log cannot be trusted for that claim."""


def sha256(data: bytes) -> bytes:
    """SHA-256, only for the shared RFC 9162 test vectors; production logs use SM3."""
    return hashlib.sha256(data).digest()


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905) through the configured crypto provider, so an HSM can take over in production."""
    from xinyong.core.crypto.software import get_provider

    return get_provider().sm3(data)


def leaf_hash(data: bytes, hash_fn: HashFn = sm3) -> bytes:
    """RFC 9162 leaf hash H(0x00 || data)."""
    return hash_fn(LEAF_PREFIX + data)


def node_hash(left: bytes, right: bytes, hash_fn: HashFn = sm3) -> bytes:
    """RFC 9162 interior node hash H(0x01 || left || right)."""
    return hash_fn(NODE_PREFIX + left + right)


def empty_root(hash_fn: HashFn = sm3) -> bytes:
    """The root of the empty tree, H("")."""
    return hash_fn(b"")


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (RFC 9162 2.1.1); requires n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleAccumulator:
    """Incremental RFC 9162 root of an append-only log in O(log n) memory (a compact range from 0).

    The tree of size n splits into perfect subtrees, one per set bit of n, largest on the left; only their
    roots are kept. Appending merges equal-sized subtrees like a binary counter carry, so each append costs
    amortised two hashes. `state()` / `from_state()` persist and resume it (e.g. next to a checkpoint).
    """

    __slots__ = ("_hash_fn", "_size", "_stack")

    def __init__(self, hash_fn: HashFn = sm3) -> None:
        self._hash_fn = hash_fn
        self._size = 0
        self._stack: list[bytes] = []

    @classmethod
    def from_state(
        cls, size: int, subtree_roots: Sequence[bytes], hash_fn: HashFn = sm3
    ) -> MerkleAccumulator:
        if size < 0 or len(subtree_roots) != size.bit_count():
            raise ValueError("a compact range of size n has exactly popcount(n) subtree roots")
        acc = cls(hash_fn)
        acc._size = size
        acc._stack = [bytes(h) for h in subtree_roots]
        return acc

    def state(self) -> tuple[int, list[bytes]]:
        """(size, perfect-subtree roots left to right)."""
        return self._size, list(self._stack)

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def copy(self) -> MerkleAccumulator:
        return MerkleAccumulator.from_state(self._size, self._stack, self._hash_fn)

    def append(self, leaf_hash_value: bytes) -> None:
        """Add the next leaf (its leaf hash, not the raw entry)."""
        node = bytes(leaf_hash_value)
        carry = self._size
        # Each trailing 1 bit of the old size is a perfect subtree of the same height as `node`: merge it.
        while carry & 1:
            node = self._hash_fn(NODE_PREFIX + self._stack.pop() + node)
            carry >>= 1
        self._stack.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        """RFC 9162 MTH of all leaves appended so far."""
        if not self._stack:
            return self._hash_fn(b"")
        node = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            node = self._hash_fn(NODE_PREFIX + left + node)
        return node


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int, hash_fn: HashFn) -> bytes:
    acc = MerkleAccumulator(hash_fn)
    for i in range(start, end):
        acc.append(leaf_hashes[i])
    return acc.root()


def merkle_root(leaf_hashes: Iterable[bytes], hash_fn: HashFn = sm3) -> bytes:
    """RFC 9162 MTH(D[n]) over leaf hashes; H("") for no leaves."""
    acc = MerkleAccumulator(hash_fn)
    acc.extend(leaf_hashes)
    return acc.root()


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, hash_fn: HashFn = sm3) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(index, D[n]): sibling hashes from the leaf up to the root."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    proof: list[bytes] = []
    start, end, m = 0, n, index
    # Walk down from the root; siblings are collected top-down, and the proof lists them bottom-up.
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if m < k:
            proof.append(_subtree_root(leaf_hashes, start + k, end, hash_fn))
            end = start + k
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + k, hash_fn))
            start, m = start + k, m - k
    proof.reverse()
    return proof


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, hash_fn: HashFn = sm3) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(m, D[n]) between the tree of `old_size` leaves and the tree of all leaves."""
    n = len(leaf_hashes)
    if not 0 < old_size <= n:
        raise ValueError(f"a consistency proof needs 0 < old size <= new size (got {old_size}, {n})")
    proof: list[bytes] = []
    start, end, m, complete = 0, n, old_size, True
    # Iterative SUBPROOF(m, D[start:end], complete); nodes are collected top-down and reversed at the end.
    while True:
        if m == end - start:
            if not complete:
                proof.append(_subtree_root(leaf_hashes, start, end, hash_fn))
            break
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            proof.append(_subtree_root(leaf_hashes, start + k, end, hash_fn))
            end = start + k
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + k, hash_fn))
            start, m, complete = start + k, m - k, False
    proof.reverse()
    return proof


def _hash_size(hash_fn: HashFn) -> int:
    return len(hash_fn(b""))


def _check_hash(what: str, value: object, size: int) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != size:
        raise ProofError(f"{what} is not a {size}-byte hash")
    return bytes(value)


def verify_inclusion(hash_fn: HashFn, index: int, size: int, leaf_hash_value: bytes,
                     proof: Sequence[bytes] | None, root: bytes) -> None:
    """RFC 9162 2.1.3.2: verify that `leaf_hash_value` is leaf `index` of the tree `size`/`root`.

    Returns None on success and raises `ProofError` on any failure.
    """
    hash_size = _hash_size(hash_fn)
    proof = list(proof or ())
    # 1. leaf_index must be inside the tree (this also rejects every claim about the empty tree).
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    r = _check_hash("leaf hash", leaf_hash_value, hash_size)
    expected_root = _check_hash("root", root, hash_size)
    path = [_check_hash(f"proof[{i}]", p, hash_size) for i, p in enumerate(proof)]
    # 2.-3.
    fn, sn = index, size - 1
    # 4.
    for p in path:
        if sn == 0:  # 4a: more proof elements than levels in the tree
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:  # 4b
            r = hash_fn(NODE_PREFIX + p + r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_fn(NODE_PREFIX + r + p)
        fn >>= 1  # 4c
        sn >>= 1
    # 5.
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if not hmac.compare_digest(r, expected_root):
        raise ProofError("inclusion proof does not lead to the expected root")


def verify_consistency(hash_fn: HashFn, size1: int, size2: int, proof: Sequence[bytes] | None,
                       root1: bytes, root2: bytes) -> None:
    """RFC 9162 2.1.4.2: verify that the tree `size2`/`root2` extends the tree `size1`/`root1`.

    RFC 9162 defines the check for 0 < size1 < size2. Equal sizes are consistent exactly when the proof is
    empty and the roots are identical (two roots for one size is a fork, req. 16); size1 = 0 or
    size1 > size2 is rejected, as the shared vectors require. Raises `ProofError` on any failure.
    """
    proof = list(proof or ())
    if size1 < 0 or size2 < 0:
        raise ProofError("tree sizes cannot be negative")
    if size2 < size1:
        raise ProofError(f"tree size went backwards ({size1} -> {size2})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("equal tree sizes need an empty consistency proof")
        if not hmac.compare_digest(bytes(root1), bytes(root2)):
            raise ProofError("two different roots for the same tree size (fork)")
        return
    hash_size = _hash_size(hash_fn)
    # 1. an empty path proves nothing
    if not proof:
        raise ProofError("consistency proof is empty")
    path = [_check_hash(f"proof[{i}]", p, hash_size) for i, p in enumerate(proof)]
    expected1 = _check_hash("first root", root1, hash_size)
    expected2 = _check_hash("second root", root2, hash_size)
    # 2. a perfect first tree is itself a node of the second tree: its root starts the path
    if size1 & (size1 - 1) == 0:
        path.insert(0, expected1)
    # 3.
    fn, sn = size1 - 1, size2 - 1
    # 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:  # 6a
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:  # 6b
            fr = hash_fn(NODE_PREFIX + c + fr)
            sr = hash_fn(NODE_PREFIX + c + sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_fn(NODE_PREFIX + sr + c)
        fn >>= 1  # 6c
        sn >>= 1
    # 7.
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if not hmac.compare_digest(fr, expected1):
        raise ProofError("consistency proof does not reproduce the first root")
    if not hmac.compare_digest(sr, expected2):
        raise ProofError("consistency proof does not lead to the second root")
