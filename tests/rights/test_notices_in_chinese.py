"""Notices to subjects are documents of a Chinese authority: composed in Chinese whatever the language of the
clerk who acts (issue 11, defect 8; Art 24, 28–31).

A clerk whose console is in English decides an objection, withdraws a listing found wrongful, decides a
repair application, extends a deadline or serves a written prior notice: the stored notice, the reputation
notice (信誉恢复公告), the email copy and the text message are exactly the Chinese texts.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import publish_entry

from xinyong.notifications.channels import sms_text
from xinyong.notifications.models import Notice
from xinyong.notifications.services import contact_details_set
from xinyong.rights.models import ReputationNotice
from xinyong.rights.services import case_extend, objection_file, repair_apply, repair_decide
from xinyong.web.testing import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast")]

EMAIL = "zhang.san@example.com"
REMEDIES_ZH = "如对本决定不服，可提供新的证据再次提出异议，或者依法申请行政复议、提起行政诉讼。"


def english(client):
    """The clerk switches the interface to English, as the language menu does."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert response.status_code == 302
    return client


def latest_notice(**filters) -> Notice:
    return Notice.objects.filter(**filters).latest("id")


def test_an_english_clerk_decides_an_objection_and_the_notice_and_its_email_are_in_chinese(
    record, account, submitter, console_client_for, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.XINYONG_PUBLIC_URL = "https://credit.chengde.example"
    contact_details_set(user=account, email=EMAIL, mobile="", email_on=True, sms_on=False)
    case = objection_file(subject=record.subject, record=record, reasons="处罚金额有误。", applicant=account)
    console = english(console_client_for(submitter))
    page = text_of(console.get(f"/console/rights/cases/{case.pk}/"))
    assert "Case number" in page and "案件编号" not in page, "the clerk's console is in English"

    response = console.post(f"/console/rights/cases/{case.pk}/decide/",
                            {"outcome": "maintained", "reasons": "经核实，原信息准确，予以维持。"})
    assert response.status_code == 302

    notice = latest_notice(subject=record.subject, kind="case_update")
    assert notice.title == f"异议 {case.number} 已办结：维持原信息"
    assert notice.body == (
        f"{record.provider.name}已对您就行政处罚（{record.document_number}）提出的异议作出处理决定：维持原信息。\n"
        f"理由：经核实，原信息准确，予以维持。\n{REMEDIES_ZH}"
    )
    mail.outbox.clear()
    call_command("notifications", "deliver", stdout=io.StringIO())
    (message,) = [m for m in mail.outbox if m.subject == f"【承德信用】{notice.title}"]
    assert message.to == [EMAIL]
    assert message.body == (
        f"{notice.title}\n\n{notice.body}\n\n详情：https://credit.chengde.example/rights/{case.pk}/\n\n"
        "本邮件由承德市公共信用信息平台自动发送，请勿直接回复。通知全文也在您账户的“我的通知”中；"
        "如不再需要邮件通知，请登录平台在“通知设置”中关闭。"
    )
    assert sms_text(notice) == (f"【承德信用】异议 {case.number} 已办结：维持原信息 详情请登录平台查看："
                                f"https://credit.chengde.example/rights/{case.pk}/")


def test_an_english_clerk_withdraws_a_wrongful_listing_and_the_reputation_notice_is_in_chinese(
    company, account, clerk, console_client_for
):
    entry = publish_entry(company, clerk)
    case = objection_file(subject=company, entry=entry, reasons="列入依据已被撤销。", applicant=account)
    console = english(console_client_for(clerk))
    response = console.post(f"/console/rights/cases/{case.pk}/decide/",
                            {"outcome": "withdrawn", "reasons": "列入依据已被撤销，予以撤销。"})
    assert response.status_code == 302

    restored = ReputationNotice.objects.get(case=case)
    text = (
        f"经对异议 {case.number} 的核查，{clerk.organization.name}认定严重失信主体名单（黑名单）（{entry.number}）"
        f"系依据错误信息作出。相关信息已予更正，据此作出的名单认定和惩戒措施已予撤销，{company.name}的信誉予以恢复"
        "（《承德市社会信用促进条例》第三十条）。"
    )
    assert restored.text == text
    notice = latest_notice(subject=company, kind="reputation_restored")
    assert (notice.title, notice.body) == ("您的信誉已恢复", text)
    decided = latest_notice(subject=company, kind="case_update")
    assert decided.title == f"异议 {case.number} 已办结：信息已撤销"
    assert text in text_of(console.get("/rights/reputation-notices/"))


def test_an_english_clerk_decides_a_repair_and_extends_a_deadline_in_chinese(record, account, submitter, pdf_upload):
    case = repair_apply(subject=record.subject, record=record, reasons="已缴清罚款并完成整改。", applicant=account,
                        materials={"commitment": [pdf_upload()], "rectification": [pdf_upload()]})
    with translation.override("en"):
        case_extend(case=case, days=2, reason="需核实缴款凭证。", actor=submitter)
        case.refresh_from_db()
        repair_decide(case=case, outcome="approved", reasons="已纠正失信行为，准予修复。", actor=submitter)

    case.refresh_from_db()
    extended, decided = Notice.objects.filter(subject=record.subject, kind="case_update").order_by("id")[1:]
    assert extended.title == f"案件 {case.number}：办理期限已延长"
    assert extended.body == (f"{record.provider.name}将办理期限延长2个工作日至{case.due_on.isoformat()}。"
                             "理由：需核实缴款凭证。")
    assert decided.title == f"信用修复 {case.number} 已办结：准予修复"
    assert decided.body == (
        f"{record.provider.name}已对您就行政处罚（{record.document_number}）提出的信用修复申请作出决定：准予修复。\n"
        f"理由：已纠正失信行为，准予修复。\n{REMEDIES_ZH}"
    )
    # The reason written into the record's new revision, which the subject reads as the cause of the change.
    record.refresh_from_db()
    assert record.revisions.latest("number").reason == f"信用修复 {case.number}：已纠正失信行为，准予修复。"


def test_an_applicant_filing_in_english_gets_a_chinese_acknowledgement_and_the_department_a_chinese_notice(
    record, account
):
    with translation.override("en"):
        case = objection_file(subject=record.subject, record=record, reasons="处罚金额有误。", applicant=account)
    acknowledgement = latest_notice(subject=record.subject, kind="case_update")
    assert acknowledgement.title == f"异议 {case.number} 已受理"
    assert acknowledgement.body == (
        f"您对行政处罚（{record.document_number}）提出的异议已受理，该信息在各处展示时均已标注“异议中”。"
        f"{record.provider.name}将于{case.due_on.isoformat()}前作出处理决定。"
    )
    to_department = latest_notice(organization=record.provider, kind="case_update")
    assert (to_department.title, to_department.body) == (
        f"新异议 {case.number}",
        f"{record.subject.name}对行政处罚（{record.document_number}）提出异议，请于{case.due_on.isoformat()}前作出处理决定。",
    )


def test_an_english_clerk_serves_a_listing_notice_in_chinese(company, account, clerk, console_client_for, monkeypatch):
    from xinyong.lists.models import ListDefinition, ListEntry
    from xinyong.lists.notices import render_notice_html
    from xinyong.lists.services import list_entry_propose

    rendered = []
    monkeypatch.setattr("xinyong.lists.services.render_notice_pdf",
                        lambda content: rendered.append(render_notice_html(content)) or b"%PDF-1.7 test notice")
    entry = list_entry_propose(definition=ListDefinition.objects.get(code="serious-dishonesty"), subject=company,
                               reasons="提供虚假材料骗取行政许可，情节严重。", actor=clerk)
    console = english(console_client_for(clerk))
    assert console.post(f"/console/lists/{entry.pk}/notify/", {"served_on": entry.proposed_on.isoformat()}
                        ).status_code == 302
    entry = ListEntry.objects.get(pk=entry.pk)

    notice = latest_notice(subject=company, kind="listing_notice")
    assert notice.title == f"列入严重失信主体名单（黑名单）的书面事先告知（{entry.notice_number}）"
    served, end = entry.notice_served_on, entry.objection_window_end
    assert notice.body == (
        f"信用主管部门拟将您列入“严重失信主体名单（黑名单）”，已向您送达书面事先告知书（{entry.notice_number}，"
        f"{served.year}年{served.month}月{served.day}日送达），载明列入的依据、理由、相关措施、救济途径和移出条件。"
        f"您可以在{end.year}年{end.month}月{end.day}日前（5个工作日内）陈述、申辩或者提出异议。"
        "告知书可以在“我的名单告知”中下载。依据《承德市社会信用促进条例》第二十四条。"
    )
    (html,) = rendered
    assert "<td>失信惩戒</td>" in html and "punishment" not in html  # the measures' kind, in Chinese
