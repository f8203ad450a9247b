"""Deleting the newest audit rows is detected: against the chain head, against the checkpoints, and against a
witness's copy of a checkpoint when an intruder with the owner's credentials also rewinds the head and deletes
the checkpoints; a fork is recorded, and a broken log is never signed (Art 32, 33; security req. 15, 16).

Tampering goes through the owner role and commits (tests/database_owner.py), hence transactional tests.
"""

from __future__ import annotations

import io
import json

import pytest
from database_owner import owner_execute, owner_execute_many
from django.core.management import CommandError, call_command

from xinyong.accounts.services import organization_add
from xinyong.audit.models import AuditCheckpoint, AuditEvent
from xinyong.core.identifiers import make_uscc

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

AUDIT_TABLES = ("audit_auditevent", "audit_objectchange", "audit_auditcheckpoint", "audit_auditchainhead")
counter = iter(range(1, 100_000))


def add_events(n: int) -> int:
    for _ in range(n):
        i = next(counter)
        organization_add(uscc=make_uscc("1", "1", "130800", f"{i:08d}"), name=f"部门{i}", kind="department",
                         division_code="130800")
    return AuditEvent.objects.count()


def verify(*witness) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *[arg for path in witness for arg in ("--witness", str(path))], stdout=out)
    return out.getvalue().strip()


def verify_failure(*witness) -> str:
    with pytest.raises(CommandError) as excinfo:
        verify(*witness)
    assert excinfo.value.returncode == 3
    return str(excinfo.value)


def checkpoint(out=None) -> dict:
    buffer = io.StringIO()
    call_command("audit", "checkpoint", *(["--out", str(out)] if out else []), stdout=buffer)
    return json.loads(buffer.getvalue())


def delete_tail(after_seq: int, *, checkpoints: bool = False, rewind_head: bool = False) -> None:
    """Delete the events after `after_seq` as the owner; optionally the checkpoints, and rewind the head."""
    statements = [
        ("DELETE FROM audit_objectchange WHERE event_id IN (SELECT id FROM audit_auditevent WHERE seq > %s)",
         [after_seq]),
        ("DELETE FROM audit_auditevent WHERE seq > %s", [after_seq]),
    ]
    if checkpoints:
        statements.append(("DELETE FROM audit_auditcheckpoint", []))
    if rewind_head:
        statements.append(("UPDATE audit_auditchainhead SET seq = %s, chain_hash = "
                           "(SELECT chain_hash FROM audit_auditevent WHERE seq = %s) WHERE id = 1",
                           [after_seq, after_seq]))
    owner_execute_many(statements, bypass=AUDIT_TABLES)


@pytest.fixture
def log(db, divisions):
    return add_events(4)


def test_rows_deleted_after_the_last_checkpoint_are_detected_against_the_chain_head(log):
    signed = checkpoint()["size"]
    size = add_events(3)
    delete_tail(signed)
    assert verify_failure() == (f"audit log verification FAILED at seq {signed + 1}: log truncated: the chain head "
                                f"is at {size}, the last row is {signed}")


def test_deleting_the_tail_together_with_the_checkpoints_is_still_detected(log):
    checkpoint()
    size = add_events(3)
    checkpoint()
    delete_tail(log - 1, checkpoints=True)
    assert AuditCheckpoint.objects.count() == 0
    assert verify_failure() == (f"audit log verification FAILED at seq {log}: log truncated: the chain head is at "
                                f"{size}, the last row is {log - 1}")


def test_a_witness_catches_truncation_when_the_head_is_rewound_and_the_checkpoints_deleted(log, tmp_path):
    witness = tmp_path / "witness.json"
    signed = checkpoint(out=witness)
    assert json.loads(witness.read_text()) == signed
    assert verify(witness) == f"ok size={signed['size']} root={signed['root_hash']} witnessed=1"
    add_events(2)
    delete_tail(2, checkpoints=True, rewind_head=True)
    # The database alone holds no evidence any more: only the owner role could do this, and only the witness's
    # copy shows it.
    assert verify().startswith("ok size=2 ")
    assert verify_failure(witness) == (
        f"audit log verification FAILED at seq 3: log truncated: witnessed checkpoint {signed['size']} is beyond "
        "the last row 2 (1 witnessed checkpoint(s) recorded in the database)"
    )
    # The witness's checkpoint is kept, so every later verification reports the truncation.
    assert verify_failure() == (f"audit log verification FAILED at seq 3: log truncated: checkpoint "
                                f"{signed['size']} is beyond the last row 2")


def test_a_fork_is_recorded_beside_the_stored_checkpoint_and_reported(log, tmp_path):
    witness = tmp_path / "witness.json"
    signed = checkpoint(out=witness)
    delete_tail(2, checkpoints=True, rewind_head=True)
    assert add_events(signed["size"] - 2) == signed["size"]
    rewritten = checkpoint()  # the rewritten log verifies on its own, so it is signed
    assert rewritten["size"] == signed["size"] and rewritten["root_hash"] != signed["root_hash"]
    assert verify_failure(witness) == (
        f"audit log verification FAILED at seq {signed['size']}: fork: two different roots for tree size "
        f"{signed['size']} (1 witnessed checkpoint(s) recorded in the database)"
    )
    stored = sorted(AuditCheckpoint.objects.filter(size=signed["size"]).values_list("root_hash", flat=True))
    assert stored == sorted([signed["root_hash"], rewritten["root_hash"]])
    assert verify_failure() == (f"audit log verification FAILED at seq {signed['size']}: fork: two different roots "
                                f"for tree size {signed['size']}")
    # Recording is idempotent: the witness's copy is not added twice.
    verify_failure(witness)
    assert AuditCheckpoint.objects.filter(size=signed["size"]).count() == 2


def test_a_witness_file_with_a_forged_signature_is_reported_and_not_recorded(log, tmp_path):
    signed = checkpoint()
    forged = {**signed, "root_hash": "00" * 32}
    forged["signed_text"] = forged["signed_text"].replace(signed["root_hash"], forged["root_hash"])
    witness = tmp_path / "forged.json"
    witness.write_text(json.dumps(forged))
    assert verify_failure(witness) == (f"audit log verification FAILED at seq {signed['size']}: witnessed "
                                       f"checkpoint {signed['size']} has an invalid signature")
    assert AuditCheckpoint.objects.count() == 1


def test_an_unreadable_witness_file_is_refused(log, tmp_path):
    witness = tmp_path / "witness.json"
    witness.write_text('{"size": 3}\n')
    with pytest.raises(CommandError) as excinfo:
        verify(witness)
    assert excinfo.value.returncode == 2 and "checkpoint 1: missing or malformed field" in str(excinfo.value)


def test_checkpoint_refuses_to_sign_a_broken_log(log):
    owner_execute("UPDATE audit_auditevent SET target_label = 'forged' WHERE seq = 3", bypass=AUDIT_TABLES)
    with pytest.raises(CommandError) as excinfo:
        checkpoint()
    assert excinfo.value.returncode == 3
    assert str(excinfo.value) == ("审计日志在序号 3 处核验未通过（content does not match its leaf hash (row "
                                  "altered)），未签署检查点。")
    assert AuditCheckpoint.objects.count() == 0
