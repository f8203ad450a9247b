"""Identifier validation for credit subjects (plain Python, no Django).

Natural persons are matched by the citizen ID number (公民身份号码) or, without one, by another valid ID
document number (Art 19); organizations by the unified social credit code (统一社会信用代码, Art 20).

The identifier type is always an explicit input: an 18-digit citizen ID can pass the USCC check by
coincidence, so nothing here guesses the type from the shape of the string.

Standards: GB 32100-2015 (USCC, with its 2016 amendment), GB 11643-1999 (citizen ID), GB 11714-1997
(organization code embedded in the USCC).
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import date

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "ORGANIZATION_TYPES",
    "PROVINCE_CODES",
    "USCC_ALPHABET",
    "ErrorCode",
    "IdentifierError",
    "IdentifierType",
    "InvalidIdentifierError",
    "Sex",
    "ValidationResult",
    "citizen_id_check_character",
    "convert_legacy_citizen_id",
    "is_valid",
    "make_citizen_id",
    "make_uscc",
    "normalize",
    "organization_code_check_character",
    "uscc_check_character",
    "validate",
]


# --- alphabets and weights -----------------------------------------------------------------------------

#: GB 32100-2015 code alphabet; a character's value is its index (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
#: GB 32100-2015 weights for positions 1–17: 3^(i-1) mod 31.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

#: GB 11643-1999 weights for positions 1–17 (2^(18-i) mod 11).
_CITIZEN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: GB 11643-1999: (Σ mod 11) indexes this string to give the check character.
_CITIZEN_CHECK = "10X98765432"

#: GB 11714-1997 organization code: digits and all Latin letters, values 0–35.
_GB11714_VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_DIGITS = frozenset("0123456789")
_LATIN_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _DIGITS | _LATIN_UPPER
_CITIZEN_LAST = _DIGITS | {"X"}

#: Provincial-level prefixes of GB/T 2260 address codes as they occur in citizen IDs. 71 台湾, 81 香港,
#: 82 澳门, 83 (Taiwan residents' residence permits), 91 (abroad, early numbers). Only this prefix is an
#: error: the full 6-digit code is not looked up, because people keep numbers from abolished codes.
PROVINCE_CODES = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))]
    + [str(n) for n in (*range(50, 55), *range(61, 66))]
    + ["71", "81", "82", "83", "91"]
)

#: No birth date before this is accepted (GB 11643 numbers were assigned to living people from 1984 on).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

#: GB 32100-2015 (2016 amendment) registration authority + organization type, positions 1–2. Informative:
#: a pair outside this list only raises a warning, never an error.
ORGANIZATION_TYPES: dict[str, str] = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他（机构编制）",
    "21": "外国常驻新闻机构",
    "29": "其他（外交）",
    "31": "律师执业机构",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "39": "其他（司法行政）",
    "41": "外国在华文化中心",
    "49": "其他（文化）",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他（民政）",
    "61": "外国旅游部门常驻代表机构",
    "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
    "69": "其他（旅游）",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他（宗教）",
    "81": "基层工会",
    "89": "其他（工会）",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他（中央军委改革和编制办公室）",
    "N1": "组级集体经济组织",
    "N2": "村级集体经济组织",
    "N3": "乡镇级集体经济组织",
    "N9": "其他（农业）",
    "Y1": "其他",
}


# --- types, error codes --------------------------------------------------------------------------------


class IdentifierType(enum.StrEnum):
    """Kinds of identifier a credit subject is matched by (Art 19 persons, Art 20 organizations)."""

    USCC = "uscc"
    CITIZEN_ID = "id"
    HK_MACAU = "hk-macau"
    TAIWAN = "taiwan"
    PASSPORT = "passport"
    FOREIGN_PR = "foreign-pr"

    @property
    def label_zh(self) -> str:
        return _TYPE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _TYPE_LABELS[self][1]

    @property
    def document_type_code(self) -> str | None:
        """National ID document type code (证件类型代码); None for the USCC (not a person's document)."""
        return _TYPE_LABELS[self][2]

    @property
    def is_natural_person(self) -> bool:
        """True for the ID documents of natural persons (Art 19); False for the USCC (Art 20)."""
        return self is not IdentifierType.USCC

    @classmethod
    def parse(cls, token: IdentifierType | str) -> IdentifierType:
        """Map an explicit type token to a member.

        Accepts the member value ("id"), the member name ("CITIZEN_ID"), the document type code ("10") or the
        Chinese label ("居民身份证"). Raises ValueError for anything else; never looks at an ID value.
        """
        if isinstance(token, cls):
            return token
        text = normalize(str(token))
        for member in cls:
            label_zh, _label_en, doc_code = _TYPE_LABELS[member]
            if text in (member.value.upper(), member.name, doc_code, label_zh):
                return member
        raise ValueError(f"unknown identifier type: {token!r}")


# label_zh, label_en, document type code (身份证 10, 港澳 30, 台湾 40, 护照 50, 其他法定认可证件 90)
_TYPE_LABELS: dict[IdentifierType, tuple[str, str, str | None]] = {
    IdentifierType.USCC: ("统一社会信用代码", "Unified social credit code", None),
    IdentifierType.CITIZEN_ID: ("居民身份证", "Resident identity card", "10"),
    IdentifierType.HK_MACAU: (
        "港澳居民来往内地通行证",
        "Mainland travel permit for Hong Kong and Macao residents",
        "30",
    ),
    IdentifierType.TAIWAN: ("台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents", "40"),
    IdentifierType.PASSPORT: ("护照", "Passport", "50"),
    IdentifierType.FOREIGN_PR: ("外国人永久居留身份证", "Foreign permanent resident ID card", "90"),
}


class Sex(enum.StrEnum):
    """Sex encoded by the parity of the sequence code (GB 11643-1999: odd 男, even 女)."""

    MALE = "male"
    FEMALE = "female"

    @property
    def label_zh(self) -> str:
        return "男" if self is Sex.MALE else "女"


class ErrorCode(enum.StrEnum):
    """The closed set of rejection and warning codes; messages live in `_MESSAGES`, defined once."""

    EMPTY = "empty"
    WRONG_LENGTH = "wrong_length"
    ILLEGAL_CHARACTER = "illegal_character"
    INVALID_PREFIX = "invalid_prefix"
    BAD_CHECK_CHARACTER = "bad_check_character"
    INVALID_DIVISION = "invalid_division"
    INVALID_BIRTH_DATE = "invalid_birth_date"
    LEGACY_15_DIGIT = "legacy_15_digit"
    # Warnings: reported beside a valid result, never make it fail.
    UNLISTED_ORGANIZATION_TYPE = "unlisted_organization_type"
    ORGANIZATION_CODE_CHECK_MISMATCH = "organization_code_check_mismatch"

    @property
    def message_zh(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self][1]

    @property
    def is_warning(self) -> bool:
        return self in _WARNING_CODES


_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.EMPTY: ("不能为空", "must not be empty"),
    ErrorCode.WRONG_LENGTH: ("长度错误", "wrong length"),
    ErrorCode.ILLEGAL_CHARACTER: ("含非法字符", "illegal character"),
    ErrorCode.INVALID_PREFIX: ("开头字符错误", "wrong leading character"),
    ErrorCode.BAD_CHECK_CHARACTER: ("校验码错误", "check character does not match"),
    ErrorCode.INVALID_DIVISION: ("行政区划代码无效", "invalid administrative division code"),
    ErrorCode.INVALID_BIRTH_DATE: ("出生日期无效", "invalid birth date"),
    ErrorCode.LEGACY_15_DIGIT: (
        "旧版15位身份证号码，请按需转换",
        "legacy 15-digit citizen ID number; convert it if needed",
    ),
    ErrorCode.UNLISTED_ORGANIZATION_TYPE: (
        "登记管理部门或机构类别代码不在已知列表中",
        "registration authority or organization type is not in the known list",
    ),
    ErrorCode.ORGANIZATION_CODE_CHECK_MISMATCH: (
        "主体标识码（组织机构代码）校验码不符",
        "the embedded organization code fails its GB 11714 check",
    ),
}
_WARNING_CODES = frozenset({ErrorCode.UNLISTED_ORGANIZATION_TYPE, ErrorCode.ORGANIZATION_CODE_CHECK_MISMATCH})


@dataclass(frozen=True)
class IdentifierError:
    """One rejection (or warning): a machine code, bilingual messages and an optional 1-based position."""

    code: ErrorCode
    message_zh: str
    message_en: str
    position: int | None = None

    @classmethod
    def of(
        cls, code: ErrorCode, position: int | None = None, detail_zh: str = "", detail_en: str = ""
    ) -> IdentifierError:
        """Build the error from the one message table; details never repeat the identifier itself."""
        zh = (
            (f"第{position}位" if position else "")
            + code.message_zh
            + (f"（{detail_zh}）" if detail_zh else "")
        )
        en = (
            code.message_en
            + (f" at position {position}" if position else "")
            + (f" ({detail_en})" if detail_en else "")
        )
        return cls(code=code, message_zh=zh, message_en=en, position=position)


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of `validate`.

    `value` is the normalized input. Parsed facts are filled for valid values and for recognized legacy
    15-digit citizen IDs; they stay None when the value is rejected.
    """

    value: str
    type: IdentifierType
    ok: bool
    error: IdentifierError | None = None
    warnings: tuple[IdentifierError, ...] = ()
    legacy: bool = False
    division_code: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    registration_authority: str | None = None
    organization_type: str | None = None
    organization_code: str | None = None

    def __post_init__(self) -> None:
        # A result that is both ok and carries an error would let a caller publish a rejected identifier.
        if self.ok != (self.error is None):
            raise ValueError("ok must be True exactly when there is no error")


class InvalidIdentifierError(ValueError):
    """Raised by the converters and generators; carries the `IdentifierError` when there is one."""

    def __init__(self, message: str, error: IdentifierError | None = None) -> None:
        super().__init__(message)
        self.error = error


# --- normalization and check characters ----------------------------------------------------------------


def normalize(value: str | None) -> str:
    """Normalize an identifier as typed or imported: NFKC (full-width → half-width), drop all whitespace and
    invisible format characters (Excel exports carry them), upper-case Latin letters."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = "".join(text.split())
    # Only ASCII letters are upper-cased: str.upper() would turn "ß" into "SS" and shift positions.
    return text.translate(_ASCII_UPPER)


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def uscc_check_character(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters: (31 − Σ value·3^(i-1) mod 31) mod 31."""
    if len(first17) != 17 or any(ch not in _USCC_VALUES for ch in first17):
        raise InvalidIdentifierError("need 17 characters of the GB 32100 alphabet")
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def citizen_id_check_character(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or any(ch not in _DIGITS for ch in first17):
        raise InvalidIdentifierError("need 17 digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _CITIZEN_WEIGHTS, strict=True))
    return _CITIZEN_CHECK[total % 11]


def organization_code_check_character(body8: str) -> str:
    """GB 11714-1997 check character for an 8-character organization code body: C9 = 11 − (Σ mod 11),
    with 10 → 'X' and 11 → '0'."""
    if len(body8) != 8 or any(ch not in _GB11714_VALUES for ch in body8):
        raise InvalidIdentifierError("need 8 characters of 0-9A-Z")
    total = sum(_GB11714_VALUES[ch] * w for ch, w in zip(body8, _GB11714_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


# --- validation ----------------------------------------------------------------------------------------


def validate(type: IdentifierType | str, value: str, *, today: date | None = None) -> ValidationResult:
    """Validate `value` as an identifier of the explicit `type` (Art 19, Art 20).

    `today` bounds birth dates (defaults to the current date). An unknown `type` raises ValueError: the
    type comes from code or a mapped column, so a bad one is a programming or mapping error.
    """
    kind = IdentifierType.parse(type)
    text = normalize(value)
    if kind in (IdentifierType.HK_MACAU, IdentifierType.TAIWAN):
        # Older permits print a renewal or issue suffix in brackets, e.g. 1234567890(B).
        text = text.replace("(", "").replace(")", "")
    if not text:
        return _fail(kind, text, ErrorCode.EMPTY)
    today = today or date.today()
    return _VALIDATORS[kind](kind, text, today)


def is_valid(type: IdentifierType | str, value: str, *, today: date | None = None) -> bool:
    """Shorthand for `validate(...).ok`."""
    return validate(type, value, today=today).ok


def _fail(
    kind: IdentifierType,
    value: str,
    code: ErrorCode,
    position: int | None = None,
    detail_zh: str = "",
    detail_en: str = "",
    **facts: object,
) -> ValidationResult:
    error = IdentifierError.of(code, position, detail_zh, detail_en)
    return ValidationResult(value=value, type=kind, ok=False, error=error, **facts)  # type: ignore[arg-type]


def _wrong_length(kind: IdentifierType, value: str, expected: str) -> ValidationResult:
    return _fail(
        kind,
        value,
        ErrorCode.WRONG_LENGTH,
        detail_zh=f"应为{expected}位，实为{len(value)}位",
        detail_en=f"expected {expected}, got {len(value)}",
    )


def _first_outside(
    value: str, allowed: frozenset[str], start: int = 0, stop: int | None = None
) -> int | None:
    """1-based position of the first character of value[start:stop] outside `allowed`, or None."""
    for i in range(start, len(value) if stop is None else stop):
        if value[i] not in allowed:
            return i + 1
    return None


def _illegal(kind: IdentifierType, value: str, position: int) -> ValidationResult:
    return _fail(kind, value, ErrorCode.ILLEGAL_CHARACTER, position)


def _birth_date(yyyymmdd: str, today: date) -> date | None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if EARLIEST_BIRTH_DATE <= born <= today else None


def _validate_uscc(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    """GB 32100-2015: 1 registration authority, 2 organization type, 3–8 division (GB/T 2260 digits),
    9–17 organization code (GB 11714), 18 check character (Art 20: the organization's unique key)."""
    if len(value) != 18:
        return _wrong_length(kind, value, "18")
    for i, ch in enumerate(value):
        allowed = ch in _DIGITS if 2 <= i < 8 else ch in _USCC_VALUES
        if not allowed:
            return _illegal(kind, value, i + 1)
    if value[17] != uscc_check_character(value[:17]):
        return _fail(kind, value, ErrorCode.BAD_CHECK_CHARACTER, 18)
    warnings: list[IdentifierError] = []
    if value[:2] not in ORGANIZATION_TYPES:
        warnings.append(IdentifierError.of(ErrorCode.UNLISTED_ORGANIZATION_TYPE, 1))
    org = value[8:17]
    if org[8] != organization_code_check_character(org[:8]):
        warnings.append(IdentifierError.of(ErrorCode.ORGANIZATION_CODE_CHECK_MISMATCH, 17))
    return ValidationResult(
        value=value,
        type=kind,
        ok=True,
        warnings=tuple(warnings),
        registration_authority=value[0],
        organization_type=value[1],
        division_code=value[2:8],
        organization_code=org,
    )


def _validate_citizen_id(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    """GB 11643-1999: 6-digit address code, 8-digit birth date, 3-digit sequence (odd 男), check character.

    A 15-digit first-generation number is recognized but not accepted as is (`legacy_15_digit`).
    """
    if len(value) == 15:
        return _validate_legacy_citizen_id(kind, value, today)
    if len(value) != 18:
        return _wrong_length(kind, value, "18")
    bad = _first_outside(value, _DIGITS, 0, 17)
    if bad is None and value[17] not in _CITIZEN_LAST:
        bad = 18
    if bad is not None:
        return _illegal(kind, value, bad)
    if value[17] != citizen_id_check_character(value[:17]):
        return _fail(kind, value, ErrorCode.BAD_CHECK_CHARACTER, 18)
    if value[:2] not in PROVINCE_CODES:
        return _fail(kind, value, ErrorCode.INVALID_DIVISION, 1)
    born = _birth_date(value[6:14], today)
    if born is None:
        return _fail(kind, value, ErrorCode.INVALID_BIRTH_DATE, 7)
    return ValidationResult(
        value=value,
        type=kind,
        ok=True,
        division_code=value[:6],
        birth_date=born,
        sex=Sex.MALE if int(value[16]) % 2 else Sex.FEMALE,
    )


def _validate_legacy_citizen_id(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    # 15 digits: address code, yymmdd (19yy implied), 3-digit sequence; no check character.
    bad = _first_outside(value, _DIGITS)
    if bad is not None:
        return _illegal(kind, value, bad)
    if value[:2] not in PROVINCE_CODES:
        return _fail(kind, value, ErrorCode.INVALID_DIVISION, 1, legacy=True)
    born = _birth_date("19" + value[6:12], today)
    if born is None:
        return _fail(kind, value, ErrorCode.INVALID_BIRTH_DATE, 7, legacy=True)
    return _fail(
        kind,
        value,
        ErrorCode.LEGACY_15_DIGIT,
        legacy=True,
        division_code=value[:6],
        birth_date=born,
        sex=Sex.MALE if int(value[14]) % 2 else Sex.FEMALE,
    )


def _validate_hk_macau(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    """港澳居民来往内地通行证: H (Hong Kong) or M (Macao) + 8 digits; older cards + 10 digits."""
    if len(value) not in (9, 11):
        return _wrong_length(kind, value, "9或11")
    if value[0] not in ("H", "M"):
        return _fail(kind, value, ErrorCode.INVALID_PREFIX, 1, "应为H或M", "expected H or M")
    bad = _first_outside(value, _DIGITS, 1)
    return _illegal(kind, value, bad) if bad else ValidationResult(value=value, type=kind, ok=True)


def _validate_taiwan(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    """台湾居民来往大陆通行证: 8 digits (current); older cards 10 digits, sometimes with a letter suffix."""
    if len(value) not in (8, 10, 11):
        return _wrong_length(kind, value, "8或10")
    digits = 10 if len(value) == 11 else len(value)
    bad = _first_outside(value, _DIGITS, 0, digits)
    if bad is None and len(value) == 11 and value[10] not in _LATIN_UPPER:
        bad = 11
    return _illegal(kind, value, bad) if bad else ValidationResult(value=value, type=kind, ok=True)


def _validate_passport(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    """护照: 5–17 Latin letters or digits (Chinese ordinary passports: E + 8, e.g. E12345678, EA1234567)."""
    if not 5 <= len(value) <= 17:
        return _wrong_length(kind, value, "5至17")
    bad = _first_outside(value, _ALNUM)
    return _illegal(kind, value, bad) if bad else ValidationResult(value=value, type=kind, ok=True)


def _validate_foreign_pr(kind: IdentifierType, value: str, today: date) -> ValidationResult:
    """外国人永久居留身份证: the 2023 card has 18 characters, 9 + 5 digits (nationality and issuing
    province) + 8-digit birth date + 3-digit sequence + a GB 11643 check character; the older card has
    3 letters (nationality) + 12 digits. Both are in use."""
    if len(value) == 15:
        bad = _first_outside(value, _LATIN_UPPER, 0, 3) or _first_outside(value, _DIGITS, 3)
        return _illegal(kind, value, bad) if bad else ValidationResult(value=value, type=kind, ok=True)
    if len(value) != 18:
        return _wrong_length(kind, value, "18或15")
    if value[0] != "9":
        return _fail(kind, value, ErrorCode.INVALID_PREFIX, 1, "应为9", "expected 9")
    bad = _first_outside(value, _DIGITS, 0, 17)
    if bad is None and value[17] not in _CITIZEN_LAST:
        bad = 18
    if bad is not None:
        return _illegal(kind, value, bad)
    if value[17] != citizen_id_check_character(value[:17]):
        return _fail(kind, value, ErrorCode.BAD_CHECK_CHARACTER, 18)
    # Published descriptions disagree on the order of the nationality and province fields (positions 2–6),
    # so only the birth date, which all place at 7–14, is checked.
    born = _birth_date(value[6:14], today)
    if born is None:
        return _fail(kind, value, ErrorCode.INVALID_BIRTH_DATE, 7)
    return ValidationResult(value=value, type=kind, ok=True, birth_date=born)


_VALIDATORS = {
    IdentifierType.USCC: _validate_uscc,
    IdentifierType.CITIZEN_ID: _validate_citizen_id,
    IdentifierType.HK_MACAU: _validate_hk_macau,
    IdentifierType.TAIWAN: _validate_taiwan,
    IdentifierType.PASSPORT: _validate_passport,
    IdentifierType.FOREIGN_PR: _validate_foreign_pr,
}


# --- conversion and generation -------------------------------------------------------------------------


def convert_legacy_citizen_id(value15: str, *, today: date | None = None) -> str:
    """Convert a recognized 15-digit citizen ID to 18 digits (GB 11643-1999): insert "19" before the
    yymmdd birth date and append the check character. Only on explicit request; never done by `validate`."""
    result = validate(IdentifierType.CITIZEN_ID, value15, today=today)
    if result.error is None or result.error.code is not ErrorCode.LEGACY_15_DIGIT:
        raise InvalidIdentifierError("not a valid 15-digit citizen ID number", result.error)
    body = result.value[:6] + "19" + result.value[6:]
    return body + citizen_id_check_character(body)


def make_citizen_id(division_code: str, birth_date: date, sequence: int) -> str:
    """Build an 18-character citizen ID (GB 11643-1999) for demo data and tests. Odd sequence → 男."""
    if len(division_code) != 6 or any(ch not in _DIGITS for ch in division_code):
        raise InvalidIdentifierError("division_code must be 6 digits")
    if not 0 <= sequence <= 999:
        raise InvalidIdentifierError("sequence must be 0–999")
    body = f"{division_code}{birth_date:%Y%m%d}{sequence:03d}"
    if len(body) != 17:
        raise InvalidIdentifierError("birth year must have 4 digits")
    return body + citizen_id_check_character(body)


def make_uscc(
    registration_authority: str, organization_type: str, division_code: str, organization_code8: str
) -> str:
    """Build an 18-character USCC (GB 32100-2015) for demo data and tests.

    `organization_code8` is the 8-character body of the GB 11714 organization code; its check character is
    computed here to make the 9-character subject identifier (positions 9–17).
    """
    for name, part, size in (
        ("registration_authority", registration_authority, 1),
        ("organization_type", organization_type, 1),
        ("organization_code8", organization_code8, 8),
    ):
        if len(part) != size or any(ch not in _USCC_VALUES for ch in part):
            raise InvalidIdentifierError(f"{name} must be {size} character(s) of the GB 32100 alphabet")
    if len(division_code) != 6 or any(ch not in _DIGITS for ch in division_code):
        raise InvalidIdentifierError("division_code must be 6 digits")
    org = organization_code8 + organization_code_check_character(organization_code8)
    first17 = registration_authority + organization_type + division_code + org
    return first17 + uscc_check_character(first17)
