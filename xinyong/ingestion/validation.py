"""Row validation against a catalog item's fields (Art 18, 19, 20, 30).

Every error names the row, the field and the rule: an English machine code plus a Chinese message (English
beside it). Values are normalized first (NFKC: full-width → half-width; surrounding spaces trimmed).

Field roles (which column is the subject's name, category, identifiers, the document number, the decision
date …) follow the national 双公示 field codes by suffix (`CF_XDR_MC`, `XK_XDR_MC` → subject name, `*_WSH` →
document number, `*_JDRQ` → decision date …), with the Chinese names as a second key, so a new item that
follows the standard needs no code here.

Three columns are not item fields but part of the submission convention (docs/user/submitting-data.md):
操作类型 (`OP`: 新增 / 修正 / 更正), 修正原因 (`OP_REASON`, required for a correction, Art 30) and 授权同意编号
(`CONSENT_REF`, required on every row of a market-information item, Art 20).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from xinyong.catalog.choices import FieldType
from xinyong.catalog.models import CatalogItem, ItemField
from xinyong.core.errors import ServiceError, bilingual
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.core.masking import mask_identifier
from xinyong.core.text import TextRefused, clean_text
from xinyong.ingestion.catalog_access import header_key
from xinyong.subjects.choices import SubjectKind

# --- the submission convention's own columns -------------------------------------------------------------

OP_FIELD = "OP"
OP_REASON_FIELD = "OP_REASON"
CONSENT_FIELD = "CONSENT_REF"
CONVENTION_HEADERS = {
    OP_FIELD: ("OP", "操作类型", "操作", "OPERATION"),
    OP_REASON_FIELD: ("OP_REASON", "修正原因", "更正原因", "修正理由", "CORRECTION_REASON"),
    CONSENT_FIELD: ("CONSENT_REF", "授权同意编号", "授权编号", "同意编号", "授权同意凭证编号"),
}
CONVENTION_NAMES = {OP_FIELD: "操作类型", OP_REASON_FIELD: "修正原因", CONSENT_FIELD: "授权同意编号"}
OP_NEW, OP_CORRECT = "new", "correct"
_OPS = {"": OP_NEW, "新增": OP_NEW, "NEW": OP_NEW, "ADD": OP_NEW, "修正": OP_CORRECT, "更正": OP_CORRECT,
        "CORRECT": OP_CORRECT, "CORRECTION": OP_CORRECT}
# Columns a file may carry that hold nothing to collect (a spreadsheet's row counter).
IGNORED_HEADERS = frozenset({"序号", "NO", "NO.", "行号"})
# Server-owned: a column or key with one of these names is refused (security req. 9).
SERVER_OWNED = frozenset(
    header_key(n)
    for n in ("status", "disclosure_class", "publication_start", "publication_end", "provider", "batch",
              "revision", "created_at", "id", "subject", "item", "name_mismatch", "under_objection",
              "under_repair", "integrity", "状态", "公开类别", "公开属性", "公示开始日期", "公示截止日期")
)

# --- roles -----------------------------------------------------------------------------------------------

# In priority order: the first suffix any field has wins (a commitment's 作出日期 before its 认定日期).
ROLE_SUFFIXES = {
    "subject_name": ("_XDR_MC", "_ZTMC", "_CNRMC", "_DWMC"),
    "subject_category": ("_XDR_LB", "_ZTLB", "_CNRLB"),
    "subject_uscc": ("_XDR_SHXYM", "_SHXYM", "_CNRDM"),
    "document_number": ("_WSH", "_BZWH", "_LRWH", "_AH", "_CNBM", "_HTBH"),
    "decision_date": ("_JDRQ", "_ZCRQ", "_LRRQ", "_LARQ", "_RDRQ"),
    "source_uscc": ("_SJLYDM",),
}
ROLE_NAMES = {
    "subject_name": ("行政相对人名称",),
    "subject_category": ("行政相对人类别",),
    "document_number": ("行政处罚决定书文号", "行政许可决定文书号"),
    "decision_date": ("处罚决定日期", "许可决定日期"),
    "source_uscc": ("数据来源单位统一社会信用代码",),
}
SUMMARY_SUFFIXES = ("_CFLB", "_NR")
SUMMARY_NAMES = ("处罚类别", "处罚内容")
SUMMARY_PROCEDURE_RULE = "exclude_summary_procedure"

CATEGORY_ORGANIZATION = "organization"  # 法人及非法人组织: the kind follows from the USCC's type
_CATEGORIES = {
    "法人及非法人组织": CATEGORY_ORGANIZATION, "法人和非法人组织": CATEGORY_ORGANIZATION,
    "法人或非法人组织": CATEGORY_ORGANIZATION, "法人": SubjectKind.LEGAL_PERSON,
    "非法人组织": SubjectKind.UNINCORPORATED, "自然人": SubjectKind.NATURAL_PERSON,
    "个体工商户": SubjectKind.INDIVIDUAL_BUSINESS, "机关": SubjectKind.GOVERNMENT_BODY,
    "事业单位": SubjectKind.PUBLIC_INSTITUTION,
}
_CATEGORIES.update({k.value.upper(): k for k in SubjectKind})
# Document types accepted in 证件类型 beyond what IdentifierType.parse knows.
_ID_TYPE_ALIASES = {"身份证": IdentifierType.CITIZEN_ID, "居民身份证": IdentifierType.CITIZEN_ID,
                    "公民身份号码": IdentifierType.CITIZEN_ID, "01": IdentifierType.CITIZEN_ID,
                    "港澳通行证": IdentifierType.HK_MACAU, "台胞证": IdentifierType.TAIWAN,
                    "外国人永久居留证": IdentifierType.FOREIGN_PR}
_UNSUPPORTED_ID_TYPES = {"20", "军人身份证件", "军官证", "士兵证"}

_CITIZEN_ID_RUN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_SERIAL = re.compile(r"^\d{4,6}(?:\.0+)?$")
MAX_AMOUNT_DECIMALS = 6
_TEXT, _DATE, _USCC = FieldType.TEXT.value, FieldType.DATE.value, FieldType.USCC.value
_ONE_LINE_ROLES = frozenset({"subject_name", "document_number"})  # other text fields may hold line breaks


@dataclass(frozen=True)
class RowError:
    row: int
    field: str  # field code ("" for the row as a whole)
    code: str
    message: str  # Chinese
    message_en: str


@dataclass
class ValidRow:
    """A row that passed: normalized values (ID numbers masked) and what linking and storage need."""

    row: int
    data: dict[str, str]
    kind: str
    identifier_type: str
    identifier: str  # normalized, plain: used for the blind index only, never stored in `data`
    name: str
    document_number: str
    decision_date: dt.date
    op: str = OP_NEW
    reason: str = ""
    division_code: str | None = None


def normalize_cell(value) -> str | dt.date | float | int:
    """NFKC and trim text; dates and numbers from spreadsheets pass through."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.isascii():
            return value.strip()
        return unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def scrub_id_numbers(text: str) -> str:
    """Mask anything in free text that is a valid citizen ID number (a dump must hold none, req. 19)."""
    if not any(ch.isdigit() for ch in text):
        return text

    def repl(match: re.Match) -> str:
        candidate = match.group(0)
        result = validate(IdentifierType.CITIZEN_ID, candidate)
        if result.ok or result.legacy:
            return mask_identifier(IdentifierType.CITIZEN_ID, candidate)
        return candidate

    return _CITIZEN_ID_RUN.sub(repl, text)


def parse_date(value) -> dt.date | None:
    """2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, an Excel serial (number or digits) or a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value))
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    if _SERIAL.match(text):
        return _serial(float(text))
    return None


def _serial(number: float) -> dt.date | None:
    # Excel's 1900 date system (serial 60 is the fictitious 1900-02-29; real decisions are far later).
    if not number.is_integer() or not 61 <= number <= 2958465:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_amount(value) -> tuple[str | None, str | None]:
    """(normalized decimal text, error code): 万元, non-negative, at most 6 decimal places."""
    text = repr(value) if isinstance(value, float) else _text(value).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "invalid_amount"
    if not number.is_finite():
        return None, "invalid_amount"
    if number < 0:
        return None, "negative_amount"
    if -number.as_tuple().exponent > MAX_AMOUNT_DECIMALS and number != number.quantize(Decimal(10) ** -MAX_AMOUNT_DECIMALS):
        return None, "too_many_decimals"
    normalized = format(number.normalize(), "f") if number else "0"
    return normalized, None


def _roles_of(fields: list[ItemField]) -> dict[str, str]:
    """Role → field code, by code suffix in priority order, then by Chinese name."""
    roles: dict[str, str] = {}
    for role, suffixes in ROLE_SUFFIXES.items():
        for suffix in suffixes:
            found = next((f.code for f in fields if f.code.upper().endswith(suffix)), None)
            if found:
                roles[role] = found
                break
        if role not in roles:
            names = {header_key(n) for n in ROLE_NAMES.get(role, ())}
            found = next((f.code for f in fields if header_key(f.name) in names), None)
            if found:
                roles[role] = found
    for f in fields:
        if f.field_type == FieldType.ID_TYPE:
            roles.setdefault("id_type", f.code)
        elif f.field_type == FieldType.ID_NUMBER:
            roles.setdefault("id_number", f.code)
    return roles


def _choice_values(field: ItemField) -> dict[str, str]:
    values: dict[str, str] = {}
    for choice in field.choices or []:
        if isinstance(choice, dict):
            stored = str(choice.get("value", choice.get("label", "")))
            for key in ("value", "label", "name"):
                if choice.get(key) is not None:
                    values[header_key(str(choice[key]))] = stored
        else:
            values[header_key(str(choice))] = str(choice)
    return values


@dataclass
class FieldSpec:
    code: str
    name: str
    field_type: str
    required: bool
    required_for: frozenset[str]
    masked: bool
    max_length: int | None
    role: str | None
    choices: dict[str, str] = field(default_factory=dict)


class ItemSchema:
    """An item's fields with their roles, read once per batch."""

    def __init__(self, item: CatalogItem, fields: list[ItemField] | None = None):
        self.item = item
        self.fields: list[ItemField] = list(fields if fields is not None else item.fields.all())
        self.specs: dict[str, FieldSpec] = {}
        self.roles: dict[str, str] = _roles_of(self.fields)
        role_by_code = {code: role for role, code in self.roles.items()}
        for f in self.fields:
            self.specs[f.code] = FieldSpec(
                code=f.code, name=f.name, field_type=f.field_type, required=f.required,
                required_for=frozenset(f.required_for or ()), masked=f.masked, max_length=f.max_length,
                role=role_by_code.get(f.code), choices=_choice_values(f),
            )
        self.summary_fields = [
            s.code for s in self.specs.values()
            if s.code.upper().endswith(SUMMARY_SUFFIXES) or header_key(s.name) in SUMMARY_NAMES
        ]
        self.rules = frozenset(item.rules or ())
        self.market_information = bool(item.is_market_information)

    def name_of(self, code: str) -> str:
        spec = self.specs.get(code)
        if spec is not None:
            return spec.name
        return CONVENTION_NAMES.get(code, code)

    def problems(self) -> list[str]:
        """Why this item cannot take submissions (no document number or decision date field)."""
        return [role for role in ("document_number", "decision_date") if role not in self.roles]


def _err(row: int, field: str, code: str, zh: str, en: str) -> RowError:
    return RowError(row, field, code, zh, en)


class RowValidator:
    """Validates rows of one item for one provider; caches per distinct value (dates, identifiers)."""

    def __init__(self, schema: ItemSchema, *, provider_uscc: str | None, today: dt.date, divisions: set[str]):
        self.schema = schema
        self.provider_uscc = provider_uscc
        self.today = today
        self.divisions = divisions
        self._dates: dict = {}
        self._identifiers: dict[tuple[str, str], object] = {}
        self._id_types: dict[str, IdentifierType | str | None] = {}
        self._masks: dict[tuple[str, str], str] = {}
        roles = schema.roles
        self.r_name = roles.get("subject_name")
        self.r_category = roles.get("subject_category")
        self.r_uscc = roles.get("subject_uscc")
        self.r_id_type = roles.get("id_type")
        self.r_id_number = roles.get("id_number")
        self.r_document = roles.get("document_number")
        self.r_decision = roles.get("decision_date")
        self.r_source = roles.get("source_uscc")
        self._plain = [
            s for s in schema.specs.values() if s.role not in ("id_type", "id_number")
        ]
        self._checked = [s for s in schema.specs.values() if s.required or s.required_for]

    # cached checks --------------------------------------------------------------------------------------
    def _date(self, value) -> str | None:
        """The ISO text of a date cell, or None (cached per distinct cell)."""
        key = value if isinstance(value, str | int | float) else repr(value)
        try:
            return self._dates[key]
        except KeyError:
            parsed = parse_date(value)
            iso = parsed.isoformat() if parsed is not None else None
            self._dates[key] = iso
            return iso

    def _identifier(self, id_type: IdentifierType, value: str):
        key = (id_type.value, value)
        result = self._identifiers.get(key)
        if result is None:
            result = validate(id_type, value, today=self.today)
            self._identifiers[key] = result
        return result

    def _id_type(self, text: str):
        if text in self._id_types:
            return self._id_types[text]
        key = header_key(text)
        if key in _UNSUPPORTED_ID_TYPES:
            found: IdentifierType | str | None = "unsupported"
        else:
            found = _ID_TYPE_ALIASES.get(key)
            if found is None:
                try:
                    found = IdentifierType.parse(key)
                except ValueError:
                    found = None
            if found is IdentifierType.USCC:
                found = None
        self._id_types[text] = found
        return found

    def mask(self, id_type: str, value: str) -> str:
        key = (id_type, value)
        masked = self._masks.get(key)
        if masked is None:
            masked = mask_identifier(id_type, value)
            self._masks[key] = masked
        return masked

    # the row --------------------------------------------------------------------------------------------
    def validate(self, values: dict, row: int) -> ValidRow | list[RowError]:
        """`values` maps field codes (and the convention columns) to cells as read."""
        errors: list[RowError] = []
        data: dict[str, str] = {}
        nfkc = unicodedata.normalize
        for spec in self._plain:
            raw = values.get(spec.code)
            if raw is None:
                continue
            if raw.__class__ is str:
                cell = raw.strip() if raw.isascii() else nfkc("NFKC", raw).strip()
            else:
                cell = normalize_cell(raw)
            if cell == "":
                continue
            ftype = spec.field_type
            if ftype == _TEXT:
                text = cell if cell.__class__ is str else _text(cell)
                if spec.max_length and len(text) > spec.max_length:
                    errors.append(_err(row, spec.code, "too_long", f"{spec.name}：超过最大长度{spec.max_length}",
                                       f"{spec.code}: longer than {spec.max_length} characters"))
                    continue
                if not text.isprintable():  # control characters, line breaks in a name (xinyong.core.text)
                    try:
                        text = clean_text(text, multiline=spec.role not in _ONE_LINE_ROLES)
                    except TextRefused as refused:
                        errors.append(_err(row, spec.code, refused.code, f"{spec.name}：{refused.message_zh}",
                                           f"{spec.code}: {refused.message_en}"))
                        continue
                if len(text) >= 15 and _CITIZEN_ID_RUN.search(text):
                    text = scrub_id_numbers(text)
                data[spec.code] = text
            elif ftype == _DATE:
                parsed = self._date(cell)
                if parsed is None:
                    errors.append(_err(row, spec.code, "invalid_date",
                                       f"{spec.name}：日期格式无法识别（应如2026-03-05、2026/3/5或2026年3月5日）",
                                       f"{spec.code}: not a recognizable date"))
                    continue
                data[spec.code] = parsed
            elif ftype == FieldType.AMOUNT:
                amount, code = parse_amount(cell)
                if code is not None:
                    zh = {"invalid_amount": "不是有效的金额（万元）", "negative_amount": "金额不能为负数",
                          "too_many_decimals": f"金额（万元）最多{MAX_AMOUNT_DECIMALS}位小数"}[code]
                    errors.append(_err(row, spec.code, code, f"{spec.name}：{zh}",
                                       f"{spec.code}: {code.replace('_', ' ')} (10,000 yuan, ≥ 0, ≤ 6 decimals)"))
                    continue
                data[spec.code] = amount
            elif ftype == FieldType.INTEGER:
                text = _text(cell)
                if not re.fullmatch(r"-?\d+", text):
                    errors.append(_err(row, spec.code, "invalid_integer", f"{spec.name}：应为整数",
                                       f"{spec.code}: not an integer"))
                    continue
                data[spec.code] = str(int(text))
            elif ftype == FieldType.CHOICE:
                text = _text(cell)
                if spec.choices:
                    stored = spec.choices.get(header_key(text))
                    if stored is None:
                        allowed = "、".join(sorted(set(spec.choices.values())))
                        errors.append(_err(row, spec.code, "invalid_choice", f"{spec.name}：取值应为{allowed}之一",
                                           f"{spec.code}: not one of the allowed values"))
                        continue
                    text = stored
                data[spec.code] = text
            elif ftype == _USCC:
                result = self._identifier(IdentifierType.USCC, cell if cell.__class__ is str else _text(cell))
                if not result.ok:
                    errors.append(_err(row, spec.code, result.error.code,
                                       f"{spec.name}：统一社会信用代码{result.error.message_zh}",
                                       f"{spec.code}: USCC {result.error.message_en}"))
                    continue
                data[spec.code] = result.value
            else:
                data[spec.code] = _text(cell)

        # identifiers and the subject ------------------------------------------------------------------
        id_type_text = _text(normalize_cell(values.get(self.r_id_type))) if self.r_id_type else ""
        id_number_raw = _text(normalize_cell(values.get(self.r_id_number))) if self.r_id_number else ""
        id_type = None
        if id_type_text:
            id_type = self._id_type(id_type_text)
            if id_type is None or id_type == "unsupported":
                code = "unsupported_id_type" if id_type == "unsupported" else "invalid_id_type"
                errors.append(_err(row, self.r_id_type, code,
                                   f"{self.schema.name_of(self.r_id_type)}：不支持的证件类型“{id_type_text}”",
                                   f"{self.r_id_type}: unsupported ID document type"))
                id_type = None
            else:
                data[self.r_id_type] = id_type_text
        id_value = ""
        if id_number_raw:
            if id_type is None and not id_type_text:
                errors.append(_err(row, self.r_id_type or self.r_id_number, "required",
                                   "证件类型：填写证件号码时必须填写证件类型", "ID type: required with an ID number"))
            elif id_type is not None:
                result = self._identifier(id_type, id_number_raw)
                if not result.ok:
                    errors.append(_err(row, self.r_id_number, result.error.code,
                                       f"{self.schema.name_of(self.r_id_number)}：{id_type.label_zh}{result.error.message_zh}",
                                       f"{self.r_id_number}: {id_type.value} {result.error.message_en}"))
                else:
                    id_value = result.value
                    data[self.r_id_number] = self.mask(id_type.value, id_value)
            else:
                data[self.r_id_number] = mask_identifier("", id_number_raw)

        kind, identifier_type, identifier, division = self._subject(values, data, id_type, id_value, row, errors)

        # required fields, by subject kind where the catalog says so
        error_fields = {e.field for e in errors} if errors else ()
        for spec in self._checked:
            if spec.code in data or spec.code in error_fields:
                continue
            if spec.required or (kind and kind in spec.required_for):
                errors.append(_err(row, spec.code, "required", f"{spec.name}：必填项为空",
                                   f"{spec.code}: required"))

        if errors:
            error_fields = {e.field for e in errors}
        if self.r_document and self.r_document not in data and self.r_document not in error_fields:
            errors.append(_err(row, self.r_document, "required",
                               f"{self.schema.name_of(self.r_document)}：必填项为空（用于识别记录，重复报送不会重复入库）",
                               f"{self.r_document}: required (it identifies the record)"))
        if self.r_decision and self.r_decision not in data and self.r_decision not in error_fields:
            errors.append(_err(row, self.r_decision, "required", f"{self.schema.name_of(self.r_decision)}：必填项为空",
                               f"{self.r_decision}: required"))
        decision = None
        if self.r_decision and self.r_decision in data:
            decision = dt.date.fromisoformat(data[self.r_decision])
            if decision > self.today:
                errors.append(_err(row, self.r_decision, "future_date",
                                   f"{self.schema.name_of(self.r_decision)}：决定日期不能晚于今天",
                                   f"{self.r_decision}: the decision date is in the future"))
        if self.r_source and self.provider_uscc and data.get(self.r_source, self.provider_uscc) != self.provider_uscc:
            errors.append(_err(row, self.r_source, "provider_mismatch",
                               f"{self.schema.name_of(self.r_source)}：与报送单位的统一社会信用代码不一致，只能报送本单位的信息",
                               f"{self.r_source}: a provider submits only its own information"))
        if SUMMARY_PROCEDURE_RULE in self.schema.rules:
            for code in self.schema.summary_fields:
                if "简易程序" in data.get(code, ""):
                    errors.append(_err(row, code, "not_collected_summary_procedure",
                                       f"{self.schema.name_of(code)}：适用简易程序的行政处罚不作为公共信用信息归集",
                                       f"{code}: penalties under the summary procedure are not collected"))
                    break
        if self.schema.market_information:
            consent = _text(normalize_cell(values.get(CONSENT_FIELD)))
            if not consent:
                errors.append(_err(row, CONSENT_FIELD, "consent_required",
                                   "授权同意编号：市场信用信息须经信用主体授权或同意（第二十条），每行须填写授权同意编号",
                                   f"{CONSENT_FIELD}: market information needs the subject's consent (Art 20)"))
            else:
                data[CONSENT_FIELD] = consent
        raw_op = values.get(OP_FIELD)
        op = _OPS.get(header_key(_text(normalize_cell(raw_op)))) if raw_op else OP_NEW
        reason = ""
        if op is None:
            errors.append(_err(row, OP_FIELD, "invalid_operation", "操作类型：应为“新增”“修正”或“更正”",
                               f"{OP_FIELD}: must be new or correction"))
        elif op == OP_CORRECT:
            reason = _text(normalize_cell(values.get(OP_REASON_FIELD)))
            if not reason:
                errors.append(_err(row, OP_REASON_FIELD, "reason_required", "修正原因：修正、更正记录须说明原因（第三十条）",
                                   f"{OP_REASON_FIELD}: a correction needs a reason (Art 30)"))
        if errors:
            return errors
        return ValidRow(
            row=row, data=data, kind=kind, identifier_type=identifier_type, identifier=identifier,
            name=data.get(self.r_name, "") if self.r_name else "",
            document_number=data[self.r_document], decision_date=decision, op=op, reason=reason,
            division_code=division,
        )

    def _subject(self, values, data, id_type, id_value, row, errors):
        """(kind, identifier type, identifier, division code) with category/identifier consistency."""
        category_code = self.r_category
        category_text = data.get(category_code, "") if category_code else ""
        uscc = data.get(self.r_uscc, "") if self.r_uscc else ""
        error_fields = {e.field for e in errors} if errors else ()
        uscc_invalid = bool(self.r_uscc) and self.r_uscc in error_fields
        id_invalid = bool(self.r_id_number) and (self.r_id_number in error_fields or self.r_id_type in error_fields)
        if category_code and category_text:
            category = _CATEGORIES.get(header_key(category_text))
            if category is None:
                errors.append(_err(row, category_code, "invalid_category",
                                   f"{self.schema.name_of(category_code)}：应为“法人及非法人组织”“自然人”或“个体工商户”",
                                   f"{category_code}: unknown subject category"))
                return None, "", "", None
        elif category_code:
            return None, "", "", None  # reported as required
        else:
            category = CATEGORY_ORGANIZATION if uscc else SubjectKind.NATURAL_PERSON

        def mismatch(field_code, zh, en):
            errors.append(_err(row, field_code, "category_mismatch",
                               f"{self.schema.name_of(field_code)}：{zh}", f"{field_code}: {en}"))
            return None, "", "", None

        if category == SubjectKind.NATURAL_PERSON:
            if uscc:
                return mismatch(self.r_uscc or category_code, "自然人不应填写统一社会信用代码",
                                "a natural person has no USCC")
            if id_invalid:
                return SubjectKind.NATURAL_PERSON, "", "", None
            if not id_value:
                return SubjectKind.NATURAL_PERSON, "", "", None  # required_for reports the empty field
            return SubjectKind.NATURAL_PERSON, id_type.value, id_value, self._person_division(id_value, id_type)
        if uscc_invalid:
            return None, "", "", None
        if category == SubjectKind.INDIVIDUAL_BUSINESS:
            if uscc:
                if not uscc.startswith("92"):
                    return mismatch(self.r_uscc, "个体工商户的统一社会信用代码应以92开头",
                                    "an individual business's USCC starts with 92")
                return SubjectKind.INDIVIDUAL_BUSINESS, IdentifierType.USCC.value, uscc, self._org_division(uscc)
            if id_value and not id_invalid:
                # Without a USCC the business is filed under its operator's ID document (a natural person).
                return (SubjectKind.NATURAL_PERSON, id_type.value, id_value,
                        self._person_division(id_value, id_type))
            if not id_invalid:
                errors.append(_err(row, self.r_uscc or category_code, "required",
                                   "行政相对人代码_1：个体工商户须填写统一社会信用代码（92开头）或经营者证件号码",
                                   "an individual business needs a USCC (92…) or its operator's ID number"))
            return None, "", "", None
        # organizations
        if not uscc:
            if self.r_uscc:
                errors.append(_err(row, self.r_uscc, "required",
                                   f"{self.schema.name_of(self.r_uscc)}：法人及非法人组织须填写统一社会信用代码",
                                   f"{self.r_uscc}: an organization needs its USCC"))
            return None, "", "", None
        kind = category
        org_type = uscc[:2]
        if org_type == "92":
            return mismatch(self.r_uscc, "92开头的统一社会信用代码属于个体工商户，行政相对人类别应为“个体工商户”",
                            "a USCC starting with 92 belongs to an individual business")
        if category == CATEGORY_ORGANIZATION:
            kind = {"11": SubjectKind.GOVERNMENT_BODY, "12": SubjectKind.PUBLIC_INSTITUTION}.get(
                org_type, SubjectKind.LEGAL_PERSON
            )
        return kind, IdentifierType.USCC.value, uscc, self._org_division(uscc)

    def _org_division(self, uscc: str) -> str | None:
        code = uscc[2:8]
        return code if code in self.divisions else None

    def _person_division(self, value: str, id_type: IdentifierType) -> str | None:
        if id_type is not IdentifierType.CITIZEN_ID:
            return None
        code = value[:6]
        return code if code in self.divisions else None


class RowsRejected(ServiceError):
    """A single record (API or correction) failed validation: 422 with every row error."""

    status = 422

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, bilingual(first.message, first.message_en), field=first.field or None,
                         row=first.row)

    def as_dict(self) -> dict:
        data = super().as_dict()
        data["errors"] = [
            {"row": e.row, "field": e.field, "code": e.code, "message": bilingual(e.message, e.message_en)}
            for e in self.errors
        ]
        return data


def chengde_divisions() -> dict[str, int]:
    """County-level division codes of the city (GB/T 2260 1308xx) → division id, for subjects' divisions."""
    from xinyong.accounts.models import Division

    return dict(Division.objects.filter(code__startswith="1308").values_list("code", "id"))


def check_keys(schema: ItemSchema, keys) -> dict[str, str]:
    """Map submitted keys (field codes, names or aliases) to field codes; refuse server-owned and unknown
    keys naming them (security req. 9; Art 18: nothing outside the catalog)."""
    from xinyong.ingestion.catalog_access import field_for_header, prohibited_kind
    from xinyong.ingestion.readers import SubmissionRefused

    mapping: dict[str, str] = {}
    for key in keys:
        normalized = header_key(key)
        if normalized in SERVER_OWNED:
            raise SubmissionRefused("server_owned_field", bilingual(
                f"“{key}”由平台确定，不能在报送中设置", f"'{key}' is set by the platform, not by a submission"),
                field=str(key))
        if prohibited_kind(str(key)):
            raise SubmissionRefused("prohibited_field", bilingual(
                f"“{key}”属于禁止采集的个人信息（第十九条），整批拒收", f"'{key}' is prohibited personal data (Art 19)"),
                field=str(key))
        convention = next((code for code, names in CONVENTION_HEADERS.items()
                           if normalized in {header_key(n) for n in names}), None)
        if convention:
            mapping[key] = convention
            continue
        found = field_for_header(schema.item, str(key), schema.fields)
        if found is None:
            raise SubmissionRefused("unknown_field", bilingual(
                f"“{key}”不是目录事项“{schema.item.name}”的字段", f"'{key}' is not a field of this catalog item"),
                field=str(key))
        mapping[key] = found.code
    return mapping


def correction_row(*, record, current, changes: dict) -> ValidRow | list[RowError]:
    """The corrected row of a record: its current values with the changes applied, validated as a new row.

    Stored ID numbers are masked, so the subject's own (sealed) identifier stands in for them."""
    schema = ItemSchema(record.item)
    mapping = check_keys(schema, changes.keys())
    values: dict = dict(current.data)
    id_code = schema.roles.get("id_number")
    if id_code and id_code in values and record.subject.is_person:
        values[id_code] = record.subject.identifier
    for key, value in changes.items():
        values[mapping[key]] = value
    values.pop(OP_FIELD, None)
    validator = RowValidator(schema, provider_uscc=record.provider.uscc, today=timezone.localdate(),
                             divisions=set(chengde_divisions()))
    return validator.validate(values, 1)
