"""Which articles the code implements and the tests exercise, found by their citations ("Art N").

The project cites articles in docstrings, audit `articles=[...]`, parameter references and test names
(style.md: "each article's duties by grepping its number"). A file under `xinyong/` that cites an article
counts as implementing it; a file under `tests/` as testing it. Besides single citations, ranges with an
en dash or hyphen and comma lists of bare numbers after "Art" are understood. Citations of another
jurisdiction's regulation ("<Province> Art N") are skipped. Articles that put no duty on the software are
kept as data in `data/no_software_duty.toml` with their reason.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xinyong.regulation.text import DATA_DIR

NO_DUTY_FILE = DATA_DIR / "no_software_duty.toml"

# Names that, written just before "Art", mean another jurisdiction's regulation (domain facts cites them so).
OTHER_JURISDICTIONS = frozenset(
    {"Shanghai", "Shenzhen", "Shandong", "Henan", "Zhejiang", "Hebei", "Beijing", "Jiangsu", "Guangdong"}
)
_SKIP_DIRS = frozenset({"__pycache__", "migrations", "node_modules", ".git"})
_SKIP_SUFFIXES = frozenset(
    {".pyc", ".mo", ".sqlite3", ".png", ".jpg", ".gif", ".ico", ".woff", ".woff2", ".zip"}
)

_NUMBER = r"\d+(?:\s*[–-]\s*\d+)?"
# "Art N", "Art N–M", "Art N, M": a comma continuation must end at punctuation, so that a number that
# merely follows a citation ("Art N, 2 days") is not taken for an article.
_CITATION_RE = re.compile(
    rf"(?:(?P<before>[A-Z][a-z]+)\s+)?\bArt\s+(?P<first>{_NUMBER})\b"
    rf"(?P<rest>(?:\s*,\s*{_NUMBER}(?=\s*[,;)\]}}.\"']|\s*$))*)",
    re.MULTILINE,
)


@dataclass
class ArticleCompliance:
    number: int
    chapter: int
    chapter_title: str
    code: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    no_duty_reason: str = ""

    @property
    def status(self) -> str:
        """One of "no software duty", "implemented", "missing" (the listed reason wins over citations)."""
        if self.no_duty_reason:
            return "no software duty"
        return "implemented" if self.code else "missing"


@dataclass
class ComplianceReport:
    articles: list[ArticleCompliance]

    def summary(self) -> str:
        count = len(self.articles)
        implemented = sum(a.status == "implemented" for a in self.articles)
        tested = sum(bool(a.tests) for a in self.articles)
        no_duty = sum(a.status == "no software duty" for a in self.articles)
        missing = sum(a.status == "missing" for a in self.articles)
        return (
            f"articles: {count}, implemented: {implemented}, cited by tests: {tested}, "
            f"no software duty: {no_duty}, missing: {missing}"
        )


@functools.cache
def no_software_duty() -> dict[int, str]:
    """Article number -> why the article puts no duty on the software."""
    data = tomllib.loads(NO_DUTY_FILE.read_text(encoding="utf-8"))
    return {int(item["number"]): str(item["reason"]) for item in data.get("article", [])}


def _expand(token: str) -> Iterable[int]:
    parts = re.split(r"\s*[–-]\s*", token.strip())
    if len(parts) == 2:
        low, high = int(parts[0]), int(parts[1])
        if low <= high <= low + 50:
            return range(low, high + 1)
        return ()
    return (int(parts[0]),)


def cited_articles(text: str) -> set[int]:
    """Article numbers cited in a text as "Art N" (ranges and comma lists included)."""
    found: set[int] = set()
    for match in _CITATION_RE.finditer(text):
        if match.group("before") in OTHER_JURISDICTIONS:
            continue
        found.update(_expand(match.group("first")))
        for token in re.findall(_NUMBER, match.group("rest") or ""):
            found.update(_expand(token))
    return found


def _text_files(root: Path, exclude: Iterable[Path] = ()) -> Iterable[Path]:
    excluded = [p.resolve() for p in exclude]
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in _SKIP_SUFFIXES:
            continue
        if _SKIP_DIRS.intersection(path.relative_to(root).parts):
            continue
        resolved = path.resolve()
        if any(resolved == e or e in resolved.parents for e in excluded):
            continue
        yield path


def citations_by_file(root: Path, base: Path, exclude: Iterable[Path] = ()) -> dict[str, set[int]]:
    """For every text file under `root`: its path relative to `base` and the articles it cites."""
    result: dict[str, set[int]] = {}
    for path in _text_files(root, exclude):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        cited = cited_articles(text)
        if cited:
            result[path.relative_to(base).as_posix()] = cited
    return result


def compliance_report(repo_root: Path, articles: Iterable) -> ComplianceReport:
    """The report for `articles` (objects with number, chapter, chapter_title) over `repo_root`.

    The regulation's own data (its text and the no-duty list) is not scanned: it describes the articles,
    it does not implement them. Migrations are skipped: they repeat what models say.
    """
    code = citations_by_file(repo_root / "xinyong", repo_root, exclude=[DATA_DIR])
    tests = citations_by_file(repo_root / "tests", repo_root)
    reasons = no_software_duty()
    rows = []
    for article in articles:
        rows.append(
            ArticleCompliance(
                number=article.number,
                chapter=article.chapter,
                chapter_title=article.chapter_title,
                code=sorted(f for f, cited in code.items() if article.number in cited),
                tests=sorted(f for f, cited in tests.items() if article.number in cited),
                no_duty_reason=reasons.get(article.number, ""),
            )
        )
    return ComplianceReport(articles=rows)
