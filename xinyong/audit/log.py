"""Reading the audit log as a whole: verification, signed checkpoints and Merkle proofs (security req. 15–17).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.audit.chain import canonical_time
from xinyong.audit.merkle import MerkleAccumulator, consistency_proof, inclusion_proof, sm3
from xinyong.audit.models import AuditCheckpoint, AuditEvent, ObjectChange
from xinyong.audit.services import chain_keys, event_columns
from xinyong.audit.verification import StoredCheckpoint, StoredEvent, VerifyResult, verify_log
from xinyong.core.crypto import get_provider, load_keyring
from xinyong.core.errors import NotFoundOrForbidden, ServiceError

IMPLEMENTS = ("Art 32: audit_log_verify, checkpoint_create, inclusion_proof_for",)

CHUNK = 5000
CHECKPOINT_ORIGIN = "xinyong-audit-log/chengde"


def iter_stored_events(chunk: int = CHUNK) -> Iterator[StoredEvent]:
    """All events in sequence order with their object changes, read in chunks (bounded memory)."""
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not events:
            return
        changes: dict[int, list[dict]] = {}
        for change in ObjectChange.objects.filter(event_id__in=[e.pk for e in events]).order_by("id").values(
            "event_id", "object_type", "object_id", "action", "before", "after"
        ):
            changes.setdefault(change.pop("event_id"), []).append(change)
        for event in events:
            yield StoredEvent(event_columns(event), changes.get(event.pk, []), event.leaf_hash, event.chain_hash,
                              event.chain_key_id)
        last_seq = events[-1].seq


def checkpoint_message(size: int, root_hash: str, created_at) -> bytes:
    """The signed text of a checkpoint: origin, size, root and time, one per line (a witness can parse it)."""
    return f"{CHECKPOINT_ORIGIN}\n{size}\n{root_hash}\n{canonical_time(created_at)}\n".encode()


def _stored_checkpoint(cp: AuditCheckpoint) -> StoredCheckpoint:
    return StoredCheckpoint(cp.size, cp.root_hash, checkpoint_message(cp.size, cp.root_hash, cp.created_at),
                            cp.signature, cp.key_id)


def verify_checkpoint_signature(checkpoint: StoredCheckpoint) -> bool:
    entry = load_keyring().get("signing", checkpoint.key_id)
    if entry is None or entry.public is None:
        return False
    try:
        return get_provider().sm2_verify(entry.public, checkpoint.message, bytes.fromhex(checkpoint.signature))
    except ValueError:
        return False


def audit_log_verify() -> VerifyResult:
    checkpoints = [_stored_checkpoint(c) for c in AuditCheckpoint.objects.order_by("size")]
    return verify_log(iter_stored_events(), checkpoints, keys=chain_keys(),
                      verify_signature=verify_checkpoint_signature)


def leaf_hashes(size: int | None = None) -> list[bytes]:
    queryset = AuditEvent.objects.order_by("seq")
    if size is not None:
        queryset = queryset.filter(seq__lte=size)
    return [bytes.fromhex(h) for h in queryset.values_list("leaf_hash", flat=True).iterator(chunk_size=CHUNK)]


def checkpoint_create() -> AuditCheckpoint:
    """Sign the current size and Merkle root with the SM2 signing key (security req. 16).

    The checkpoint is not itself an audit event: it is a statement about the log, kept beside it and handed
    to external witnesses.
    """
    with transaction.atomic():
        hashes = leaf_hashes()
        size = len(hashes)
        existing = AuditCheckpoint.objects.filter(size=size).first()
        if existing is not None:
            return existing
        tree = MerkleAccumulator(sm3)
        tree.extend(hashes)
        root = tree.root().hex()
        created_at = timezone.now()
        key = load_keyring().active("signing")
        signature = get_provider().sm2_sign(key.material, checkpoint_message(size, root, created_at))
        return AuditCheckpoint.objects.create(size=size, root_hash=root, created_at=created_at, key_id=key.id,
                                              signature=signature.hex())


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]
    checkpoint: AuditCheckpoint | None


def inclusion_proof_for(seq: int, *, tree_size: int | None = None) -> InclusionProof:
    """Proof that event `seq` is in the tree of the latest checkpoint (or of `tree_size`)."""
    if tree_size is None:
        checkpoint = AuditCheckpoint.objects.order_by("-size").first()
        if checkpoint is None or checkpoint.size < seq:
            checkpoint = checkpoint_create()
        tree_size = checkpoint.size
    else:
        checkpoint = AuditCheckpoint.objects.filter(size=tree_size).first()
    hashes = leaf_hashes(tree_size)
    if not 1 <= seq <= len(hashes) or len(hashes) != tree_size:
        raise NotFoundOrForbidden()
    proof = inclusion_proof(hashes, seq - 1, sm3)
    tree = MerkleAccumulator(sm3)
    tree.extend(hashes)
    return InclusionProof(seq, seq - 1, tree_size, hashes[seq - 1].hex(), tree.root().hex(),
                          [p.hex() for p in proof], checkpoint)


def consistency_proof_between(first: int, second: int) -> list[str]:
    if not 0 < first <= second:
        raise ServiceError("invalid_range", _("Sizes must satisfy 0 < first ≤ second."), field="first")
    hashes = leaf_hashes(second)
    if len(hashes) != second:
        raise NotFoundOrForbidden()
    return [p.hex() for p in consistency_proof(hashes, first, sm3)]
