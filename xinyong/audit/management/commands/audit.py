"""`xinyong audit verify|checkpoint|prove SEQ|consistency A B` (Art 32, 33; security req. 15–17)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from xinyong.audit.log import (
    audit_log_verify,
    checkpoint_create,
    checkpoint_message,
    consistency_proof_between,
    inclusion_proof_for,
)
from xinyong.core.errors import ServiceError


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log, sign checkpoints, print Merkle proofs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the whole log; exit non-zero naming the first bad sequence number")
        sub.add_parser("checkpoint", help="sign the current tree size and root with SM2 and print it")
        prove = sub.add_parser("prove", help="print an inclusion proof (JSON) for one event")
        prove.add_argument("seq", type=int)
        consistency = sub.add_parser("consistency", help="print a consistency proof (JSON) between two sizes")
        consistency.add_argument("first", type=int)
        consistency.add_argument("second", type=int)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "verify":
            result = audit_log_verify()
            if not result.ok:
                raise CommandError(
                    f"audit log verification FAILED at seq {result.first_bad_seq}: {result.problem}", returncode=3
                )
            self.stdout.write(f"ok size={result.size} root={result.root}")
        elif action == "checkpoint":
            cp = checkpoint_create()
            self.stdout.write(json.dumps(_checkpoint_json(cp), ensure_ascii=False))
        elif action == "prove":
            try:
                proof = inclusion_proof_for(options["seq"])
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from None
            self.stdout.write(json.dumps({
                "hash": "SM3", "seq": proof.seq, "leaf_index": proof.leaf_index, "tree_size": proof.tree_size,
                "leaf_hash": proof.leaf_hash, "root_hash": proof.root_hash, "proof": proof.proof,
                "checkpoint": _checkpoint_json(proof.checkpoint) if proof.checkpoint else None,
            }))
        elif action == "consistency":
            try:
                proof = consistency_proof_between(options["first"], options["second"])
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from None
            self.stdout.write(json.dumps({"hash": "SM3", "first": options["first"], "second": options["second"],
                                          "proof": proof}))


def _checkpoint_json(cp) -> dict:
    return {
        "size": cp.size, "root_hash": cp.root_hash, "created_at": cp.created_at.isoformat(),
        "key_id": cp.key_id, "signature": cp.signature,
        "signed_text": checkpoint_message(cp.size, cp.root_hash, cp.created_at).decode(),
    }
