"""The notices other apps send, written once here (Art 18, 21, 22, 24, 29).

Each function is called by the service that did the act, inside or just after its transaction, and writes the
notice's text: plain Chinese, as the platform's official communications are, whatever language the person
acting uses. Other apps call `notice_send` directly for notices of their own.

| event | caller | kind | to |
|---|---|---|---|
| new records filed by a submission | `ingestion.pipeline` after the batch | new_information | subjects with a portal account (bulk) |
| written prior notice served, listing published, entry removed | `lists.services` | listing_notice | the subject |
| credit report issued (not the public variant) | `reports.services.report_issue` | report_issued | the subject |
| official or authorized read served | `disclosure.access.access_subject_information` | data_read | the subject, if it has a portal account |
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation

from xinyong.core.workdays import PROVISIONAL_MARK
from xinyong.notifications.choices import NoticeKind
from xinyong.notifications.services import notice_send, notices_send_bulk
from xinyong.subjects.models import SubjectAccount

IMPLEMENTS = (
    "Art 24: listing_notice_send",
    "Art 29: batch_new_information_notify, report_issued_notify, data_read_notify",
)

REGULATION = "《承德市社会信用促进条例》"


def _zh(label) -> str:
    """A choice's label in Chinese (the catalog's), for a notice's text."""
    with translation.override("zh-hans"):
        return str(label)


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- ingestion (Art 18, 29) -------------------------------------------------------------------------------


def batch_new_information_notify(*, batch, item, provider) -> int:
    """After a submission batch: each subject that has a portal account and got new records in the batch gets
    one notice (Art 29: the subject has the right to know what is collected about it and from whom). One query
    finds them — accounts are few beside records, so a batch of subjects without accounts costs that query
    only — and one bulk call writes them with one audit record. Returns the number of notices."""
    from xinyong.records.models import CreditRecord

    # A semi-join on the records' subject: the planner walks the smaller side (accounts, or the batch's records).
    new_records = CreditRecord.objects.filter(subject_id=OuterRef("subject_id"), batch_id=batch.pk)
    subject_ids = list(
        SubjectAccount.objects.filter(Exists(new_records)).order_by().values_list("subject_id", flat=True).distinct()
    )
    if not subject_ids:
        return 0
    return notices_send_bulk(
        subject_ids=subject_ids,
        kind=NoticeKind.NEW_INFORMATION,
        title=f"平台新归集了您的信用信息：{item.name}",
        body=(
            f"{provider.name}报送的“{item.name}”信息已归集到承德市公共信用信息平台（报送批次 {batch.pk}）。"
            "您可以在“我的信用信息”中查看信息的内容、来源和变动理由；认为信息有误的，可以依法提出异议。"
            f"依据{REGULATION}第十八条、第二十九条。"
        ),
        link=reverse("disclosure:account-information"),
        articles=["Art 18", "Art 29"],
        actor=getattr(batch, "actor", None),
    )


# --- lists (Art 22, 24) -----------------------------------------------------------------------------------


def listing_notice_send(*, entry, actor=None):
    """The subject's notice of a step of its listing procedure: the written prior notice served (Art 24), the
    listing published (Art 22), the entry removed (Art 22, 24, 31). Called inside the step's transaction."""
    from xinyong.lists.choices import EntryState

    definition = entry.definition
    list_name = definition.name
    if entry.state == EntryState.NOTIFIED:
        title = f"列入{list_name}的书面事先告知（{entry.notice_number}）"
        body = (
            f"信用主管部门拟将您列入“{list_name}”，已向您送达书面事先告知书（{entry.notice_number}，"
            f"{_day(entry.notice_served_on)}送达），载明列入的依据、理由、相关措施、救济途径和移出条件。"
            f"您可以在{_day(entry.objection_window_end)}"
            f"{PROVISIONAL_MARK if entry.objection_window_provisional else ''}前"
            f"（{entry.objection_window_days}个工作日内）陈述、申辩"
            f"或者提出异议。告知书可以在“我的名单告知”中下载。依据{REGULATION}第二十四条。"
        )
    elif entry.state == EntryState.PUBLISHED:
        title = f"您已被列入{list_name}并向社会公布"
        body = (
            f"您已被列入“{list_name}”（名单编号 {entry.number}），自{_day(entry.listed_from)}起列入"
            + (f"，至{_day(entry.expires_on)}期满" if entry.expires_on
               else "，无固定期限（至人民法院决定删除）" if entry.court_term_open else "")
            + f"，现已在平台公布。依据：{entry.basis or definition.legal_basis}。"
            "对列入决定不服的，可以依法申请行政复议或者提起行政诉讼；移出条件见“我的名单告知”。"
        )
    elif entry.state == EntryState.REMOVED:
        title = f"您已被移出{list_name}"
        body = (
            f"您已于{_day(entry.removed_on)}被移出“{list_name}”（名单编号 {entry.number}），"
            f"原因：{_zh(entry.get_removal_reason_display())}"
            + (f"（{entry.removal_note}）" if entry.removal_note else "")
            + "。移出情况已在平台公布。"
        )
    else:
        return None
    return notice_send(
        subject=entry.subject, kind=NoticeKind.LISTING_NOTICE, title=title, body=body,
        link=reverse("lists:my-notices"), target=entry, articles=entry.articles or ["Art 22", "Art 24"], actor=actor,
    )


# --- reports (Art 21, 29) ---------------------------------------------------------------------------------


def report_issued_notify(*, report, requester=None):
    """The subject hears of every report issued on it but the public variant (which shows only what anyone may
    read and, like a public read, is not logged): its number, variant and validity, and for a report issued
    under its authorization, to whom and for what purpose (Art 21, 29). Called inside `report_issue`'s
    transaction."""
    from xinyong.disclosure.choices import QueryMode
    from xinyong.reports.choices import ReportVariant

    if report.variant == ReportVariant.PUBLIC:
        return None
    variant = _zh(ReportVariant(report.variant).label)
    facts = f"报告编号 {report.number}，{variant}，有效期至{_day(report.valid_until)}。"
    if report.query_mode == QueryMode.AUTHORIZED:
        organization = getattr(report.organization, "name", "") or "被授权单位"
        title = f"{organization}凭您的授权出具了您的信用报告"
        body = (f"{organization}于{_moment(report.issued_at)}凭您的书面授权出具了您的信用报告。{facts}"
                f"查询目的：{report.purpose or '—'}。您可以在“查询授权”中撤销授权。")
        link = reverse("disclosure:account-reads")
    else:
        where = "在服务窗口" if report.channel == "window" else ""
        title = f"您的信用报告已出具（{report.number}）"
        body = (f"您的信用报告已于{_moment(report.issued_at)}{where}出具。{facts}"
                "报告可以在“我的信用报告”中下载，任何人都可以凭报告编号在平台核验真伪。")
        link = reverse("reports:mine")
    return notice_send(
        subject=report.subject, kind=NoticeKind.REPORT_ISSUED, title=title, body=body, link=link, target=report,
        articles=["Art 21", "Art 29"], actor=requester if getattr(requester, "pk", None) else None,
    )


# --- disclosure (Art 21, 29) ------------------------------------------------------------------------------


def data_read_notify(*, entry, requester):
    """A served official or authorized read of a subject that has a portal account: the subject is told which
    organization read its information, when, how and for what purpose (Art 29). One EXISTS query when the
    subject has no account; the notice is written in the caller's transaction with the query-log entry."""
    from xinyong.disclosure.choices import QueryMode

    if not SubjectAccount.objects.filter(subject_id=entry.subject_id).exists():
        return None
    organization = getattr(getattr(requester, "organization", None), "name", "") or "—"
    mode = _zh(QueryMode(entry.mode).label)
    body = "\n".join([
        f"查询时间：{_moment(entry.occurred_at)}",
        f"查询单位：{organization}",
        f"查询方式：{mode}",
        f"查询目的：{entry.purpose or '—'}",
        f"返回信息：{entry.record_count}条",
        "",
        f"依据{REGULATION}第二十九条，您有权知晓自身信用信息的使用情况。全部查询记录见“谁查询了我的信息”；"
        "如认为查询不当，可以向信用主管部门反映。",
    ])
    return notice_send(
        subject=entry.subject, kind=NoticeKind.DATA_READ, title=f"{organization}查询了您的信用信息", body=body,
        link=reverse("disclosure:account-reads"), target=entry, articles=["Art 21", "Art 29"], actor=requester,
    )
