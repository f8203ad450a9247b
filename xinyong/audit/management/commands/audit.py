"""`xinyong audit verify [--witness FILE]|checkpoint [--out FILE]|prove SEQ|consistency A B` (Art 32, 33;
security req. 15–17; docs/operations/audit.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyong.audit.log import (
    WitnessFileError,
    audit_log_verify,
    checkpoint_create,
    checkpoint_json,
    consistency_proof_between,
    inclusion_proof_for,
    read_witness_file,
    witnessed_checkpoints_record,
)
from xinyong.core.errors import ServiceError


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log, sign checkpoints, print Merkle proofs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check the whole log; exit non-zero naming the first bad sequence number")
        verify.add_argument(
            "--witness", type=Path, action="append", default=[], metavar="FILE",
            help="also check against checkpoints kept by a witness (JSON as `audit checkpoint` prints it); "
                 "validly signed ones missing from the database are recorded there. Repeatable.",
        )
        checkpoint = sub.add_parser("checkpoint", help="verify the log, then sign its size and root with SM2 and "
                                                       "print the checkpoint (refused when verification fails)")
        checkpoint.add_argument("--out", type=Path, metavar="FILE",
                                help="also write the checkpoint to FILE, for a witness to keep")
        prove = sub.add_parser("prove", help="print an inclusion proof (JSON) for one event")
        prove.add_argument("seq", type=int)
        consistency = sub.add_parser("consistency", help="print a consistency proof (JSON) between two sizes")
        consistency.add_argument("first", type=int)
        consistency.add_argument("second", type=int)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "verify":
            self._verify(options["witness"])
        elif action == "checkpoint":
            try:
                cp = checkpoint_create()
            except ServiceError as exc:
                raise CommandError(str(exc.message), returncode=3) from None
            text = json.dumps(checkpoint_json(cp), ensure_ascii=False)
            if options["out"]:
                options["out"].write_text(text + "\n", encoding="utf-8")
            self.stdout.write(text)
        elif action == "prove":
            try:
                proof = inclusion_proof_for(options["seq"])
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from None
            self.stdout.write(json.dumps({
                "hash": "SM3", "seq": proof.seq, "leaf_index": proof.leaf_index, "tree_size": proof.tree_size,
                "leaf_hash": proof.leaf_hash, "root_hash": proof.root_hash, "proof": proof.proof,
                "checkpoint": checkpoint_json(proof.checkpoint) if proof.checkpoint else None,
            }))
        elif action == "consistency":
            try:
                proof = consistency_proof_between(options["first"], options["second"])
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from None
            self.stdout.write(json.dumps({"hash": "SM3", "first": options["first"], "second": options["second"],
                                          "proof": proof}))

    def _verify(self, witness_files: list[Path]) -> None:
        witnessed = []
        for path in witness_files:
            try:
                witnessed += read_witness_file(path)
            except (OSError, WitnessFileError) as exc:
                raise CommandError(f"cannot read the witness file: {exc}", returncode=2) from None
        result = audit_log_verify(witnessed)
        recorded = witnessed_checkpoints_record(witnessed) if witnessed else 0
        note = f" ({recorded} witnessed checkpoint(s) recorded in the database)" if recorded else ""
        if not result.ok:
            raise CommandError(
                f"audit log verification FAILED at seq {result.first_bad_seq}: {result.problem}{note}", returncode=3
            )
        suffix = f" witnessed={len(witnessed)}" if witnessed else ""
        self.stdout.write(f"ok size={result.size} root={result.root}{suffix}{note}")
