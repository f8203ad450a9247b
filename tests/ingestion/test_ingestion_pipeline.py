"""Submitting files: formats and encodings, refusals, row errors, duplicates, linking (Art 18, 19, 20)."""

from __future__ import annotations

import datetime as dt

import pytest
from ingestion_fixtures import (
    DECISION,
    HEADERS,
    org_uscc,
    penalty_row,
    person_id,
    person_row,
    write_csv,
    write_jsonl,
    write_xlsx,
)

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.ingestion.models import Batch, RejectedRow
from xinyong.ingestion.pipeline import batch_receipt_verify, ingest_file
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.subjects.models import Subject

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]


def ingest(path, provider, **kwargs):
    return ingest_file(path_or_stream=path, item_code="admin-penalty", provider=provider, **kwargs)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_in_each_encoding_with_chinese_headers_is_accepted(tmp_path, penalty, provider, encoding):
    rows = [penalty_row(provider.uscc) for _ in range(3)] + [person_row(provider.uscc)]
    path = write_csv(tmp_path / "处罚.csv", rows, encoding=encoding)
    result = ingest(path, provider)
    assert (result.received, result.accepted, result.rejected, result.duplicates) == (4, 4, 0, 0), result
    batch = Batch.objects.get(pk=result.batch)
    assert batch.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-bom", "gb18030": "gb18030"}[encoding]
    assert CreditRecord.objects.filter(batch=batch).count() == 4
    assert RecordRevision.objects.filter(record__batch=batch, number=1).count() == 4


def test_full_width_characters_and_stray_spaces_are_normalized(tmp_path, penalty, provider):
    uscc = org_uscc(77)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in uscc)
    row = penalty_row(provider.uscc, **{"统一社会信用代码": f"  {full_width} ", "罚款金额（万元）": "１．５",
                                       "处罚决定日期": "2026年3月5日"})
    headers = [f" {h} " for h in row]
    path = write_csv(tmp_path / "f.csv", [dict(zip(headers, row.values(), strict=True))], headers=headers)
    result = ingest(path, provider)
    assert result.accepted == 1, result.as_dict()
    revision = RecordRevision.objects.get()
    assert revision.data["CF_XDR_SHXYM"] == uscc
    assert revision.data["CF_NR_FK"] == "1.5"
    assert revision.data["CF_JDRQ"] == "2026-03-05"


def test_an_xlsx_with_date_cells_and_a_jsonl_file_are_accepted(tmp_path, penalty, provider):
    xlsx = write_xlsx(tmp_path / "处罚.xlsx", [penalty_row(provider.uscc), person_row(provider.uscc)])
    result = ingest(xlsx, provider)
    assert (result.accepted, result.rejected) == (2, 0), result.as_dict()
    assert Batch.objects.get(pk=result.batch).format == "xlsx"
    jsonl = write_jsonl(tmp_path / "处罚.jsonl", [penalty_row(provider.uscc)])
    result = ingest(jsonl, provider)
    assert result.accepted == 1, result.as_dict()
    assert set(RecordRevision.objects.values_list("decision_date", flat=True)) == {DECISION}


def test_excel_serial_dates_are_read(tmp_path, penalty, provider):
    serial = (DECISION - dt.date(1899, 12, 30)).days
    path = write_csv(tmp_path / "s.csv", [penalty_row(provider.uscc, **{"处罚决定日期": str(serial)})])
    assert ingest(path, provider).accepted == 1
    assert CreditRecord.objects.get().decision_date == DECISION


@pytest.mark.articles("Art 19")
def test_a_prohibited_column_refuses_the_whole_file_and_stores_nothing(tmp_path, penalty, provider):
    rows = [dict(penalty_row(provider.uscc), 血型="A") for _ in range(3)]
    result = ingest(write_csv(tmp_path / "p.csv", rows), provider)
    assert result.status == "refused"
    assert (result.error_code, result.field) == ("prohibited_field", "血型")
    assert "血型" in result.error
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()
    assert not RejectedRow.objects.exists()
    assert Batch.objects.get(pk=result.batch).status == "refused"
    assert AuditEvent.objects.filter(event_type=AuditEventType.SUBMISSION_REFUSED).count() == 1
    assert not AuditEvent.objects.filter(event_type=AuditEventType.SUBMISSION_ACCEPTED).exists()


def test_an_unknown_column_is_refused_naming_it(tmp_path, penalty, provider):
    rows = [dict(penalty_row(provider.uscc), 联系电话="13800000000")]
    result = ingest(write_csv(tmp_path / "u.csv", rows), provider)
    assert (result.status, result.error_code, result.field) == ("refused", "unknown_column", "联系电话")
    assert not CreditRecord.objects.exists()


def test_a_missing_required_column_is_refused(tmp_path, penalty, provider):
    row = penalty_row(provider.uscc)
    del row["违法事实"]
    result = ingest(write_csv(tmp_path / "m.csv", [row]), provider)
    assert (result.status, result.error_code, result.field) == ("refused", "missing_required_column", "CF_SY")


def test_a_server_owned_column_is_refused(tmp_path, penalty, provider):
    rows = [dict(penalty_row(provider.uscc), disclosure_class="authorized")]
    result = ingest(write_csv(tmp_path / "s.csv", rows), provider)
    assert (result.status, result.error_code) == ("refused", "server_owned_field")


BAD_ROWS = {
    "required": {"违法事实": ""},
    "bad_check_character": {"统一社会信用代码": org_uscc(5)[:-1] + ("0" if org_uscc(5)[-1] != "0" else "1")},
    "invalid_date": {"处罚决定日期": "2026-13-45"},
    "future_date": {"处罚决定日期": (dt.date.today() + dt.timedelta(days=30)).isoformat()},
    "negative_amount": {"罚款金额（万元）": "-1"},
    "too_many_decimals": {"罚款金额（万元）": "1.1234567"},
    "invalid_amount": {"罚款金额（万元）": "一万"},
    "invalid_choice": {"行政相对人类别": "外星人"},
    "category_mismatch": {"行政相对人类别": "个体工商户"},
    "not_collected_summary_procedure": {"处罚类别": "警告（简易程序）"},
    "provider_mismatch": {"数据来源单位统一社会信用代码": org_uscc(999)},
}


def test_every_kind_of_row_error_is_reported_with_row_field_and_code(tmp_path, penalty, provider):
    rows = [penalty_row(provider.uscc)] + [penalty_row(provider.uscc, **bad) for bad in BAD_ROWS.values()]
    rows.append(person_row(provider.uscc, **{"证件号码": "130802198001011235"}))  # bad check digit
    rows.append(person_row(provider.uscc, **{"证件类型": "", "证件号码": ""}))
    result = ingest(write_csv(tmp_path / "e.csv", rows), provider)
    assert (result.received, result.accepted, result.rejected) == (len(rows), 1, len(rows) - 1)
    found = {(r.row_number, r.code) for r in RejectedRow.objects.all()}
    for offset, code in enumerate(BAD_ROWS, start=3):
        assert (offset, code) in found, (code, sorted(found))
    by_code = {r.code: r for r in RejectedRow.objects.all()}
    assert by_code["required"].field in ("CF_SY", "CF_ZJHM", "CF_ZJLX")
    assert by_code["not_collected_summary_procedure"].field == "CF_CFLB"
    assert "简易程序" in by_code["not_collected_summary_procedure"].message
    assert all(r.message and r.message_en for r in RejectedRow.objects.all())


def test_the_same_file_twice_stores_nothing_new(tmp_path, penalty, provider):
    rows = [penalty_row(provider.uscc) for _ in range(5)]
    rows.append(dict(rows[0]))  # repeated within the file
    path = write_csv(tmp_path / "d.csv", rows)
    first = ingest(path, provider)
    assert (first.accepted, first.duplicates) == (5, 1)
    second = ingest(path, provider)
    assert (second.received, second.accepted, second.duplicates) == (6, 0, 6)
    assert CreditRecord.objects.count() == 5
    assert first.digest == second.digest


def test_a_name_differing_from_the_registry_is_flagged_not_overwritten(tmp_path, penalty, provider):
    row = penalty_row(provider.uscc)
    ingest(write_csv(tmp_path / "a.csv", [row]), provider)
    renamed = penalty_row(provider.uscc, **{"统一社会信用代码": row["统一社会信用代码"], "行政相对人名称": "另一个名称有限公司"})
    result = ingest(write_csv(tmp_path / "b.csv", [renamed]), provider)
    assert (result.accepted, result.name_mismatches, result.subjects_created) == (1, 1, 0)
    subject = Subject.objects.get()
    assert subject.name == row["行政相对人名称"]
    assert CreditRecord.objects.get(document_number=renamed["行政处罚决定书文号"]).name_mismatch


@pytest.mark.articles("Art 19")
def test_persons_are_linked_by_blind_index_and_stored_with_masked_id_numbers(tmp_path, penalty, provider):
    rows = [person_row(provider.uscc, n=7), person_row(provider.uscc, n=7)]
    result = ingest(write_csv(tmp_path / "p.csv", rows), provider)
    assert (result.accepted, result.subjects_created) == (2, 1)
    subject = Subject.objects.get()
    assert subject.kind == "natural_person" and subject.identifier == person_id(7)
    assert subject.division.code == "130802"
    for revision in RecordRevision.objects.all():
        assert person_id(7) not in str(revision.data)
        assert revision.data["CF_ZJHM"] == person_id(7)[:6] + "********" + person_id(7)[-4:]


@pytest.mark.articles("Art 20")
def test_an_individual_business_needs_a_92_code_or_a_person_id(tmp_path, penalty, provider):
    ok_uscc = org_uscc(31, org_type="2")
    rows = [
        penalty_row(provider.uscc, **{"行政相对人类别": "个体工商户", "统一社会信用代码": ok_uscc}),
        person_row(provider.uscc, **{"行政相对人类别": "个体工商户", "行政相对人名称": "王记小吃"}),
        penalty_row(provider.uscc, **{"行政相对人类别": "个体工商户"}),  # a 91 code
    ]
    result = ingest(write_csv(tmp_path / "i.csv", rows), provider)
    assert (result.accepted, result.rejected) == (2, 1), result.as_dict()
    assert RejectedRow.objects.get().code == "category_mismatch"
    kinds = sorted(Subject.objects.values_list("kind", flat=True))
    assert kinds == ["individual_business", "natural_person"]


def test_one_audit_record_per_batch_and_a_signed_receipt(tmp_path, penalty, provider):
    before = AuditEvent.objects.count()
    result = ingest(write_csv(tmp_path / "r.csv", [penalty_row(provider.uscc) for _ in range(30)]), provider)
    events = AuditEvent.objects.filter(event_type=AuditEventType.SUBMISSION_ACCEPTED)
    assert AuditEvent.objects.count() == before + 1 and events.count() == 1
    event = events.get()
    assert event.seq == result.audit_seq
    assert event.details["digest"] == result.digest and event.details["accepted"] == 30
    assert event.details["rule_version"]
    assert {"Art 18", "Art 19", "Art 20"} <= set(event.articles)
    batch = Batch.objects.get(pk=result.batch)
    assert batch_receipt_verify(batch)
    batch.duplicates += 1
    assert not batch_receipt_verify(batch)


def test_a_crash_mid_batch_leaves_nothing_and_no_audit_event(tmp_path, penalty, provider, monkeypatch):
    from xinyong.ingestion import pipeline, storage

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 10)
    calls = {"n": 0}
    backend = type(storage.storage_for_connection())
    original = backend.insert_revisions

    def failing(self, rows, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("injected crash after the first chunk")
        return original(self, rows, **kwargs)

    monkeypatch.setattr(backend, "insert_revisions", failing)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        ingest(write_csv(tmp_path / "c.csv", [penalty_row(provider.uscc) for _ in range(35)]), provider)
    assert calls["n"] == 2
    assert not CreditRecord.objects.exists() and not RecordRevision.objects.exists()
    assert not Subject.objects.exists()
    assert AuditEvent.objects.count() == before
    assert Batch.objects.get().status == "failed"


def test_a_dry_run_validates_and_stores_nothing(tmp_path, penalty, provider):
    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc, **{"违法事实": ""})]
    result = ingest(write_csv(tmp_path / "dry.csv", rows), provider, dry_run=True)
    assert (result.batch, result.accepted, result.rejected, result.dry_run) == (None, 1, 1, True)
    assert not Batch.objects.exists() and not CreditRecord.objects.exists() and not Subject.objects.exists()


@pytest.mark.articles("Art 20")
def test_market_information_needs_a_consent_reference_on_each_row(tmp_path, penalty, provider):
    penalty.is_market_information = True
    penalty.save(update_fields=["is_market_information"])
    rows = [dict(penalty_row(provider.uscc), 授权同意编号="SQ-2026-001"), dict(penalty_row(provider.uscc), 授权同意编号="")]
    result = ingest(write_csv(tmp_path / "m.csv", rows), provider)
    assert (result.accepted, result.rejected) == (1, 1)
    assert RejectedRow.objects.get().code == "consent_required"
    assert RecordRevision.objects.get().data["CONSENT_REF"] == "SQ-2026-001"


def test_headers_match_codes_as_well_as_names(tmp_path, penalty, provider):
    from xinyong.catalog.selectors import field_for_header

    row = penalty_row(provider.uscc)
    by_code = {field_for_header(penalty, h).code: v for h, v in row.items()}
    result = ingest(write_csv(tmp_path / "codes.csv", [by_code]), provider)
    assert result.accepted == 1, result.as_dict()
    assert HEADERS  # the Chinese headers are the default elsewhere


def test_a_corrected_row_resubmitted_later_resolves_its_rejection(tmp_path, penalty, provider):
    good = penalty_row(provider.uscc)
    bad = penalty_row(provider.uscc, **{"违法事实": ""})  # a required field left empty
    first = ingest(write_csv(tmp_path / "1.csv", [good, bad]), provider)
    assert (first.accepted, first.rejected) == (1, 1)
    rejection = RejectedRow.objects.get()
    assert rejection.document_number == bad["行政处罚决定书文号"] and not rejection.resolved

    fixed = dict(bad, **{"违法事实": "销售不合格产品"})
    second = ingest(write_csv(tmp_path / "2.csv", [fixed]), provider)
    assert second.accepted == 1
    rejection.refresh_from_db()
    assert rejection.resolved and rejection.resolved_by_id == second.batch
    event = AuditEvent.objects.filter(event_type=AuditEventType.SUBMISSION_ACCEPTED).order_by("-seq").first()
    assert event.details["resolved_rejections"] == 1
