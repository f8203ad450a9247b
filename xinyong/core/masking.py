"""The one masking implementation for every display path (plain Python, no Django).

Natural persons' identifiers and names are personal information (Art 19; natural persons' credit information
is not published openly), so pages, exports, reports, logs and API responses show them only through these
functions. The USCC identifies organizations and is public (Art 20), so it is shown unchanged.

Guarantee: `mask_identifier` never returns 8 or more consecutive digits of a citizen ID, whatever type the
caller passes, so a wrongly typed value cannot leak a citizen ID number.
"""

from __future__ import annotations

import re

from xinyong.core.identifiers import IdentifierType, normalize, validate

__all__ = ["COMPOUND_SURNAMES", "MASK", "mask_identifier", "mask_name", "mask_phone"]

MASK = "*"

# A run this long could be most of a citizen ID; nothing but a valid USCC may show one.
_LONG_DIGIT_RUN = re.compile(r"\d{8,}")

#: Two-character surnames (复姓) kept whole by `mask_name`, so 欧阳娜娜 shows as 欧阳**.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "司空",
        "夏侯",
        "令狐",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "闻人",
        "澹台",
        "公羊",
        "太史",
        "申屠",
        "钟离",
        "濮阳",
        "单于",
        "万俟",
        "拓跋",
        "赫连",
        "仲孙",
        "淳于",
        "完颜",
        "第五",
        "东郭",
        "左丘",
    }
)


def _keep(value: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters; mask the rest (at least one character)."""
    if len(value) <= head + tail:
        return _keep_ends(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[len(value) - tail :]


def _keep_ends(value: str) -> str:
    """Fallback for unknown types and malformed values: only the first and last characters stay."""
    if len(value) <= 2:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 2) + value[-1]


def _is_citizen_id(value: str) -> bool:
    result = validate(IdentifierType.CITIZEN_ID, value)
    return result.ok or result.legacy


def _mask_citizen_id(value: str) -> str:
    if len(value) == 18:
        return _keep(value, 6, 4)  # 130802********1235: division code and last 4, as on receipts
    if len(value) == 15:
        return _keep(value, 6, 3)
    return _keep_ends(value)


def mask_identifier(type: IdentifierType | str, value: str | None) -> str:
    """Mask an identifier for display.

    Citizen ID 18 → first 6 + last 4; 15 → first 6 + last 3; foreign permanent resident ID 18 → first 4 +
    last 4; HK/Macau, Taiwan, passport → first 1–2 + last 2; USCC → unchanged (public, Art 20); an unknown
    type or a malformed value → first and last character only.
    """
    if value is None:
        return ""
    text = normalize(value)
    try:
        kind = IdentifierType.parse(type)
    except ValueError:
        return _keep_ends(text)

    if kind is IdentifierType.USCC:
        # Defence in depth: a citizen ID filed under the wrong type is masked as one, and a malformed USCC
        # with a long digit run might be a mistyped citizen ID, so it is masked too.
        if _is_citizen_id(text):
            return _mask_citizen_id(text)
        if validate(kind, text).ok or not _LONG_DIGIT_RUN.search(text):
            return text
        return _mask_citizen_id(text) if len(text) in (15, 18) else _keep_ends(text)

    if kind is IdentifierType.CITIZEN_ID:
        masked = _mask_citizen_id(text)
    elif kind is IdentifierType.FOREIGN_PR:
        head, tail = {18: (4, 4), 15: (3, 2)}.get(len(text), (1, 1))
        masked = _keep(text, head, tail)
    elif len(text) >= 5:  # HK_MACAU, TAIWAN, PASSPORT: H1*****78, E**34
        masked = _keep(text, 2 if len(text) >= 8 else 1, 2)
    else:
        masked = _keep_ends(text)
    # The shapes above cannot leave 8 digits; the check keeps the guarantee if someone changes them.
    return _keep_ends(text) if _LONG_DIGIT_RUN.search(masked) else masked


def mask_name(name: str | None) -> str:
    """Mask a natural person's name: keep the first character of the surname, or both of a compound
    surname such as 欧阳, then a fixed ** that hides the length of the given name: 张**, 欧阳**."""
    if not name:
        return ""
    text = name.strip()
    if len(text) <= 1:
        return MASK * len(text)
    head = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
    return text[:head] + MASK * 2


def mask_phone(phone: str | None) -> str:
    """Mask a phone number: 11 or more digits keep the first 3 and last 4 (13812341234 → 138****1234, a +86
    prefix is kept); 7–10 digits keep the last 4; shorter ones the last 2."""
    if not phone:
        return ""
    digits = "".join(ch for ch in normalize(phone) if ch.isascii() and ch.isdigit())
    prefix = ""
    if len(digits) == 13 and digits.startswith("86"):
        prefix, digits = "+86 ", digits[2:]
    if len(digits) >= 11:
        return prefix + digits[:3] + MASK * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 7:
        return prefix + MASK * (len(digits) - 4) + digits[-4:]
    if len(digits) > 2:
        return MASK * (len(digits) - 2) + digits[-2:]
    return MASK * len(digits)
