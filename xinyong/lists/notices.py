"""The written prior notice of a listing (事先告知书, Art 24), rendered to PDF with WeasyPrint.

Art 24 requires the subject to be told, before a punishment, its basis, the reasons, the remedies and the
conditions for lifting it; the notice also names the measures the listing triggers (Art 22) and the window in
which the subject may state its case or object (Art 28; `lists.notice_objection_window`). The notice is an
official document and always in Chinese, whatever the reader's language. The PDF is kept with the entry with
its SM3 digest, and the subject downloads it from its account (`/lists/my-notices/`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from xinyong.core.workdays import PROVISIONAL_MARK
from xinyong.lists.choices import PUNITIVE_KINDS
from xinyong.lists.models import ListEntry

IMPLEMENTS = ("Art 24: notice_content, render_notice_pdf",)

#: The notice is a document of a Chinese authority: whatever the language of the clerk who serves it.
NOTICE_LANGUAGE = "zh-hans"

# 行政复议法第二十条 (60 days), 行政诉讼法第四十六条 (6 months): the general time limits for the remedies.
REMEDIES = (
    "对列入决定不服的，可以自知道该决定之日起六十日内依法申请行政复议，或者自知道该决定之日起六个月内依法"
    "向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class NoticeMeasure:
    name: str
    kind: str
    legal_basis: str


@dataclass(frozen=True)
class CitedRecord:
    item_name: str
    document_number: str
    decision_date: str


@dataclass(frozen=True)
class NoticeContent:
    """What the notice says: built from the entry and the rule values of the day it is served."""

    title: str
    number: str
    subject_name: str
    subject_identifier: str
    list_name: str
    legal_basis: str
    basis_applied: str
    reasons: str
    records: tuple[CitedRecord, ...]
    measures: tuple[NoticeMeasure, ...]
    objection: str
    remedies: str
    exit_conditions: str
    duration: str
    related_persons: str
    issuer: str
    served_on: str
    entry_number: str


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notice_content(
    entry: ListEntry, *, number: str, served_on: dt.date, window_days: int, window_end: dt.date,
    duration_months: int | None, window_provisional: bool = False,
) -> NoticeContent:
    definition = entry.definition
    subject = entry.subject
    punitive = definition.kind in PUNITIVE_KINDS
    with translation.override(NOTICE_LANGUAGE):  # the measure kinds in Chinese, whoever serves the notice
        measures = tuple(
            NoticeMeasure(m.name, str(m.get_kind_display()), m.legal_basis)
            for m in definition.measures.filter(is_active=True).order_by("order", "code")
        )
    records = tuple(
        CitedRecord(r.item.name, r.document_number, _date(r.decision_date))
        for r in entry.cited_records.select_related("item").order_by("decision_date", "id")
    )
    objection = (
        f"你（单位）可以自收到本告知书之日起{window_days}个工作日内（至{_date(window_end)}止）向"
        f"{definition.responsible_body_name}提出陈述、申辩或者异议，并提交相关证据材料（条例第二十四条、"
        "第二十八条）。逾期未提出的，视为放弃陈述、申辩的权利。在此期限届满前不作出列入决定。"
    )
    if window_provisional:
        # Domain facts §11: counted on weekends alone into a year whose holiday schedule is not yet published.
        objection += (
            f"上述期限届满日为暂定日期{PROVISIONAL_MARK}：期限跨入的年度节假日安排尚未公布，暂按周六、周日休息计算；"
            "节假日安排公布后重新计算，重新计算的届满日不早于本告知书载明的日期，可在平台“我的名单告知”中查看。"
        )
    related = ""
    if definition.records_related_persons and not subject.is_person:
        related = (
            "依照《承德市社会信用促进条例》第二十四条，如决定列入，你单位在决定之日的法定代表人、主要负责人"
            "和实际控制人将一并记入失信记录。"
        )
    duration = (
        f"列入期限为{duration_months}个月，自列入决定作出之日起计算，期满自动移出。" if duration_months else ""
    )
    verb = "拟列入" if punitive else "拟认定为"
    return NoticeContent(
        title=f"{verb}{definition.name}事先告知书",
        number=number,
        subject_name=subject.name,
        subject_identifier=subject.identifier_masked,
        list_name=definition.name,
        legal_basis=definition.legal_basis,
        basis_applied=entry.basis,
        reasons=entry.reasons,
        records=records,
        measures=measures,
        objection=objection,
        remedies=REMEDIES,
        exit_conditions=definition.exit_conditions,
        duration=duration,
        related_persons=related,
        issuer=definition.responsible_body_name,
        served_on=_date(served_on),
        entry_number=entry.number,
    )


def render_notice_html(content: NoticeContent) -> str:
    with translation.override(NOTICE_LANGUAGE):
        return render_to_string("lists/notice_pdf.html", {"c": content})


def render_notice_pdf(content: NoticeContent) -> bytes:
    """The notice as PDF (A4, Noto CJK fonts embedded as subsets)."""
    from weasyprint import HTML

    return HTML(string=render_notice_html(content)).write_pdf()
