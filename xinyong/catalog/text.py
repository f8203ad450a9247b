"""Normalizing the names people give columns: one function, used by header matching and the Art 19 screen.

Files from departments name a column by its field code (`CF_XDR_MC`) or its Chinese name (`行政相对人名称`),
typed with full-width letters and brackets, stray spaces, a byte-order mark, or codes in lower case
(domain facts §3). `normalize_header` folds all of that away so that two spellings of one name compare equal.
"""

from __future__ import annotations

import re
import unicodedata

# Whitespace of every kind, and the invisible characters spreadsheets leave behind (BOM, zero-width space,
# zero-width (non-)joiner, word joiner). NFKC already turns the ideographic space U+3000 into a space.
_INVISIBLE_RE = re.compile(r"[\s\ufeff\u200b\u200c\u200d\u2060]+")


def normalize_header(text: str) -> str:
    """The comparable form of a column header, field code, name or alias.

    NFKC (full-width `ＣＦ＿ＸＤＲ＿ＭＣ` and `（万元）` become `CF_XDR_MC` and `(万元)`), case-folded (codes are
    compared without case), and with all whitespace removed: no two field names of an item differ only by
    spaces, and a space typed inside a Chinese name is never meaningful.
    """
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()
