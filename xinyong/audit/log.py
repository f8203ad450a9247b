"""Reading the audit log as a whole: verification, signed checkpoints and Merkle proofs (security req. 15–17).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.audit.chain import GENESIS_HASH, canonical_time, event_leaf_hash
from xinyong.audit.merkle import MerkleAccumulator, consistency_proof, inclusion_proof, sm3
from xinyong.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent, ObjectChange
from xinyong.audit.services import chain_keys, event_columns
from xinyong.audit.verification import ChainHead, StoredCheckpoint, StoredEvent, VerifyResult, verify_log
from xinyong.core.crypto import get_provider, load_keyring
from xinyong.core.errors import NotFoundOrForbidden, ServiceError

IMPLEMENTS = ("Art 32: audit_log_verify, checkpoint_create, inclusion_proof_for",)

CHUNK = 5000
CHECKPOINT_ORIGIN = "xinyong-audit-log/chengde"


def iter_stored_events(chunk: int = CHUNK, *, up_to: int | None = None) -> Iterator[StoredEvent]:
    """All events (up to sequence number `up_to`) in sequence order with their object changes, read in chunks
    (bounded memory)."""
    last_seq = 0
    base = AuditEvent.objects.all() if up_to is None else AuditEvent.objects.filter(seq__lte=up_to)
    while True:
        events = list(base.filter(seq__gt=last_seq).order_by("seq")[:chunk])
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


def chain_head() -> ChainHead | None:
    row = AuditChainHead.objects.filter(pk=1).values_list("seq", "chain_hash").first()
    return ChainHead(*row) if row else None


def audit_log_verify(witnessed: Iterable[StoredCheckpoint] = ()) -> VerifyResult:
    """Verify the whole log against its checkpoints, the `witnessed` checkpoints and the chain head.

    Read in this order so that concurrent appends never look like tampering: the checkpoints (each covers rows
    that existed when it was signed), then the head, then the rows up to the head; rows appended meanwhile are
    left to the next run, but a row beyond the head as read again afterwards was inserted past the trigger.
    """
    checkpoints = [_stored_checkpoint(c) for c in AuditCheckpoint.objects.order_by("size", "id")]
    head = chain_head()
    if head is None:
        if AuditEvent.objects.exists():
            return VerifyResult(False, 0, "", 1, "the chain head row is missing")
        head = ChainHead(0, GENESIS_HASH)
    result = verify_log(iter_stored_events(up_to=head.seq), [*checkpoints, *witnessed], keys=chain_keys(),
                        verify_signature=verify_checkpoint_signature, head=head)
    if not result.ok:
        return result
    last = AuditEvent.objects.filter(seq__gt=head.seq).aggregate(last=Max("seq"))["last"]
    if last is not None:
        later = chain_head()
        if later is None or last > later.seq:
            return VerifyResult(False, result.size, result.root, (later.seq if later else head.seq) + 1,
                                "rows beyond the chain head: they were inserted past the trigger")
    return result


class WitnessFileError(ValueError):
    """A witness file that cannot be read as checkpoints."""


def checkpoint_json(cp: AuditCheckpoint) -> dict:
    """A checkpoint as handed to a witness: its fields and the exact signed text."""
    return {
        "size": cp.size, "root_hash": cp.root_hash, "created_at": cp.created_at.isoformat(),
        "key_id": cp.key_id, "signature": cp.signature,
        "signed_text": checkpoint_message(cp.size, cp.root_hash, cp.created_at).decode(),
    }


def read_witness_file(path: Path) -> list[StoredCheckpoint]:
    """Checkpoints from a witness's file: one JSON checkpoint (as `xinyong audit checkpoint` prints it), a JSON
    list of them, or one per line. Signatures are checked by verification, not here."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        loaded = json.loads(text)
        items = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        try:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise WitnessFileError(f"{path}: line {exc.lineno}: not JSON") from None
    checkpoints = []
    for number, item in enumerate(items, start=1):
        try:
            size, root, key_id, signature = int(item["size"]), str(item["root_hash"]), str(item["key_id"]), str(
                item["signature"])
            created_at = dt.datetime.fromisoformat(item["created_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise WitnessFileError(f"{path}: checkpoint {number}: missing or malformed field ({exc})") from None
        message = checkpoint_message(size, root, created_at)
        if "signed_text" in item and item["signed_text"].encode() != message:
            raise WitnessFileError(f"{path}: checkpoint {number}: the signed text does not match its fields")
        checkpoints.append(StoredCheckpoint(size, root, message, signature, key_id, witnessed=True,
                                            created_at=created_at))
    if not checkpoints:
        raise WitnessFileError(f"{path}: no checkpoint")
    return checkpoints


def witnessed_checkpoints_record(witnessed: Iterable[StoredCheckpoint]) -> int:
    """Keep a witness's validly signed checkpoints that the database lacks (deleted, or of a fork), beside the
    stored ones: the evidence stays, and every later verification sees it. Returns how many were added."""
    added = 0
    with transaction.atomic():
        for checkpoint in witnessed:
            if not verify_checkpoint_signature(checkpoint):
                continue
            if AuditCheckpoint.objects.filter(size=checkpoint.size, root_hash=checkpoint.root_hash).exists():
                continue
            AuditCheckpoint.objects.create(size=checkpoint.size, root_hash=checkpoint.root_hash,
                                           created_at=checkpoint.created_at, key_id=checkpoint.key_id,
                                           signature=checkpoint.signature)
            added += 1
    return added


def event_authenticated(seq: int) -> StoredEvent | None:
    """Event `seq` with its object changes, if its content matches its leaf hash and its chain hash follows from
    the previous row's under the chain key (which never leaves the platform's keyring): a row only the platform
    could have written, unchanged. None otherwise. Cheaper than verifying the whole log, for recovery."""
    events = {e.seq: e for e in AuditEvent.objects.filter(seq__in=[seq - 1, seq])}
    event = events.get(seq)
    if event is None or (seq > 1 and seq - 1 not in events):
        return None
    changes = list(ObjectChange.objects.filter(event_id=event.pk).order_by("id").values(
        "object_type", "object_id", "action", "before", "after"))
    stored = StoredEvent(event_columns(event), changes, event.leaf_hash, event.chain_hash, event.chain_key_id)
    leaf = event_leaf_hash(stored.columns, changes)
    previous = events[seq - 1].chain_hash if seq > 1 else GENESIS_HASH
    if leaf != event.leaf_hash or chain_keys().link(event.chain_key_id, previous, leaf) != event.chain_hash:
        return None
    return stored


def leaf_hashes(size: int | None = None) -> list[bytes]:
    queryset = AuditEvent.objects.order_by("seq")
    if size is not None:
        queryset = queryset.filter(seq__lte=size)
    return [bytes.fromhex(h) for h in queryset.values_list("leaf_hash", flat=True).iterator(chunk_size=CHUNK)]


class AuditLogBroken(ServiceError):
    """The log failed verification: nothing is signed over it."""

    def __init__(self, result: VerifyResult):
        super().__init__(
            "audit_log_broken",
            _("The audit log failed verification at sequence number %(seq)s (%(problem)s); no checkpoint was "
              "signed.") % {"seq": result.first_bad_seq, "problem": result.problem},
        )
        self.result = result


def checkpoint_create() -> AuditCheckpoint:
    """Verify the whole log, then sign its size and Merkle root with the SM2 signing key (security req. 16).

    A log that fails verification is refused (`AuditLogBroken`): a signature over it would vouch for the
    tampering. The checkpoint is not itself an audit event: it is a statement about the log, kept beside it and
    handed to external witnesses. Signing the same size and root again returns the stored checkpoint.
    """
    result = audit_log_verify()
    if not result.ok:
        raise AuditLogBroken(result)
    with transaction.atomic():
        existing = AuditCheckpoint.objects.filter(size=result.size, root_hash=result.root).first()
        if existing is not None:
            return existing
        created_at = timezone.now()
        key = load_keyring().active("signing")
        signature = get_provider().sm2_sign(key.material, checkpoint_message(result.size, result.root, created_at))
        return AuditCheckpoint.objects.create(size=result.size, root_hash=result.root, created_at=created_at,
                                              key_id=key.id, signature=signature.hex())


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
        latest = AuditCheckpoint.objects.order_by("-size", "-id").first()
        if latest is None or latest.size < seq:
            latest = checkpoint_create()
        tree_size = latest.size
    hashes = leaf_hashes(tree_size)
    if not 1 <= seq <= len(hashes) or len(hashes) != tree_size:
        raise NotFoundOrForbidden()
    proof = inclusion_proof(hashes, seq - 1, sm3)
    tree = MerkleAccumulator(sm3)
    tree.extend(hashes)
    root = tree.root().hex()
    # Only a checkpoint of this very root vouches for the proof (after a fork the size has two).
    checkpoint = AuditCheckpoint.objects.filter(size=tree_size, root_hash=root).order_by("id").first()
    return InclusionProof(seq, seq - 1, tree_size, hashes[seq - 1].hex(), root, [p.hex() for p in proof],
                          checkpoint)


def consistency_proof_between(first: int, second: int) -> list[str]:
    if not 0 < first <= second:
        raise ServiceError("invalid_range", _("Sizes must satisfy 0 < first ≤ second."), field="first")
    hashes = leaf_hashes(second)
    if len(hashes) != second:
        raise NotFoundOrForbidden()
    return [p.hex() for p in consistency_proof(hashes, first, sm3)]
