"""Credit records: corrections keep history, withdrawals stop every use, revisions are append-only and
tamper-evident (Art 30, 32, 33; security req. 14, 18)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from database_owner import owner_execute
from django.db import DatabaseError, connection, transaction
from ingestion_fixtures import DECISION, penalty_row, person_id, person_row, write_csv

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import ServiceError
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.ingestion.models import RejectedRow
from xinyong.ingestion.pipeline import ingest_file
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.records.selectors import record_is_public_on, record_revision_verify, records_for_subject
from xinyong.records.services import record_correct, record_withdraw

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def submit(tmp_path, provider, rows, name="r.csv"):
    return ingest_file(path_or_stream=write_csv(tmp_path / name, rows), item_code="admin-penalty", provider=provider)


@pytest.fixture
def record(tmp_path, penalty, provider):
    submit(tmp_path, provider, [penalty_row(provider.uscc)])
    return CreditRecord.objects.get()


@pytest.mark.articles("Art 18")
def test_a_stored_record_is_pinned_to_its_item_version_with_a_server_computed_window(record, penalty):
    assert record.item_id == penalty.pk and record.item_code == "admin-penalty"
    assert record.disclosure_class == penalty.disclosure_class
    assert record.publication_start == DECISION
    # publication.general_penalty_maximum was 36 months before 2026-04-01 (the decision date's rule).
    assert record.publication_end == dt.date(2029, 3, 5)
    assert record_revision_verify(record).ok


@pytest.mark.articles("Art 18")
def test_the_public_window_ends_exactly_at_publication_end(record):
    assert not record_is_public_on(record, DECISION - dt.timedelta(days=1))
    assert record_is_public_on(record, DECISION)
    assert record_is_public_on(record, record.publication_end - dt.timedelta(days=1))
    assert not record_is_public_on(record, record.publication_end)


@pytest.mark.articles("Art 30")
def test_a_correction_creates_a_revision_and_keeps_the_history(record):
    revision = record_correct(record=record, data={"CF_NR_FK": "2.5", "处罚决定日期": "2026/3/6"},
                              reason="金额、日期录入错误")
    record.refresh_from_db()
    assert (revision.number, record.revision) == (2, 2)
    assert record.decision_date == dt.date(2026, 3, 6)
    history = list(record.revisions.order_by("number"))
    assert [r.data["CF_NR_FK"] for r in history] == ["1", "2.5"]
    assert history[1].reason == "金额、日期录入错误" and history[1].source == "correction"
    assert record_revision_verify(record).ok
    event = AuditEvent.objects.get(event_type=AuditEventType.RECORD_CORRECTED)
    assert event.articles == ["Art 30"] and set(event.details["fields"]) == {"CF_JDRQ", "CF_NR_FK"}


@pytest.mark.articles("Art 30")
def test_a_correction_is_validated_like_a_submission_and_needs_a_reason(record):
    from xinyong.ingestion.validation import RowsRejected

    with pytest.raises(RowsRejected) as rejected:
        record_correct(record=record, data={"CF_NR_FK": "-1"}, reason="x")
    assert rejected.value.errors[0].code == "negative_amount"
    with pytest.raises(ServiceError) as no_reason:
        record_correct(record=record, data={"CF_NR_FK": "2"}, reason=" ")
    assert no_reason.value.code == "reason_required"
    assert record.revisions.count() == 1


@pytest.mark.articles("Art 30")
def test_a_correction_cannot_move_the_record_to_another_subject(record):
    from xinyong.ingestion.pipeline import _BatchRun  # noqa: F401 - the pipeline shares the rule

    other = penalty_row(record.provider.uscc)["统一社会信用代码"]
    with pytest.raises(ServiceError) as refused:
        record_correct(record=record, data={"CF_XDR_SHXYM": other}, reason="主体填错")
    assert refused.value.code == "subject_change_not_allowed"


@pytest.mark.articles("Art 30")
def test_a_file_row_marked_as_a_correction_adds_a_revision(tmp_path, record, provider):
    row = penalty_row(provider.uscc)
    current = record.revisions.get().data
    row.update({"行政处罚决定书文号": record.document_number, "统一社会信用代码": current["CF_XDR_SHXYM"],
                "行政相对人名称": current["CF_XDR_MC"], "罚款金额（万元）": "3", "操作类型": "更正",
                "修正原因": "罚款金额有误"})
    result = submit(tmp_path, provider, [row], "fix.csv")
    assert (result.accepted, result.corrected, result.duplicates) == (1, 1, 0), result.as_dict()
    again = submit(tmp_path, provider, [row], "fix.csv")
    assert (again.accepted, again.duplicates) == (0, 1)
    assert [r.data["CF_NR_FK"] for r in record.revisions.order_by("number")] == ["1", "3"]
    assert RecordRevision.objects.get(record=record, number=2).reason == "罚款金额有误"
    missing = dict(row, 行政处罚决定书文号="不存在的文号")
    result = submit(tmp_path, provider, [missing], "missing.csv")
    assert result.rejected == 1 and RejectedRow.objects.get().code == "correction_target_missing"


@pytest.mark.articles("Art 30")
def test_a_withdrawn_record_is_kept_but_no_longer_usable(record):
    subject = record.subject
    assert [r.pk for r in records_for_subject(subject, usable_only=True)] == [record.pk]
    record_withdraw(record=record, reason="处罚决定已被行政复议撤销")
    record.refresh_from_db()
    assert record.status == "withdrawn"
    assert records_for_subject(subject, usable_only=True) == []
    assert [r.pk for r in records_for_subject(subject)] == [record.pk]
    assert not record_is_public_on(record, DECISION)
    assert record.revisions.count() == 2 and record_revision_verify(record).ok
    with pytest.raises(ServiceError):
        record_withdraw(record=record, reason="again")
    assert AuditEvent.objects.filter(event_type=AuditEventType.RECORD_WITHDRAWN).count() == 1


@pytest.mark.articles("Art 32")
def test_the_revision_table_refuses_update_and_delete(record):
    for statement in (f"UPDATE {RecordRevision._meta.db_table} SET reason = 'x'",
                      f"DELETE FROM {RecordRevision._meta.db_table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert RecordRevision.objects.count() == 1


def _bypassing_the_trigger(statement: str) -> None:
    """Change a revision as an intruder with the owner's credentials would (tests/database_owner.py)."""
    owner_execute(statement, bypass=[RecordRevision._meta.db_table])


@pytest.mark.articles("Art 32")
@pytest.mark.django_db(transaction=True)
def test_a_byte_changed_in_a_revision_is_detected_and_the_record_is_not_served(record):
    table = RecordRevision._meta.db_table
    column = "data::text" if connection.vendor == "postgresql" else "data"
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    _bypassing_the_trigger(f"UPDATE {table} SET data = replace({column}, '罚款人民币一万元', '罚款人民币十万元'){cast}")
    assert "十万元" in RecordRevision.objects.get().data["CF_NR"]
    result = record_revision_verify(record)
    assert not result.ok and "integrity" in result.problems[0]
    assert records_for_subject(record.subject) == []
    assert AuditEvent.objects.filter(event_type=AuditEventType.RECORD_INTEGRITY_FAILED).count() == 1
    with pytest.raises(ServiceError) as refused:
        record_withdraw(record=record, reason="x")
    assert refused.value.code == "integrity_failed"


@pytest.mark.articles("Art 32")
def test_a_disclosure_class_changed_on_the_record_row_is_detected(record):
    CreditRecord.objects.filter(pk=record.pk).update(disclosure_class="authorized")
    record.refresh_from_db()
    assert not record_revision_verify(record).ok
    assert records_for_subject(record.subject) == []


CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def test_no_plain_id_number_is_stored_in_revisions_or_rejections(tmp_path, penalty, provider):
    rows = [person_row(provider.uscc, n=n) for n in range(1, 6)]
    rows.append(person_row(provider.uscc, n=9, **{"备注": f"当事人身份证号{person_id(9)}"}))
    rows.append(person_row(provider.uscc, n=10, **{"违法事实": ""}))  # rejected, kept with its values
    result = submit(tmp_path, provider, rows)
    assert (result.accepted, result.rejected) == (6, 1)
    dump = []
    with connection.cursor() as cursor:
        for model in (RecordRevision, RejectedRow, CreditRecord):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            dump.extend(str(value) for row in cursor.fetchall() for value in row)
    text = "\n".join(dump)
    found = [c for c in CANDIDATE.findall(text) if validate(IdentifierType.CITIZEN_ID, c).ok]
    assert found == []
    assert all(person_id(n) not in text for n in (1, 2, 3, 4, 5, 9, 10))
