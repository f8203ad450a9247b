"""Credit reports: the content comes through the access function, the PDF shows it in the national order with
marks, and reports verify by number and by file while any alteration fails (Art 21, 29; security req. 8, 10,
11, 12)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from report_fixtures import COMPANY, COMPANY_USCC, DECISION, pdf_text

from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.disclosure.models import QueryLogEntry
from xinyong.records.models import CreditRecord
from xinyong.reports.choices import VerificationStatus
from xinyong.reports.models import Report
from xinyong.reports.pdf import ATTACHMENT_NAME, META_DIGEST, META_NUMBER, read_embedded
from xinyong.reports.sections import SECTION_TITLES
from xinyong.reports.services import (
    report_issue,
    report_number_normalize,
    report_revoke,
    report_verify_number,
    report_verify_pdf,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 21")]

TITLE = "承德市公共信用信息报告"


def sections_of(report: Report) -> dict[str, dict]:
    return {s["code"]: s for s in json.loads(report.content)["sections"]}


def flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def content_stream_offset(data: bytes) -> int:
    """The offset of the first page's content stream data in the PDF file."""
    from pypdf import PdfReader

    reference = PdfReader(io.BytesIO(data)).pages[0].get("/Contents")
    reference = reference[0] if isinstance(reference, list) else reference
    start = re.search(rb"(?<![0-9])%d 0 obj" % reference.idnum, data).end()
    return data.index(b"stream", start) + len(b"stream\n") + 20


# --- content and PDF ----------------------------------------------------------------------------------------


def test_the_pdf_shows_the_title_and_every_section_in_the_national_order_in_cjk_text(company, issue):
    report = issue(company)
    text = pdf_text(bytes(report.pdf))
    assert TITLE in text
    assert COMPANY in text and COMPANY_USCC in text
    positions = [text.index(f"{title}") for title in SECTION_TITLES]
    assert positions == sorted(positions)
    assert SECTION_TITLES[0] == "登记注册基础信息" and SECTION_TITLES[-1] == "信用状况提升建议"
    assert report.number in text


@pytest.mark.articles("Art 29")
def test_each_record_shows_its_source_department_and_date_and_empty_sections_say_none(company, issue, provider):
    report = issue(company)
    sections = sections_of(report)
    (penalty,) = sections["administrative"]["records"]
    assert (penalty["item"], penalty["provider"], penalty["decision_date"]) == ("行政处罚", provider.name, "2026-03-05")
    assert [r["item_code"] for r in sections["honor"]["records"]] == ["honor"]
    assert sections["serious-dishonesty"]["records"] == []
    text = pdf_text(bytes(report.pdf))
    assert f"信息来源：{provider.name}" in text and "决定日期：2026-03-05" in text
    assert re.search(r"严重失信主体名单信息\s*无", text)


def test_records_under_objection_or_repair_are_marked_in_the_report(company, issue):
    # Objections and repairs are filed by the rights app (not built yet): set the flags they will set.
    penalty = CreditRecord.objects.get(subject=company, item_code="admin-penalty")
    honor = CreditRecord.objects.get(subject=company, item_code="honor")
    CreditRecord.objects.filter(pk=penalty.pk).update(under_objection=True)
    CreditRecord.objects.filter(pk=honor.pk).update(under_repair=True)
    report = issue(company)
    sections = sections_of(report)
    assert sections["administrative"]["records"][0]["marks"] == [{"code": "under_objection", "label": "异议中"}]
    assert sections["honor"]["records"][0]["marks"] == [{"code": "under_repair", "label": "信用修复中"}]
    text = pdf_text(bytes(report.pdf))
    assert re.search(r"行政处罚\s*异议中", text)
    assert re.search(r"诚实守信相关荣誉\s*信用修复中", text)


@pytest.mark.articles("Art 29")
def test_the_subjects_own_report_shows_the_reasons_of_changes_art_29(company, issue):
    from xinyong.records.services import record_correct

    penalty = CreditRecord.objects.get(subject=company, item_code="admin-penalty")
    record_correct(record=penalty, data={"CF_NR_FK": "2"}, reason="罚款金额录入错误")
    (entry,) = sections_of(issue(company))["administrative"]["records"]
    assert [(c["revision"], c["reason"]) for c in entry["changes"]] == [(2, "罚款金额录入错误")]
    assert ["罚款金额（万元）", "2"] in entry["fields"]


def test_the_public_variant_shows_only_public_records(company, issue, make_staff):
    full = issue(company)
    public = report_issue(subject=company, variant="public", requester=make_staff(), purpose="")
    full_items = {r["item_code"] for s in sections_of(full).values() for r in s.get("records", [])}
    public_items = {r["item_code"] for s in sections_of(public).values() for r in s.get("records", [])}
    assert full_items == {"admin-penalty", "honor", "credit-commitment"}
    assert public_items == {"admin-penalty", "honor"}  # the commitment is 不公开
    assert "所提交材料真实有效" in pdf_text(bytes(full.pdf))
    assert "所提交材料真实有效" not in pdf_text(bytes(public.pdf))
    assert public.query_mode == "public" and "公示信息版" in pdf_text(bytes(public.pdf))


@pytest.mark.articles("Art 19")
def test_a_public_report_of_a_natural_person_is_refused_like_a_missing_subject(person, make_staff):
    with pytest.raises(NotFoundOrForbidden):
        report_issue(subject=person, variant="public", requester=make_staff())
    assert not Report.objects.exists()


def test_issuing_writes_one_query_log_entry_and_one_audit_record(company, issue):
    report = issue(company)
    entry = QueryLogEntry.objects.get()
    assert (entry.mode, entry.subject_id, entry.result) == ("self", company.pk, "served")
    event = AuditEvent.objects.get(event_type=AuditEventType.REPORT_ISSUED)
    assert event.target_id == str(report.pk) and event.target_label == report.number
    assert event.details["query_log_entry"] == entry.pk
    assert event.details["content_digest"] == report.content_digest
    assert event.details["parameters"] == {"reports.validity": 30}
    assert report.valid_until == dt.date.fromisoformat(json.loads(report.content)["issued_at"][:10]) + dt.timedelta(
        days=29
    )


def test_another_subjects_account_gets_nothing_and_the_refusal_is_logged(company, person, account_for):
    with pytest.raises(NotFoundOrForbidden):
        report_issue(subject=company, variant="full", requester=account_for(person), purpose="x")
    assert not Report.objects.exists()
    assert QueryLogEntry.objects.get().result == "refused"
    assert AuditEvent.objects.filter(event_type=AuditEventType.QUERY_REFUSED).count() == 1


def test_an_authorized_organization_gets_the_report_the_authorization_covers(company, bank, bank_analyst, grant):
    authorization = grant(company, bank, categories=("administrative", "positive"))
    report = report_issue(subject=company, variant="full", requester=bank_analyst, purpose="贷款审查",
                          authorization=authorization.pk, channel="api")
    assert (report.query_mode, report.authorization_id, report.organization_id) == ("authorized", authorization.pk,
                                                                                     bank.pk)
    sections = sections_of(report)
    assert [r["item_code"] for r in sections["administrative"]["records"]] == ["admin-penalty"]
    assert sections["commitment"]["covered"] is False and sections["commitment"]["records"] == []
    text = pdf_text(bytes(report.pdf))
    assert "授权查询版" in text and bank.name in text and "本次授权查询未包括此类信息" in text
    with pytest.raises(NotFoundOrForbidden):  # the purpose must be the authorized one (Art 21)
        report_issue(subject=company, variant="full", requester=bank_analyst, purpose="其他用途",
                     authorization=authorization.pk)


def test_report_numbers_are_readable_unguessable_and_normalized_when_typed(company, issue):
    first, second = issue(company), issue(company)
    assert re.fullmatch(r"XY\d{8}(-[2-9A-HJ-NP-Z]{4}){4}", first.number)
    assert first.number[:10] == second.number[:10] and first.number != second.number
    typed = first.number.lower().replace("-", " ")
    assert report_number_normalize(typed) == first.number
    assert report_number_normalize("XY2026") is None


# --- the no-violation report --------------------------------------------------------------------------------


def test_the_no_violation_report_says_per_domain_whether_adverse_records_exist_in_the_period(company, issue, provider):
    report = issue(company, "no_violation",
                   domains=[f"provider:{provider.uscc}", "category:serious-dishonesty", "item:honor"],
                   period=(dt.date(2025, 1, 1), dt.date(2026, 6, 30)))
    nv = json.loads(report.content)["no_violation"]
    assert (nv["from"], nv["to"]) == ("2025-01-01", "2026-06-30")
    found = {d["label"]: d["found"] for d in nv["domains"]}
    assert found == {provider.name: 1, "严重失信主体名单信息": 0, "诚实守信相关荣誉": 0}  # an honour is not adverse
    text = pdf_text(bytes(report.pdf))
    assert "无违法违规记录" in text and "有失信信息 1 条" in text and "承市监罚〔2026〕88号" in text
    assert (report.period_from, report.period_to) == (dt.date(2025, 1, 1), dt.date(2026, 6, 30))


def test_a_period_before_the_penalty_finds_no_violation(company, issue, provider):
    report = issue(company, "no_violation", domains=[provider.uscc],
                   period=(dt.date(2024, 1, 1), DECISION - dt.timedelta(days=1)))
    (domain,) = json.loads(report.content)["no_violation"]["domains"]
    assert (domain["kind"], domain["found"]) == ("provider", 0)
    assert "无违法违规记录" in pdf_text(bytes(report.pdf))


def test_the_no_violation_report_needs_known_domains_and_a_sound_period(company, issue):
    with pytest.raises(ServiceError) as unknown:
        issue(company, "no_violation", domains=["category:nothing-like-this"])
    assert unknown.value.code == "unknown_domain"
    with pytest.raises(ServiceError) as future:
        issue(company, "no_violation", domains=["category:administrative"],
              period=(dt.date(2026, 1, 1), dt.date(2099, 1, 1)))
    assert future.value.code == "period_in_future"
    assert not Report.objects.exists() and not QueryLogEntry.objects.exists()


# --- verification -------------------------------------------------------------------------------------------


def test_a_report_verifies_by_number_and_by_its_pdf(company, issue):
    report = issue(company)
    by_number = report_verify_number(report.number.lower())
    by_pdf = report_verify_pdf(bytes(report.pdf))
    for result in (by_number, by_pdf):
        assert (result.status, result.authentic, result.valid) == (VerificationStatus.VALID, True, True)
        assert result.number == report.number and result.subject_name == COMPANY
        assert result.issued_at == report.issued_at
    assert by_pdf.checks == {"signature": True, "content": True, "file": True, "not_revoked": True,
                             "in_validity": True}
    events = AuditEvent.objects.filter(event_type=AuditEventType.REPORT_VERIFIED)
    assert [e.outcome for e in events] == [AuditOutcome.SUCCESS] * 2


def test_the_pdf_carries_its_number_digest_signature_and_canonical_content(company, issue):
    from pypdf import PdfReader

    report = issue(company)
    reader = PdfReader(io.BytesIO(bytes(report.pdf)))
    assert reader.metadata[f"/{META_NUMBER}"] == report.number
    assert reader.metadata[f"/{META_DIGEST}"] == report.content_digest
    assert reader.attachments[ATTACHMENT_NAME] == [report.content.encode("utf-8")]
    embedded = read_embedded(bytes(report.pdf))
    assert (embedded.signature, embedded.key_id) == (report.signature, report.signature_key_id)


def test_a_pdf_with_one_byte_changed_in_its_content_stream_is_not_authentic(company, issue):
    report = issue(company)
    altered = flip_byte(bytes(report.pdf), content_stream_offset(bytes(report.pdf)))
    result = report_verify_pdf(altered)
    assert not result.authentic and result.status == VerificationStatus.ALTERED
    assert result.checks["signature"] and result.checks["content"] and result.checks["file"] is False
    assert AuditEvent.objects.get(event_type=AuditEventType.REPORT_VERIFIED).outcome == AuditOutcome.FAILURE


def test_a_pdf_with_one_byte_changed_in_its_embedded_content_is_not_authentic(company, issue):
    report = issue(company)
    data = bytes(report.pdf)
    # The embedded file's stream: flip a byte inside it (compressed or not, the content no longer verifies).
    start = data.index(b"/Type /EmbeddedFile") if b"/Type /EmbeddedFile" in data else data.index(b"/EmbeddedFile")
    at = data.index(b"stream", start) + len(b"stream\n") + 30
    result = report_verify_pdf(flip_byte(data, at))
    assert not result.authentic
    assert result.status in (VerificationStatus.SIGNATURE_INVALID, VerificationStatus.UNREADABLE)


def test_a_pdf_rebuilt_with_edited_content_and_a_valid_structure_is_not_authentic(company, issue):
    from pypdf import PdfReader, PdfWriter

    report = issue(company)
    reader = PdfReader(io.BytesIO(bytes(report.pdf)))
    writer = PdfWriter()
    writer.append(reader)  # the pages, without the embedded file
    writer.add_metadata(reader.metadata)  # the number, digest, signature and key id as issued
    forged = report.content.replace("罚款人民币一万元", "罚款人民币一元")
    assert forged != report.content
    writer.add_attachment(ATTACHMENT_NAME, forged.encode("utf-8"))
    buffer = io.BytesIO()
    writer.write(buffer)
    result = report_verify_pdf(buffer.getvalue())
    assert not result.authentic and result.status == VerificationStatus.SIGNATURE_INVALID


def test_a_report_whose_stored_content_was_altered_in_the_database_fails(company, issue):
    report = issue(company)
    Report.objects.filter(pk=report.pk).update(content=report.content.replace("罚款人民币一万元", "罚款人民币一元"))
    by_number = report_verify_number(report.number)
    by_pdf = report_verify_pdf(bytes(report.pdf))
    assert by_number.status == VerificationStatus.SIGNATURE_INVALID and not by_number.authentic
    assert by_pdf.status == VerificationStatus.CONTENT_MISMATCH and not by_pdf.authentic


def test_a_report_whose_stored_pdf_was_replaced_in_the_database_fails(company, issue):
    report, other = issue(company), issue(company)
    Report.objects.filter(pk=report.pk).update(pdf=bytes(other.pdf))
    assert report_verify_number(report.number).status == VerificationStatus.ALTERED


def test_another_reports_valid_content_cannot_stand_in_for_a_report(company, issue):
    report, other = issue(company), issue(company)
    Report.objects.filter(pk=report.pk).update(
        content=other.content, content_digest=other.content_digest, signature=other.signature
    )
    assert report_verify_number(report.number).status == VerificationStatus.SIGNATURE_INVALID


def test_unknown_numbers_and_non_report_files_are_not_authentic(company, issue):
    assert report_verify_number("XY20260101-2222-3333-4444-5555").status == VerificationStatus.NOT_FOUND
    assert report_verify_number("not a number").status == VerificationStatus.NOT_FOUND
    assert report_verify_pdf(b"%PDF-1.7 nonsense").status == VerificationStatus.UNREADABLE
    assert report_verify_pdf(b"").status == VerificationStatus.UNREADABLE


def test_a_revoked_or_expired_report_is_authentic_but_not_in_force(company, issue):
    report = issue(company)
    expired = report_verify_number(report.number, on=report.valid_until + dt.timedelta(days=1))
    on_last_day = report_verify_number(report.number, on=report.valid_until)
    assert (expired.status, expired.authentic, expired.valid) == (VerificationStatus.EXPIRED, True, False)
    assert on_last_day.status == VerificationStatus.VALID
    report_revoke(report=report, reason="所依据的信息已更正")
    revoked = report_verify_pdf(bytes(report.pdf))
    assert (revoked.status, revoked.authentic, revoked.checks["not_revoked"]) == (VerificationStatus.REVOKED, True,
                                                                                 False)
    assert AuditEvent.objects.filter(event_type=AuditEventType.REPORT_REVOKED).count() == 1


# --- personal information -----------------------------------------------------------------------------------


@pytest.mark.articles("Art 19")
def test_a_persons_report_holds_no_plain_id_number(person, issue):
    report = issue(person)
    text = pdf_text(bytes(report.pdf))
    assert "王小明" in text and person.identifier_masked in text
    # Apart from the report number and the signing key id (dates), no run of eight digits at all.
    scrubbed = text.replace(report.number, "").replace(report.signature_key_id, "")
    assert not re.search(r"\d{8,}", scrubbed)
    assert person.plain_id not in report.content and not re.search(r"\d{8,}", report.content.replace(
        report.number, ""))
    assert report_verify_number(report.number).subject_name == "王**"
