"""Parsing the vendored text of the 承德市社会信用促进条例 into chapters and articles.

The text is public law, copied byte for byte from `../shared/regulation/` into `data/` (a test compares
the two), so the repository is self-contained. Parsing needs no database: parameter files are checked
against these article numbers before any table exists.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
REGULATION_FILE = DATA_DIR / "chengde-social-credit-regulation.zh.txt"

_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = "零一二三四五六七八九十百"
# Chapter headings are written with full-width spaces inside the title ("总　　则") and may be indented.
_CHAPTER_RE = re.compile(rf"^第([{_NUMERAL}]+)章\s*(.+)$")
_ARTICLE_RE = re.compile(rf"^第([{_NUMERAL}]+)条\s*(.*)$")


class RegulationTextError(ValueError):
    """The vendored text does not have the expected structure (numbering gap, text before chapter one…)."""


@dataclass(frozen=True)
class ParsedArticle:
    number: int
    chapter: int
    chapter_title: str
    text: str


def chinese_number(numeral: str) -> int:
    """Value of a Chinese numeral below 1000 as used for article numbers: 十 = 10, 三十七 = 37, 一百零二 = 102."""
    if not numeral or any(ch not in _NUMERAL for ch in numeral):
        raise ValueError(f"not a Chinese numeral: {numeral!r}")
    total, current = 0, 0
    for ch in numeral:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def parse_regulation(text: str) -> tuple[str, list[ParsedArticle]]:
    """The title (first line) and the articles in order; paragraphs after an article's first line join it.

    An article heading is accepted only with the next expected number, so a paragraph that happens to start
    with "第…条" cannot start a new article.
    """
    # str.strip() and \s also take the full-width space (U+3000) the official text indents with.
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise RegulationTextError("the regulation text is empty")
    title = lines[0]
    articles: list[dict] = []
    chapter: tuple[int, str] | None = None
    for line in lines[1:]:
        chapter_match = _CHAPTER_RE.match(line)
        if chapter_match:
            number = chinese_number(chapter_match.group(1))
            expected = (chapter[0] + 1) if chapter else 1
            if number != expected:
                raise RegulationTextError(f"chapter {number} found where chapter {expected} was expected")
            chapter = (number, re.sub(r"\s+", "", chapter_match.group(2)))
            continue
        article_match = _ARTICLE_RE.match(line)
        if article_match and chinese_number(article_match.group(1)) == len(articles) + 1:
            if chapter is None:
                raise RegulationTextError("an article stands before the first chapter heading")
            articles.append(
                {
                    "number": len(articles) + 1,
                    "chapter": chapter[0],
                    "chapter_title": chapter[1],
                    "paragraphs": [article_match.group(2).strip()],
                }
            )
        elif articles:
            articles[-1]["paragraphs"].append(line)
        # Lines between the title and the first article (the adoption note, chapter one) carry no article.
    if not articles:
        raise RegulationTextError("no articles found")
    return title, [
        ParsedArticle(
            number=a["number"],
            chapter=a["chapter"],
            chapter_title=a["chapter_title"],
            text="\n".join(a["paragraphs"]),
        )
        for a in articles
    ]


@functools.cache
def regulation_text() -> tuple[str, tuple[ParsedArticle, ...]]:
    """The parsed vendored regulation (cached: the file changes only with a release)."""
    title, articles = parse_regulation(REGULATION_FILE.read_text(encoding="utf-8"))
    return title, tuple(articles)


def article_numbers() -> frozenset[int]:
    """Numbers of the regulation's articles, from the text (no database needed)."""
    return frozenset(a.number for a in regulation_text()[1])


_DIGIT_NAMES = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """The Chinese numeral of an article number (1–999), as the official text writes it: 10 = 十,
    31 = 三十一, 102 = 一百零二, 110 = 一百一十. The inverse of `chinese_number`."""
    if not 0 < number < 1000:
        raise ValueError(f"article numbers run from 1 to 999, not {number}")
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    parts = []
    if hundreds:
        parts.append(_DIGIT_NAMES[hundreds] + "百")
        if rest and tens == 0:
            parts.append("零")
    if tens:
        # Below twenty the official text writes 十一, not 一十一; after hundreds it keeps 一十 (一百一十).
        parts.append(("" if tens == 1 and not hundreds else _DIGIT_NAMES[tens]) + "十")
    if units:
        parts.append(_DIGIT_NAMES[units])
    return "".join(parts)


def regulation_title() -> str:
    """The regulation's own title, from its text: 承德市社会信用促进条例."""
    return regulation_text()[0]


def article_citation(*numbers: int) -> str:
    """Articles of this regulation as a citation shown to people: 《承德市社会信用促进条例》第三十一条, or
    for several, 《承德市社会信用促进条例》第二十八条、第三十条 (in order, each once)."""
    known = article_numbers()
    ordered = sorted(set(numbers))
    if not ordered or any(n not in known for n in ordered):
        raise ValueError(f"the regulation has no article {ordered}")
    return f"《{regulation_title()}》" + "、".join(f"第{chinese_numeral(n)}条" for n in ordered)
