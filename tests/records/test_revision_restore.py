"""A damaged credit-record revision is detected, never served, and restored from the audit log or a backup as a
new signed revision, audited (security requirement 18; Art 32, 33; docs/operations/recovery.md).

The damage is done as an intruder with the owner's credentials would (raw SQL past the trigger), hence
transactional tests (tests/database_owner.py).
"""

from __future__ import annotations

import io
import json

import pytest
from database_owner import owner_execute
from django.core.management import CommandError, call_command
from django.db import connection
from ingestion_fixtures import DECISION, penalty_row, write_csv

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.disclosure.access import access_public_profile
from xinyong.ingestion.pipeline import ingest_file
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.records.selectors import record_revision_verify, records_for_subject
from xinyong.records.services import record_correct

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

TABLE = RecordRevision._meta.db_table


@pytest.fixture
def record(tmp_path, penalty, provider):
    ingest_file(path_or_stream=write_csv(tmp_path / "r.csv", [penalty_row(provider.uscc)]), item_code="admin-penalty",
                provider=provider)
    return CreditRecord.objects.get()


def replaced(column: str, old: str, new: str) -> tuple[str, list[str]]:
    """SQL replacing `old` by `new` in a JSON column: jsonb text on PostgreSQL; on SQLite the text as stored,
    where Django's JSONField escapes non-ASCII characters."""
    if connection.vendor == "postgresql":
        return f"replace({column}::text, %s, %s)::jsonb", [old, new]
    return f"replace(replace({column}, %s, %s), %s, %s)", [old, new, json.dumps(old)[1:-1], json.dumps(new)[1:-1]]


def damage(record: CreditRecord, number: int, old: str = "一万元", new: str = "十万元") -> None:
    expression, params = replaced("data", old, new)
    owner_execute(f"UPDATE {TABLE} SET data = {expression} WHERE record_id = %s AND number = %s",
                  [*params, record.pk, number], bypass=[TABLE])


def revisions(*args) -> str:
    out = io.StringIO()
    call_command("revisions", *map(str, args), stdout=out)
    return out.getvalue()


def revisions_failure(*args) -> CommandError:
    with pytest.raises(CommandError) as excinfo:
        revisions(*args)
    return excinfo.value


def shown_content(record: CreditRecord) -> str:
    (view,) = access_public_profile(record.subject, on=DECISION).records
    return {f.code: f.value for f in view.fields}["CF_NR"]


def test_a_damaged_corrected_revision_is_restored_from_its_audit_snapshot(record):
    record_correct(record=record, data={"处罚内容": "罚款人民币二万元", "CF_NR_FK": "2"}, reason="金额录入错误")
    (corrected,) = AuditEvent.objects.filter(event_type=AuditEventType.RECORD_CORRECTED)
    assert shown_content(record) == "罚款人民币二万元"

    damage(record, 2, "二万元", "二十万元")
    assert records_for_subject(record.subject) == []
    assert access_public_profile(record.subject, on=DECISION).records == []
    failed = revisions_failure("check")
    assert failed.returncode == 3 and str(failed) == "1 record(s) fail their integrity check"
    assert f"  revision 2: a copy is kept in audit events {corrected.seq}\n" in _check_output()

    out = revisions("restore", record.pk, 2, "--from-audit", corrected.seq, "--reason", "事件 2026-017：数据库被改")
    assert out.strip() == (f"restored revision 2 of record {record.pk} as revision 3; the record is served again "
                           "(revision 3)")
    record.refresh_from_db()
    restoration = RecordRevision.objects.get(record=record, number=3)
    assert (restoration.source, restoration.restores, restoration.reason) == ("restoration", 2, "事件 2026-017：数据库被改")
    assert restoration.data["CF_NR"] == "罚款人民币二万元" and record.revision == 3
    assert record_revision_verify(record).ok
    assert shown_content(record) == "罚款人民币二万元"
    (served,) = records_for_subject(record.subject)
    assert [r.number for r in served.revision_history] == [1, 3], "the damaged revision is never served"
    # The damaged row stays, as evidence.
    assert "二十万元" in RecordRevision.objects.get(record=record, number=2).data["CF_NR"]

    (event,) = AuditEvent.objects.filter(event_type=AuditEventType.RECORD_REVISION_RESTORED)
    assert event.target_id == str(record.pk) and event.articles == ["Art 32", "Art 33"]
    assert event.details == {"revision": 3, "restores": 2, "origin": {"audit_event": corrected.seq},
                             "reason": "事件 2026-017：数据库被改"}
    damaged_change, created = event.changes.order_by("id")
    assert damaged_change.action == "restore"
    assert "二十万元" in damaged_change.before["data"]["CF_NR"] and damaged_change.after["data"]["CF_NR"] == "罚款人民币二万元"
    assert created.after["number"] == 3 and created.after["restores"] == 2
    assert revisions("check").strip() == "ok: every revision passes its integrity check"
    call_command("audit", "verify", stdout=io.StringIO())


def _check_output() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("revisions", "check", stdout=out)
    return out.getvalue()


def test_a_damaged_submitted_revision_is_restored_from_a_backup_export(record, tmp_path):
    backup = tmp_path / "revision.json"
    # Run on a database restored from a backup; here the same database before the damage.
    revisions("export", record.pk, 1, "--out", backup)
    damage(record, 1)
    assert records_for_subject(record.subject) == []
    assert AuditEvent.objects.filter(event_type=AuditEventType.RECORD_INTEGRITY_FAILED).count() == 1
    assert "  revision 1: a copy is kept in no audit event: use a backup\n" in _check_output()
    failed = revisions_failure("export", record.pk, 1)
    assert failed.returncode == 3 and "fails its integrity check here too" in str(failed)

    revisions("restore", record.pk, 1, "--from-file", backup, "--reason", "从 2026-11-30 备份恢复")
    record.refresh_from_db()
    assert record_revision_verify(record).ok and record.revision == 2
    assert shown_content(record) == "罚款人民币一万元"
    (event,) = AuditEvent.objects.filter(event_type=AuditEventType.RECORD_REVISION_RESTORED)
    assert event.details["origin"]["backup_file"] == "revision.json" and len(event.details["origin"]["sm3"]) == 64


def test_an_earlier_damaged_revision_is_restored_without_changing_the_current_content(record, tmp_path):
    backup = tmp_path / "r1.json"
    revisions("export", record.pk, 1, "--out", backup)
    record_correct(record=record, data={"处罚内容": "罚款人民币二万元", "CF_NR_FK": "2"}, reason="金额录入错误")
    damage(record, 1)
    assert records_for_subject(record.subject) == []
    revisions("restore", record.pk, 1, "--from-file", backup, "--reason", "从备份恢复")
    record.refresh_from_db()
    restoration = RecordRevision.objects.get(record=record, number=3)
    assert restoration.restores == 1 and restoration.data["CF_NR"] == "罚款人民币二万元"
    assert shown_content(record) == "罚款人民币二万元"
    (event,) = AuditEvent.objects.filter(event_type=AuditEventType.RECORD_REVISION_RESTORED)
    assert event.changes.order_by("id").first().after["data"]["CF_NR"] == "罚款人民币一万元"


def test_a_copy_that_is_not_the_signed_revision_is_refused(record, tmp_path):
    backup = tmp_path / "revision.json"
    revisions("export", record.pk, 1, "--out", backup)
    forged = json.loads(backup.read_text())
    forged["data"]["CF_NR"] = "罚款人民币一百元"
    backup.write_text(json.dumps(forged, ensure_ascii=False))
    damage(record, 1)
    failed = revisions_failure("restore", record.pk, 1, "--from-file", backup, "--reason", "x")
    assert failed.returncode == 3
    assert str(failed) == "副本不是平台签发的该记录第 1 版，未做任何恢复。"
    assert RecordRevision.objects.filter(record=record).count() == 1
    assert records_for_subject(record.subject) == []


def test_an_intact_revision_and_a_restored_one_are_not_restored_again(record, tmp_path):
    backup = tmp_path / "revision.json"
    revisions("export", record.pk, 1, "--out", backup)
    failed = revisions_failure("restore", record.pk, 1, "--from-file", backup, "--reason", "x")
    assert str(failed) == "第 1 版通过了完整性校验，无需恢复。"
    damage(record, 1)
    revisions("restore", record.pk, 1, "--from-file", backup, "--reason", "从备份恢复")
    failed = revisions_failure("restore", record.pk, 1, "--from-file", backup, "--reason", "x")
    assert str(failed) == "第 1 版已由第 2 版恢复。"


def test_an_audit_event_that_does_not_verify_cannot_vouch_for_a_copy(record):
    record_correct(record=record, data={"处罚内容": "罚款人民币二万元", "CF_NR_FK": "2"}, reason="金额录入错误")
    (corrected,) = AuditEvent.objects.filter(event_type=AuditEventType.RECORD_CORRECTED)
    damage(record, 2, "二万元", "二十万元")
    expression, params = replaced("after", "二万元", "二十万元")
    owner_execute(f"UPDATE audit_objectchange SET after = {expression} WHERE event_id = %s", [*params, corrected.pk],
                  bypass=["audit_objectchange"])
    failed = revisions_failure("restore", record.pk, 2, "--from-audit", corrected.seq, "--reason", "x")
    assert failed.returncode == 3 and f"audit event {corrected.seq} does not verify" in str(failed)
    assert records_for_subject(record.subject) == []
