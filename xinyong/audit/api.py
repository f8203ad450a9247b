"""API: signed checkpoints and Merkle proofs of the audit log, for auditors and external witnesses
(Art 32, 33; security requirements 15–17)."""

from __future__ import annotations

from ninja import Router, Schema

from xinyong.accounts.api_permissions import require
from xinyong.accounts.permissions import Permission
from xinyong.audit.log import checkpoint_message, consistency_proof_between, inclusion_proof_for
from xinyong.audit.models import AuditCheckpoint
from xinyong.core.errors import NotFoundOrForbidden

router = Router(tags=["audit"])


class CheckpointOut(Schema):
    size: int
    root_hash: str
    created_at: str
    key_id: str
    signature: str
    signed_text: str


class InclusionProofOut(Schema):
    hash: str
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]
    checkpoint: CheckpointOut | None


class ConsistencyProofOut(Schema):
    hash: str
    first: int
    second: int
    proof: list[str]


def checkpoint_out(cp: AuditCheckpoint) -> dict:
    return {
        "size": cp.size, "root_hash": cp.root_hash, "created_at": cp.created_at.isoformat(), "key_id": cp.key_id,
        "signature": cp.signature, "signed_text": checkpoint_message(cp.size, cp.root_hash, cp.created_at).decode(),
    }


@router.get("/checkpoints/latest", response=CheckpointOut, summary="The latest SM2-signed checkpoint")
def checkpoint_latest(request):
    require(request, Permission.VIEW_AUDIT)
    cp = AuditCheckpoint.objects.order_by("-size", "-id").first()
    if cp is None:
        raise NotFoundOrForbidden()
    return checkpoint_out(cp)


@router.get("/proofs/inclusion/{seq}", response=InclusionProofOut, summary="Inclusion proof of one event")
def proof_inclusion(request, seq: int, tree_size: int | None = None):
    require(request, Permission.VIEW_AUDIT)
    proof = inclusion_proof_for(seq, tree_size=tree_size)
    return {
        "hash": "SM3", "seq": proof.seq, "leaf_index": proof.leaf_index, "tree_size": proof.tree_size,
        "leaf_hash": proof.leaf_hash, "root_hash": proof.root_hash, "proof": proof.proof,
        "checkpoint": checkpoint_out(proof.checkpoint) if proof.checkpoint else None,
    }


@router.get("/proofs/consistency", response=ConsistencyProofOut, summary="Consistency proof between two sizes")
def proof_consistency(request, first: int, second: int):
    require(request, Permission.VIEW_AUDIT)
    return {"hash": "SM3", "first": first, "second": second, "proof": consistency_proof_between(first, second)}
