"""Text that people type or submit — names, reasons, notes — normalised and checked in one place (issue 12 finding 8).

`clean_text` applies NFKC (full-width letters and digits become ordinary ones, compatibility ideographs the unified
ones, as the submission pipeline does) except to the full-width punctuation and space of Chinese text (，。：；！？
（）…　￥ stay as typed: NFKC would turn them into ASCII) and refuses what has no place in a name or a reason: control
characters (ESC, NUL, DEL, the C1 range), a line break in a single-line value, the bidirectional controls that
reorder what a reader sees (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), other invisible format characters
(zero-width spaces, soft hyphens, byte-order marks) and unassigned code points. Multi-line text (reasons, notes)
keeps its line breaks (CR LF and CR become LF) and tabs. Private-use characters pass: older systems encode rare
characters of personal names there. Code points of the ideographic planes (U+20000–U+3FFFF) pass even where
this Python's Unicode database predates them, since the planes hold only CJK ideographs.

The refusal is a `TextRefused` (a `ServiceError`) with a machine code and a Chinese message naming the character
and its position; the ingestion validator turns it into a row error, forms into a field error (`TextField`),
API schemas into a 422 (`SingleLineText`, `MultilineText`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from django import forms
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from xinyong.core.errors import ServiceError, bilingual

BIDI_CONTROLS = frozenset(
    {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
)
LINE_BREAKS = frozenset({"\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"})
IDEOGRAPHIC_PLANES = range(0x20000, 0x40000)
#: Full-width punctuation, symbols and space of Chinese typography, kept out of NFKC.
KEPT_FULL_WIDTH = frozenset(
    {chr(point) for point in range(0xFF01, 0xFF5F) if not chr(point).isalnum()}
    | {chr(point) for point in range(0xFFE0, 0xFFE7)} | {"\u3000", "\u2026", "\u2025"}
)
_KEPT_RUN = re.compile("([" + re.escape("".join(sorted(KEPT_FULL_WIDTH))) + "]+)")

#: code → (Chinese, English) description of the refused character.
REASONS = {
    "line_break": ("不能换行", "must be on one line"),
    "control_character": ("不能包含控制字符", "must not contain control characters"),
    "bidi_control": ("不能包含改变文字方向的控制字符", "must not contain bidirectional control characters"),
    "invisible_character": ("不能包含不可见的格式字符", "must not contain invisible format characters"),
    "unassigned_character": ("不能包含未分配的Unicode字符", "must not contain unassigned code points"),
    "invalid_character": ("包含无效的字符", "contains an invalid character"),
}


class TextRefused(ServiceError):
    """A character that has no place in the text; `message_zh`, `message_en` name it and its position."""

    def __init__(self, code: str, *, character: str, position: int, field: str | None = None,
                 row: int | None = None):
        zh, en = REASONS[code]
        self.character = character
        self.position = position
        point = f"U+{ord(character):04X}"
        self.message_zh = f"{zh}（第{position}个字符为{point}）"
        self.message_en = f"{en} (character {position} is {point})"
        super().__init__(code, bilingual(self.message_zh, self.message_en), field=field, row=row)


def _refusal(character: str, *, multiline: bool) -> str | None:
    """The code refusing one character that `str.isprintable` does not pass, or None to keep it."""
    if multiline and character in "\n\t":
        return None
    if character in LINE_BREAKS:
        return "line_break" if not multiline else "control_character"
    point = ord(character)
    if point in BIDI_CONTROLS:
        return "bidi_control"
    category = unicodedata.category(character)
    if category in ("Zs", "Co"):  # a space other than U+0020 (after NFKC, rare); private use (rare names)
        return None
    if category == "Cc":
        return "control_character"
    if category == "Cf":
        return "invisible_character"
    if category == "Cn":
        return None if point in IDEOGRAPHIC_PLANES else "unassigned_character"
    return "invalid_character"  # Cs (a lone surrogate), Zl and Zp are handled above


def _nfkc(value: str) -> str:
    if not _KEPT_RUN.search(value):
        return unicodedata.normalize("NFKC", value)
    return "".join(part if index % 2 else unicodedata.normalize("NFKC", part)
                   for index, part in enumerate(_KEPT_RUN.split(value)))


def clean_text(value: str, *, multiline: bool = False, field: str | None = None, row: int | None = None) -> str:
    """`value` in NFKC, or TextRefused naming the first character that has no place in it."""
    if value.isascii():
        text = value
        if text.isprintable():
            return text
    else:
        text = _nfkc(value)
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isprintable():
        return text
    for position, character in enumerate(text, start=1):
        if character.isprintable():
            continue
        code = _refusal(character, multiline=multiline)
        if code is not None:
            raise TextRefused(code, character=character, position=position, field=field, row=row)
    return text


# --- forms and API schemas ------------------------------------------------------------------------------------


class TextField(forms.CharField):
    """A form field for a name (`multiline=False`) or a reason (`multiline=True`), cleaned by `clean_text`."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        try:
            return clean_text(text, multiline=self.multiline)
        except TextRefused as refused:
            raise forms.ValidationError(str(refused.message), code=refused.code) from None


def _schema_validator(multiline: bool):
    def validate(value: str) -> str:
        try:
            return clean_text(value, multiline=multiline)
        except TextRefused as refused:
            raise PydanticCustomError(refused.code, str(refused.message)) from None

    return validate


#: A name or another one-line value in an API schema.
SingleLineText = Annotated[str, AfterValidator(_schema_validator(False))]
#: Reasons, notes and other text that may run over several lines.
MultilineText = Annotated[str, AfterValidator(_schema_validator(True))]
