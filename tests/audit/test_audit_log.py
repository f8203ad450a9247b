"""The tamper-evident audit log: chain, append-only tables, fail-closed writes, checkpoints and proofs
(Art 15, 32, 33; security requirements 12–17)."""

from __future__ import annotations

import json

import gmssl_pyx
import pytest
from database_owner import owner_execute
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from xinyong.accounts.models import Organization
from xinyong.accounts.services import organization_add
from xinyong.audit.merkle import ProofError, verify_consistency, verify_inclusion
from xinyong.audit.models import AuditEvent
from xinyong.core.crypto import load_keyring
from xinyong.core.identifiers import make_uscc

pytestmark = [pytest.mark.django_db, pytest.mark.articles("Art 32", "Art 33")]


def add_orgs(n: int, start: int = 1) -> None:
    for i in range(start, start + n):
        organization_add(uscc=make_uscc("1", "1", "130800", f"{i:08d}"), name=f"部门{i}", kind="department",
                         division_code="130800")


def verify() -> str:
    call_command("audit", "verify", stdout=(out := _Buffer()))
    return out.text


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def verify_failure() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=_Buffer())
    assert excinfo.value.returncode != 0
    return str(excinfo.value)


AUDIT_TABLES = ("audit_auditevent", "audit_objectchange", "audit_auditcheckpoint")
# Tampering goes through a connection of the owner role and commits (tests/database_owner.py).
tampering = pytest.mark.django_db(transaction=True)


def without_triggers(sql: str, params=()) -> None:
    """Tamper with the log the way an intruder with the owner's credentials would."""
    owner_execute(sql, params, bypass=AUDIT_TABLES)


@pytest.fixture
def log(divisions):
    add_orgs(6)
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


@pytest.mark.smoke
def test_services_append_a_contiguous_chain_that_verifies(log):
    assert log == list(range(1, len(log) + 1))
    out = verify()
    assert out.startswith(f"ok size={len(log)} root=")


@pytest.mark.smoke
def test_every_event_names_articles_and_the_request(log):
    event = AuditEvent.objects.get(seq=log[-1])
    assert event.articles == ["Art 6"] and len(event.request_id) == 32


@pytest.mark.smoke
@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET outcome = 'denied'", "DELETE FROM audit_auditevent"])
def test_the_application_cannot_update_or_delete_audit_rows(log, statement):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == len(log)


@pytest.mark.postgres
def test_the_application_cannot_truncate_audit_rows(log):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent CASCADE")


@pytest.mark.smoke
@tampering
def test_an_altered_row_is_reported_with_its_sequence_number(log):
    without_triggers("UPDATE audit_auditevent SET target_label = 'forged' WHERE seq = %s", [4])
    assert "seq 4" in verify_failure()


@pytest.mark.smoke
@tampering
def test_an_altered_change_snapshot_is_reported(log):
    event = AuditEvent.objects.get(seq=5)
    without_triggers("UPDATE audit_objectchange SET action = 'delete' WHERE event_id = %s", [event.pk])
    assert "seq 5" in verify_failure()


@pytest.mark.smoke
@tampering
def test_a_deleted_row_is_reported(log):
    without_triggers("DELETE FROM audit_objectchange WHERE event_id IN (SELECT id FROM audit_auditevent WHERE seq = 3)")
    without_triggers("DELETE FROM audit_auditevent WHERE seq = 3")
    assert "seq 3" in verify_failure()


@pytest.mark.smoke
@tampering
def test_swapped_rows_are_reported(log):
    without_triggers("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
    without_triggers("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    without_triggers("UPDATE audit_auditevent SET seq = 3 WHERE seq = -1")
    assert "seq 2" in verify_failure()


@pytest.mark.smoke
@tampering
def test_a_forged_row_appended_without_the_chain_key_is_reported(log):
    last = AuditEvent.objects.get(seq=log[-1])
    without_triggers(
        "INSERT INTO audit_auditevent (seq, leaf_hash, chain_hash, chain_key_id, occurred_at, event_type, "
        "actor_label, target_type, target_id, target_label, articles, request_id, outcome, details) "
        "SELECT seq + 1, leaf_hash, chain_hash, chain_key_id, occurred_at, event_type, actor_label, target_type, "
        "target_id, target_label, articles, request_id, outcome, details FROM audit_auditevent WHERE id = %s",
        [last.pk],
    )
    assert f"seq {last.seq + 1}" in verify_failure()


@pytest.mark.smoke
@tampering
def test_a_truncated_tail_is_reported_against_the_last_checkpoint(log):
    call_command("audit", "checkpoint", stdout=_Buffer())
    without_triggers("DELETE FROM audit_objectchange WHERE event_id IN (SELECT id FROM audit_auditevent WHERE seq >= 5)")
    without_triggers("DELETE FROM audit_auditevent WHERE seq >= 5")
    assert "seq 5" in verify_failure()


@pytest.mark.smoke
def test_a_failed_audit_write_rolls_the_business_change_back(divisions, monkeypatch):
    import xinyong.audit.services as audit_services

    def broken(*args, **kwargs):
        raise RuntimeError("injected audit failure")

    monkeypatch.setattr(audit_services, "event_leaf_hash", broken)
    with pytest.raises(RuntimeError):
        organization_add(uscc=make_uscc("1", "1", "130800", "00000777"), name="x", kind="department",
                         division_code="130800")
    assert not Organization.objects.filter(name="x").exists()


def test_audit_records_refuse_to_be_written_outside_a_transaction(transactional_db):
    from xinyong.audit.choices import AuditEventType
    from xinyong.audit.services import AuditOutsideTransactionError, audit_record

    with pytest.raises(AuditOutsideTransactionError):
        audit_record(AuditEventType.LOGOUT)


@pytest.mark.smoke
def test_a_checkpoint_is_sm2_signed_and_an_independent_verifier_accepts_a_proof(log):
    out = _Buffer()
    call_command("audit", "checkpoint", stdout=out)
    checkpoint = json.loads(out.text)
    public = load_keyring().get("signing", checkpoint["key_id"]).public
    signed = checkpoint["signed_text"].encode()
    assert gmssl_pyx.sm2_verify(public, signed, bytes.fromhex(checkpoint["signature"]))
    forged = signed.replace(f"\n{checkpoint['size']}\n".encode(), f"\n{checkpoint['size'] + 1}\n".encode())
    assert forged != signed
    assert not gmssl_pyx.sm2_verify(public, forged, bytes.fromhex(checkpoint["signature"]))

    out = _Buffer()
    call_command("audit", "prove", "3", stdout=out)
    proof = json.loads(out.text)
    assert proof["checkpoint"]["root_hash"] == proof["root_hash"] == checkpoint["root_hash"]
    # Independent hashing: GmSSL's SM3, not the platform's provider.
    verify_inclusion(gmssl_pyx.sm3_hash, proof["leaf_index"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]),
                     [bytes.fromhex(p) for p in proof["proof"]], bytes.fromhex(proof["root_hash"]))
    tampered = [bytes.fromhex(p) for p in proof["proof"]]
    tampered[len(tampered) // 2] = bytes(32)
    with pytest.raises(ProofError):
        verify_inclusion(gmssl_pyx.sm3_hash, proof["leaf_index"], proof["tree_size"],
                         bytes.fromhex(proof["leaf_hash"]), tampered, bytes.fromhex(proof["root_hash"]))


@pytest.mark.smoke
def test_a_consistency_proof_links_an_old_checkpoint_to_a_new_one(log):
    first = _Buffer()
    call_command("audit", "checkpoint", stdout=first)
    add_orgs(5, start=100)
    second = _Buffer()
    call_command("audit", "checkpoint", stdout=second)
    old, new = json.loads(first.text), json.loads(second.text)
    out = _Buffer()
    call_command("audit", "consistency", str(old["size"]), str(new["size"]), stdout=out)
    proof = [bytes.fromhex(p) for p in json.loads(out.text)["proof"]]
    verify_consistency(gmssl_pyx.sm3_hash, old["size"], new["size"], proof, bytes.fromhex(old["root_hash"]),
                       bytes.fromhex(new["root_hash"]))
    assert verify().startswith(f"ok size={new['size']}")


@pytest.mark.smoke
def test_the_api_serves_checkpoints_and_proofs_to_audit_administrators_only(log, make_org, api_client_for):
    auditor = api_client_for(make_org(name="承德市行政审批局", kind="authority"), {"audit_admin"})
    sysadmin = api_client_for(make_org(name="承德市行政审批局信息中心"), {"system_admin"})
    assert sysadmin.get("/api/v1/audit/proofs/inclusion/1").status_code == 403
    proof = auditor.get("/api/v1/audit/proofs/inclusion/2").json()
    checkpoint = auditor.get("/api/v1/audit/checkpoints/latest").json()
    assert proof["checkpoint"] == checkpoint and proof["root_hash"] == checkpoint["root_hash"]
    verify_inclusion(gmssl_pyx.sm3_hash, proof["leaf_index"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]),
                     [bytes.fromhex(p) for p in proof["proof"]], bytes.fromhex(proof["root_hash"]))
    assert auditor.get("/api/v1/audit/proofs/inclusion/999999").status_code == 404
    consistency = auditor.get("/api/v1/audit/proofs/consistency", {"first": 2, "second": proof["tree_size"]})
    assert consistency.status_code == 200 and consistency.json()["proof"]
