"""Objections and credit repair through the pages (Art 28–31): the subject files in the portal, the deciding
department handles the case in the console, the public sees the marks and the reputation notices.

Acts through the pages are dated today (the server's date); the suite's calendar covers the current year.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import publish_entry

from xinyong.records.choices import RecordStatus
from xinyong.rights.choices import CaseStatus, Outcome
from xinyong.rights.models import Case, ReputationNotice
from xinyong.rights.services import REMEDIES, objection_file, repair_apply
from xinyong.web.testing import assert_accessible, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The marks as the pages show them (异议中 / 信用修复中; the wording is the catalog's).
OBJECTION_MARK = gettext_lazy("Objection pending")
REPAIR_MARK = gettext_lazy("Credit repair in progress")


def public_page(subject) -> str:
    response = Client().get(f"/org/{subject.identifier}/")
    assert response.status_code == 200
    return text_of(response)


def objection_form(**extra) -> dict:
    return {"reasons": "该处罚决定已被复议机关撤销，信息有误。", "requested_change": "删除该条处罚信息",
            "filed_by": "subject", "agent_name": "", **extra}


def field_error(response, name: str) -> str:
    """The text of the error shown next to a form field (the page's `<ul id="id_<name>_error">`)."""
    found = re.search(rf'<ul class="field__errors" id="id_{name}_error">(.*?)</ul>', response.content.decode(), re.S)
    assert found, f"an error next to {name}"
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", found.group(1))  # the "Error:" prefix
    return re.sub(r"<[^>]+>", " ", shown).strip()


def file_objection(record, account, **extra) -> Case:
    return objection_file(subject=record.subject, record=record, reasons="处罚金额有误。", applicant=account, **extra)


# --- the portal ------------------------------------------------------------------------------------------------


@pytest.mark.articles("Art 28")
@pytest.mark.smoke
def test_filing_an_objection_in_the_portal_marks_the_record_on_the_public_page_at_once(
    portal_client, record, pdf_upload
):
    assert str(OBJECTION_MARK) not in public_page(record.subject)

    mine = portal_client.get("/rights/")
    assert mine.status_code == 200
    assert_accessible(mine)
    body = mine.content.decode()
    assert f"/rights/objections/new/?record={record.pk}" in body and f"/rights/repairs/new/?record={record.pk}" in body
    assert "提出异议" in body and "申请信用修复" in body

    page = portal_client.get(f"/rights/objections/new/?record={record.pk}")
    assert page.status_code == 200
    assert_accessible(page)
    assert record.document_number in text_of(page)

    response = portal_client.post(f"/rights/objections/new/?record={record.pk}",
                                  objection_form(evidence=[pdf_upload(), pdf_upload("复议决定书.pdf")]))
    case = Case.objects.get(record=record)
    assert response.status_code == 302 and response["Location"] == f"/rights/{case.pk}/"
    assert case.status == CaseStatus.OPEN and case.files.count() == 2 and case.channel == "portal"

    # The mark is on the public page at once (Art 28), and in the subject's own information.
    assert str(OBJECTION_MARK) in public_page(record.subject)
    information = portal_client.get("/account/information/")
    assert str(OBJECTION_MARK) in text_of(information)

    detail = portal_client.get(f"/rights/{case.pk}/")
    assert detail.status_code == 200
    assert_accessible(detail)
    text = text_of(detail)
    assert case.number in text and capfirst(str(CaseStatus.OPEN.label)) in text and case.due_on.isoformat() in text
    assert "复议决定书.pdf" in text
    download = portal_client.get(f"/rights/{case.pk}/files/{case.files.order_by('id').last().pk}/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]

    # The list now links to the open case instead of offering a second objection.
    body = portal_client.get("/rights/").content.decode()
    assert f"/rights/objections/new/?record={record.pk}" not in body and f"/rights/{case.pk}/" in body


def test_the_account_pages_link_to_objections_and_repair(portal_client, record):
    information = portal_client.get("/account/information/")
    body = information.content.decode()
    assert 'href="/rights/"' in body and "异议与修复" in body
    assert f"/rights/objections/new/?record={record.pk}" in body
    # The shared record include offers the links only on the subject's own page.
    public = Client().get(f"/org/{record.subject.identifier}/").content.decode()
    assert "/rights/objections/new/" not in public


def test_an_agent_without_a_power_of_attorney_is_refused_with_a_chinese_error_naming_the_field(
    portal_client, record
):
    response = portal_client.post(f"/rights/objections/new/?record={record.pk}",
                                  objection_form(filed_by="agent", agent_name="李律师"))
    assert response.status_code == 400
    assert_accessible(response)
    error = field_error(response, "power_of_attorney")
    assert CHINESE.search(error), error
    summary = text_of(response)
    assert "授权委托书" in summary  # the summary names the field
    assert not Case.objects.exists()
    record.refresh_from_db()
    assert record.under_objection is False


def test_an_agent_with_a_power_of_attorney_files_for_the_subject(portal_client, record, pdf_upload):
    response = portal_client.post(
        f"/rights/objections/new/?record={record.pk}",
        objection_form(filed_by="agent", agent_name="李律师", power_of_attorney=pdf_upload("授权委托书.pdf")),
    )
    assert response.status_code == 302
    case = Case.objects.get(record=record)
    assert case.filed_by == "agent" and case.agent_name == "李律师"
    assert list(case.files.values_list("kind", flat=True)) == ["power_of_attorney"]


def test_another_subjects_record_and_case_answer_404(portal_client, record, other_record, file_penalty):
    for url in (f"/rights/objections/new/?record={other_record.pk}", f"/rights/repairs/new/?record={other_record.pk}",
                "/rights/objections/new/?record=999999", "/rights/objections/new/?record=abc",
                "/rights/objections/new/", f"/rights/repairs/new/?entry={other_record.pk}"):
        assert portal_client.get(url).status_code == 404, url
    response = portal_client.post(f"/rights/objections/new/?record={other_record.pk}", objection_form())
    assert response.status_code == 404
    other_record.refresh_from_db()
    assert other_record.under_objection is False

    from xinyong.subjects.services import subject_account_create

    other_account = subject_account_create(subject=other_record.subject, username="other-company").user
    case = file_objection(other_record, other_account)
    assert portal_client.get(f"/rights/{case.pk}/").status_code == 404
    assert portal_client.post(f"/rights/{case.pk}/withdraw/").status_code == 404
    assert portal_client.get(f"/rights/{case.pk}/files/1/").status_code == 404
    assert case.number not in portal_client.get("/rights/").content.decode()


@pytest.mark.articles("Art 28")
def test_the_subject_withdraws_its_open_objection_and_the_mark_goes(portal_client, record, account):
    case = file_objection(record, account)
    response = portal_client.post(f"/rights/{case.pk}/withdraw/", {"reason": "已与处罚机关沟通一致。"})
    assert response.status_code == 302
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == CaseStatus.CANCELLED and record.under_objection is False
    page = portal_client.get(f"/rights/{case.pk}/")
    status = re.search(r'id="case-status">(.*?)<', page.content.decode()).group(1)
    assert status == capfirst(str(CaseStatus.CANCELLED.label))
    assert f'action="/rights/{case.pk}/withdraw/"' not in page.content.decode()  # closed: no button


def test_staff_and_anonymous_visitors_are_sent_to_the_subject_login(client, submitter):
    assert client.get("/rights/")["Location"].startswith("/login/")
    client.force_login(submitter)
    response = client.get("/rights/objections/new/?record=1")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- the console -----------------------------------------------------------------------------------------------


@pytest.mark.articles("Art 28", "Art 30")
def test_the_providers_clerk_extends_once_and_corrects_the_record_the_subject_sees_the_outcome(
    portal_client, record, account, submitter, console_client_for
):
    case = file_objection(record, account)
    console = console_client_for(submitter)

    inbox = console.get("/console/rights/cases/")
    assert inbox.status_code == 200
    assert_accessible(inbox)
    assert case.number in text_of(inbox) and record.subject.name in text_of(inbox)
    assert case.number not in text_of(console.get("/console/rights/cases/?kind=repair"))
    assert case.number not in text_of(console.get("/console/rights/cases/?overdue=on"))
    assert case.number in text_of(console.get("/console/rights/cases/?kind=objection&status=open"))

    page = console.get(f"/console/rights/cases/{case.pk}/")
    assert page.status_code == 200
    assert_accessible(page)
    text = text_of(page)
    assert "处罚内容" in text and "罚款人民币一万元" in text  # each field with its current value
    assert 'name="field_CF_NR"' in page.content.decode()
    for locked in ("CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_WSH", "CF_ZJHM"):  # identity fields are not corrected
        assert f'name="field_{locked}"' not in page.content.decode()

    due = case.due_on
    response = console.post(f"/console/rights/cases/{case.pk}/extend/", {"days": "3", "reason": "需向复议机关核实。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.extensions == 1 and case.due_on > due and case.extension_reason == "需向复议机关核实。"
    page = console.get(f"/console/rights/cases/{case.pk}/")
    assert f'action="/console/rights/cases/{case.pk}/extend/"' not in page.content.decode()  # once only
    second = console.post(f"/console/rights/cases/{case.pk}/extend/", {"days": "2", "reason": "仍需核实。"})
    assert second.status_code == 400
    assert CHINESE.search(field_error(second, "days"))
    case.refresh_from_db()
    assert case.extensions == 1

    # Corrected: the changed field values are the corrections; the record gets a new revision.
    response = console.post(f"/console/rights/cases/{case.pk}/decide/", {
        "outcome": "corrected", "reasons": "经核实，罚款金额应为五千元，予以更正。",
        "field_CF_NR": "罚款人民币五千元", "field_CF_NR_FK": "0.5",
    })
    assert response.status_code == 302
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.outcome == Outcome.CORRECTED
    assert record.revision == 2 == case.corrected_revision and record.under_objection is False

    information = text_of(portal_client.get("/account/information/"))
    assert "罚款人民币五千元" in information and "罚款人民币一万元" not in information
    assert str(OBJECTION_MARK) not in information and "更正" in information
    detail = portal_client.get(f"/rights/{case.pk}/")
    text = text_of(detail)
    assert "经核实，罚款金额应为五千元，予以更正。" in text
    assert capfirst(str(Outcome.CORRECTED.label)) in text
    assert 'id="case-remedies"' in detail.content.decode() and str(REMEDIES) in text
    assert f'action="/rights/{case.pk}/withdraw/"' not in detail.content.decode()
    assert_accessible(detail)


def test_a_refused_correction_is_shown_next_to_the_field(record, account, submitter, console_client_for):
    case = file_objection(record, account)
    console = console_client_for(submitter)
    response = console.post(f"/console/rights/cases/{case.pk}/decide/", {
        "outcome": "corrected", "reasons": "更正日期。", "field_CF_JDRQ": "不是日期",
    })
    assert response.status_code == 400
    assert CHINESE.search(field_error(response, "field_CF_JDRQ"))
    assert_accessible(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    nothing = console.post(f"/console/rights/cases/{case.pk}/decide/", {"outcome": "corrected", "reasons": "更正。"})
    assert nothing.status_code == 400  # a correction that changes nothing is refused


def test_the_console_needs_the_permission_and_hides_other_departments_cases(
    record, account, make_staff, make_org, console_client_for
):
    case = file_objection(record, account)
    no_permission = console_client_for(make_staff(roles=("analyst",)))
    assert no_permission.get("/console/rights/cases/").status_code == 403
    other = console_client_for(make_staff(roles=("data_submitter",), organization=make_org(name="承德市税务局")))
    assert case.number not in text_of(other.get("/console/rights/cases/"))
    for url in (f"/console/rights/cases/{case.pk}/", "/console/rights/cases/999999/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/console/rights/cases/{case.pk}/decide/",
                      {"outcome": "maintained", "reasons": "维持。"}).status_code == 404
    assert other.post(f"/console/rights/cases/{case.pk}/extend/", {"days": "1", "reason": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.extensions == 0


def test_an_overdue_case_is_first_in_the_inbox_and_marked(record, other_record, account, submitter,
                                                            console_client_for):
    from xinyong.subjects.services import subject_account_create

    later = file_objection(record, account)
    other_account = subject_account_create(subject=other_record.subject, username="other-company").user
    overdue = file_objection(other_record, other_account)
    Case.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    console = console_client_for(submitter)
    inbox = console.get("/console/rights/cases/").content.decode()
    assert inbox.index(overdue.number) < inbox.index(later.number)  # the earliest deadline first
    only = text_of(console.get("/console/rights/cases/?overdue=on"))
    assert overdue.number in only and later.number not in only
    assert str(gettext_lazy("Past the deadline")) in only


def test_the_console_menu_links_to_the_inbox_for_those_who_handle_cases(submitter, console_client_for):
    home = console_client_for(submitter).get("/console/")
    assert 'href="/console/rights/cases/"' in home.content.decode()


# --- credit repair ---------------------------------------------------------------------------------------------


@pytest.mark.articles("Art 31")
def test_a_non_repairable_item_shows_the_legal_reason_and_no_form(portal_client, company, clerk):
    entry = publish_entry(company, clerk, "court-enforcement")
    page = portal_client.get(f"/rights/repairs/new/?entry={entry.pk}")
    assert page.status_code == 200
    assert_accessible(page)
    assert "失信被执行人名单由人民法院依法纳入和删除" in text_of(page)
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    assert not Case.objects.exists()


@pytest.mark.articles("Art 31")
def test_repair_approval_makes_the_record_leave_the_public_page(
    portal_client, record, submitter, console_client_for, pdf_upload
):
    assert record.document_number in public_page(record.subject)
    page = portal_client.get(f"/rights/repairs/new/?record={record.pk}")
    assert page.status_code == 200
    assert_accessible(page)
    body = page.content.decode()
    assert 'name="material_commitment"' in body and 'name="material_rectification"' in body

    missing = portal_client.post(f"/rights/repairs/new/?record={record.pk}", {
        "reasons": "已缴清罚款并完成整改。", "filed_by": "subject", "material_commitment": pdf_upload("承诺书.pdf"),
    })
    assert missing.status_code == 400
    assert field_error(missing, "material_rectification")
    assert not Case.objects.exists()

    response = portal_client.post(f"/rights/repairs/new/?record={record.pk}", {
        "reasons": "已缴清罚款并完成整改。", "filed_by": "subject",
        "material_commitment": pdf_upload("承诺书.pdf"), "material_rectification": pdf_upload("缴款凭证.pdf"),
    })
    case = Case.objects.get(record=record)
    assert response.status_code == 302 and response["Location"] == f"/rights/{case.pk}/"
    assert sorted(case.files.values_list("kind", flat=True)) == ["commitment", "rectification"]
    assert str(REPAIR_MARK) in public_page(record.subject)

    console = console_client_for(submitter)
    page = console.get(f"/console/rights/cases/{case.pk}/")
    assert_accessible(page)
    assert 'value="approved"' in page.content.decode()
    response = console.post(f"/console/rights/cases/{case.pk}/decide/",
                            {"outcome": "approved", "reasons": "已纠正失信行为，准予修复。"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.REPAIRED and record.under_repair is False

    assert record.document_number not in public_page(record.subject)
    text = text_of(portal_client.get(f"/rights/{case.pk}/"))
    assert "已纠正失信行为，准予修复。" in text
    # The subject still sees its own record, marked repaired, and is offered nothing more for it.
    information = portal_client.get("/account/information/").content.decode()
    assert record.document_number in information
    assert f"/rights/repairs/new/?record={record.pk}" not in information


@pytest.mark.articles("Art 31")
def test_a_second_repair_application_is_refused_with_its_reason(portal_client, record, account, pdf_upload):
    repair_apply(subject=record.subject, record=record, reasons="已整改。", applicant=account,
                 materials={"commitment": [pdf_upload()], "rectification": [pdf_upload()]})
    page = portal_client.get(f"/rights/repairs/new/?record={record.pk}")
    assert page.status_code == 200
    assert 'id="repair-not-eligible"' in page.content.decode()
    assert 'enctype="multipart/form-data"' not in page.content.decode()


# --- reputation restoration (Art 30 ¶2) --------------------------------------------------------------------------


@pytest.mark.articles("Art 30")
def test_a_withdrawn_listing_publishes_a_reputation_notice_on_the_public_page(
    portal_client, company, clerk, console_client_for, pdf_upload
):
    entry = publish_entry(company, clerk)
    page = portal_client.get(f"/rights/objections/new/?entry={entry.pk}")
    assert page.status_code == 200 and entry.number in text_of(page)
    assert portal_client.post(f"/rights/objections/new/?entry={entry.pk}", objection_form()).status_code == 302
    case = Case.objects.get(entry=entry)
    assert case.organization == clerk.organization

    console = console_client_for(clerk)
    page = console.get(f"/console/rights/cases/{case.pk}/")
    assert_accessible(page)
    body = page.content.decode()
    assert 'name="punishment_wrongful"' in body and 'value="corrected"' not in body  # an entry is not corrected
    response = console.post(f"/console/rights/cases/{case.pk}/decide/",
                            {"outcome": "withdrawn", "reasons": "列入依据已被撤销，予以撤销。"})
    assert response.status_code == 302

    notice = ReputationNotice.objects.get(case=case)
    public = Client().get("/rights/reputation-notices/")
    assert public.status_code == 200
    assert_accessible(public)
    assert company.name in text_of(public) and notice.number in text_of(public)


def test_the_reputation_notices_page_is_public_and_empty_at_first(client):
    page = client.get("/rights/reputation-notices/")
    assert page.status_code == 200
    assert_accessible(page)
