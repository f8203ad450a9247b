"""The canonical content of a report: exactly what its PDF shows, as deterministic JSON (Art 21, 29).

`report_content` turns what the access function returned (`SubjectInformation`) into a plain dict of
strings, numbers, lists and dicts; `canonical_bytes` serializes it (sorted keys, no spaces, UTF-8) so the
same report always gives the same bytes, which are digested (SM3) and signed (SM2). The PDF template renders
from this dict alone, so what is signed is what is shown.

The content holds no plain ID number: the subject's identifier is the masked one kept on the subject, and
record field values arrive masked from the access function (security req. 10). A natural person's name is
shown in full in the report given to the person or to an organization the person authorized, and masked on
the verification page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation

from xinyong.catalog.choices import InformationKind
from xinyong.catalog.models import CatalogItem
from xinyong.disclosure.access import RecordView, SubjectInformation
from xinyong.disclosure.choices import QueryMode
from xinyong.ingestion.validation import ROLE_SUFFIXES
from xinyong.reports.choices import ReportVariant
from xinyong.reports.sections import ALL_SECTIONS, CHINESE_NUMERALS, SUGGESTIONS, section_for

IMPLEMENTS = ("Art 29: record_entry",)

FORMAT = "xinyong-credit-report/1"
TITLE = "承德市公共信用信息报告"
PLATFORM = "承德市公共信用信息平台"

SUBTITLES = {
    (ReportVariant.FULL, QueryMode.SELF): "（信用主体本人查询版）",
    (ReportVariant.FULL, QueryMode.AUTHORIZED): "（授权查询版）",
    (ReportVariant.PUBLIC, QueryMode.PUBLIC): "（公示信息版）",
    (ReportVariant.NO_VIOLATION, QueryMode.SELF): "（专项版：替代有无违法违规记录证明）",
    (ReportVariant.NO_VIOLATION, QueryMode.AUTHORIZED): "（专项版：替代有无违法违规记录证明）",
}
MODE_LABELS = {
    QueryMode.SELF: "本人查询（实名认证）",
    QueryMode.AUTHORIZED: "授权查询（经信用主体书面授权）",
    QueryMode.PUBLIC: "依法公开信息查询",
}
CHANNEL_LABELS = {"web": "信用门户网站", "api": "数据接口", "window": "查询窗口"}
MARKS = (("under_objection", "异议中"), ("under_repair", "信用修复中"), ("repaired", "已修复（停止公示）"))

# A record is adverse information (失信信息) when its catalog item keeps it under the negative-information
# retention rule, or its category is serious dishonesty: penalties, list entries, court enforcement, arrears.
NEGATIVE_RETENTION_RULE = "retention.negative_information"

# Fields not repeated in a record's table: who the record is about (the report's subject), and what the
# record's heading already shows (document number, decision date, source department).
_HIDDEN_SUFFIXES = (
    *ROLE_SUFFIXES["subject_name"],
    *ROLE_SUFFIXES["subject_category"],
    *ROLE_SUFFIXES["subject_uscc"],
    *ROLE_SUFFIXES["document_number"],
    *ROLE_SUFFIXES["source_uscc"],
    "_XDR_GSZC", "_XDR_ZZJG", "_XDR_SWDJ", "_XDR_SYDW", "_XDR_SHZZ", "_ZJLX", "_ZJHM", "_SJLY",
    "JGDM", "_SLDWDM",
)


@dataclass(frozen=True)
class Domain:
    """A domain of the no-violation report: a provider department (by USCC), a catalog category or item."""

    kind: str  # "provider" | "category" | "item"
    key: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "label": self.label}

    def matches(self, view: RecordView) -> bool:
        if self.kind == "provider":
            return view.record.provider.uscc == self.key
        if self.kind == "category":
            return view.category_code == self.key
        return view.item_code == self.key


@dataclass(frozen=True)
class Issue:
    """What the service decided before the content is built: number, times, who asked and why."""

    number: str
    variant: str
    issued_at: dt.datetime
    valid_until: dt.date
    verification_url: str
    requester_organization: str = ""
    purpose: str = ""
    authorization_id: int | None = None
    channel: str = ""
    domains: Sequence[Domain] = ()
    period: tuple[dt.date, dt.date] | None = None


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """The signed form: sorted keys, no insignificant whitespace, UTF-8 (never ASCII escapes)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _decision_field(view: RecordView) -> str | None:
    """The field that holds the decision date (shown in the heading): the first decision-date suffix wins."""
    for suffix in ROLE_SUFFIXES["decision_date"]:
        for value in view.fields:
            if value.code.endswith(suffix):
                return value.code
    return None


def record_entry(view: RecordView, *, with_changes: bool) -> dict[str, Any]:
    """One record as the report shows it: item, source department, date, document number, its fields, marks
    (异议中 / 信用修复中) and, for the subject's own report, the reasons of its changes (Art 29)."""
    decision_field = _decision_field(view)
    fields = [
        [value.name, value.value]
        for value in view.fields
        if value.value and value.code != decision_field and not value.code.endswith(_HIDDEN_SUFFIXES)
    ]
    entry: dict[str, Any] = {
        "item": view.item_name,
        "item_code": view.item_code,
        "category": view.category_name,
        "provider": view.provider_name,
        "decision_date": _date(view.decision_date),
        "document_number": view.document_number,
        "fields": fields,
        "marks": [{"code": code, "label": label} for code, label in MARKS if getattr(view, code)],
    }
    if with_changes:
        entry["changes"] = [
            {
                "revision": r.number,
                "source": r.source_label,
                "date": _date(timezone.localdate(r.created_at)),
                "reason": r.reason,
            }
            for r in view.revisions
            if r.number > 1
        ]
    return entry


def adverse_item_codes(views: Iterable[RecordView]) -> set[str]:
    """The item codes among `views` that are adverse information (see NEGATIVE_RETENTION_RULE)."""
    item_ids = {v.record.item_id for v in views}
    adverse = set()
    for code, retention, kind in CatalogItem.objects.filter(pk__in=item_ids).values_list(
        "code", "retention_parameter", "category__kind"
    ):
        if retention == NEGATIVE_RETENTION_RULE or kind == InformationKind.SERIOUS:
            adverse.add(code)
    return adverse


def _subject_block(subject) -> dict[str, str]:
    return {
        "name": subject.name,
        "kind": subject.kind,
        "kind_label": str(subject.get_kind_display()),
        "identifier_label": str(subject.get_identifier_type_display()),
        "identifier": subject.identifier_masked,
        "division": subject.division.name if subject.division_id else "",
        "status": str(subject.get_status_display()),
    }


def _query_block(info: SubjectInformation, issue: Issue) -> dict[str, Any]:
    block: dict[str, Any] = {
        "mode": str(info.mode),
        "mode_label": MODE_LABELS.get(info.mode, str(info.mode)),
        "channel": CHANNEL_LABELS.get(issue.channel, issue.channel),
        "purpose": issue.purpose,
        "organization": issue.requester_organization,
        "authorization": str(issue.authorization_id) if issue.authorization_id else "",
        "categories": [str(InformationKind(k).label) for k in info.categories],
    }
    return block


def _suggestions(views: list[RecordView], adverse: set[str]) -> list[str]:
    """信用状况提升建议: a few fixed sentences chosen by what the report contains."""
    codes = {v.item_code for v in views}
    categories = {v.category_code for v in views}
    lines = []
    if any(v.item_code in adverse for v in views):
        lines.append(
            "报告中载有失信信息。信用主体依法纠正失信行为、消除不利影响的，可以依照《承德市社会信用促进条例》"
            "第三十一条向市社会信用主管部门或者失信信息提供单位申请信用修复，信用修复不收取费用。"
        )
    if "serious-dishonesty" in categories:
        lines.append("被列入严重失信主体名单的，应当按照认定部门的要求履行相关义务，符合移出条件的可以申请移出名单。")
    if "abnormal-list" in categories:
        lines.append("被列入经营（活动）异常名录的，应当及时改正相关情形，并向作出决定的部门申请移出。")
    if "judicial" in categories or "court-enforcement" in codes:
        lines.append("应当积极履行生效法律文书确定的义务，履行完毕后可以申请人民法院删除失信被执行人信息。")
    if any(v.under_objection for v in views):
        lines.append("标注“异议中”的信息正在异议处理中，处理结果以信息提供单位的决定为准。")
    if any(v.under_repair for v in views):
        lines.append("标注“信用修复中”的信息正在信用修复处理中，修复结果以受理单位的决定为准。")
    if not any(v.item_code in adverse for v in views):
        lines.append("报告中未载有失信信息，请继续保持良好的信用状况。")
    lines.append("可以通过作出并履行信用承诺、主动提供自身信用信息、参与诚信建设活动等方式提升信用水平。")
    lines.append(
        "信用主体认为本报告所载信息存在错误、遗漏的，可以依照《承德市社会信用促进条例》第二十八条提出异议。"
    )
    return lines


def _statements(variant: str, info: SubjectInformation, issue: Issue) -> list[str]:
    lines = [
        f"本报告由{PLATFORM}依据《承德市社会信用促进条例》第二十一条出具，所载信息为截至出具时平台归集的"
        "公共信用信息，信息内容由各信息提供单位提供并负责。",
    ]
    if variant == ReportVariant.PUBLIC:
        lines.append("本报告仅载有依法向社会公开、且在公示期内的公共信用信息，不含政务共享和授权查询类信息。")
    elif info.mode == QueryMode.AUTHORIZED:
        lines.append(
            "本报告经信用主体书面授权出具，仅限用于授权书载明的用途；未经信用主体同意，不得向第三方提供。"
        )
    else:
        lines.append("本报告供信用主体本人使用，载有其非公开信用信息，请妥善保管。")
    if variant == ReportVariant.NO_VIOLATION:
        lines.append(
            "本报告可替代所列领域的有无违法违规记录证明；“失信信息”指行政处罚、严重失信主体名单、经营（活动）"
            "异常名录、失信被执行人等不良信息。"
        )
    lines.extend(
        [
            "标注“异议中”的信息正在异议处理中，标注“信用修复中”的信息正在信用修复处理中。",
            "自然人的身份证件号码等个人信息已按规定作脱敏处理。",
            f"本报告有效期至{issue.valid_until:%Y年%m月%d日}（含当日）。报告内容经SM2数字签名，可扫描二维码或访问"
            "核验页面输入报告编号、上传本文件核验真伪；对文件的任何改动都会使核验失败。",
        ]
    )
    return lines


def _sections(info: SubjectInformation, views: list[RecordView], adverse: set[str]) -> list[dict[str, Any]]:
    covered_kinds = set(info.categories)
    with_changes = info.mode == QueryMode.SELF
    sections = []
    for number, section in enumerate(ALL_SECTIONS):
        entry: dict[str, Any] = {
            "code": section.code,
            "number": CHINESE_NUMERALS[number],
            "title": section.title,
        }
        if section is SUGGESTIONS:
            entry["suggestions"] = _suggestions(views, adverse)
        else:
            # An authorized query covers only the categories the authorization names (Art 21).
            entry["covered"] = not covered_kinds or any(k in covered_kinds for k in section.kinds)
            entry["records"] = [
                record_entry(v, with_changes=with_changes)
                for v in views
                if section_for(v.category_code, v.kind) is section
            ]
        sections.append(entry)
    return sections


def _no_violation(views: list[RecordView], adverse: set[str], issue: Issue) -> dict[str, Any]:
    start, end = issue.period
    in_period = [v for v in views if v.item_code in adverse and start <= v.decision_date <= end]
    domains = []
    for domain in issue.domains:
        found = [record_entry(v, with_changes=False) for v in in_period if domain.matches(v)]
        domains.append({**domain.as_json(), "found": len(found), "records": found})
    return {"from": _date(start), "to": _date(end), "domains": domains}


def report_content(info: SubjectInformation, issue: Issue) -> dict[str, Any]:
    """The canonical content of a report (see the module docstring). Labels are Chinese whatever the
    request's language: the report is an official document and its bytes must not depend on the reader."""
    with translation.override("zh-hans"):
        views = sorted(info.records, key=lambda v: (v.decision_date, v.item_code, v.document_number), reverse=True)
        adverse = adverse_item_codes(views)
        content: dict[str, Any] = {
            "format": FORMAT,
            "title": TITLE,
            "subtitle": SUBTITLES.get((issue.variant, info.mode), ""),
            "number": issue.number,
            "variant": issue.variant,
            "issued_at": timezone.localtime(issue.issued_at).replace(microsecond=0).isoformat(),
            "valid_until": _date(issue.valid_until),
            "issuer": PLATFORM,
            "verification_url": issue.verification_url,
            "subject": _subject_block(info.subject),
            "query": _query_block(info, issue),
            "statements": _statements(issue.variant, info, issue),
        }
        if issue.variant == ReportVariant.NO_VIOLATION:
            content["no_violation"] = _no_violation(views, adverse, issue)
        else:
            content["sections"] = _sections(info, views, adverse)
            content["summary"] = {
                "records": len(views),
                "adverse": sum(1 for v in views if v.item_code in adverse),
                "marked": sum(1 for v in views if v.under_objection or v.under_repair),
            }
    return content
