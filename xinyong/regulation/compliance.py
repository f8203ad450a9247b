"""Which articles the services implement and the tests exercise, as they declare them (`xinyong compliance`).

Declarations, read from the source by AST parsing (nothing is imported, so no module runs):

* a module under `xinyong/` that carries a duty of an article says so once, at module level:
  ``IMPLEMENTS = ("Art 24", "Art 28: list_entry_notify")`` — an article, optionally followed by the
  module's functions or classes that carry it (each must be defined at the module's top level);
* a test says so with a marker, ``@pytest.mark.articles("Art 24")`` on a test function, method or class,
  or in ``pytestmark`` (module or class level) for every test there.

A citation in a docstring, a comment, a parameter reference or a test name counts for nothing. An article is
"implemented" only when at least one service AND one test declare it; an article without a software duty is
listed with its reason in `data/no_software_duty.toml` and may not be declared. Every declaration is
checked: the format "Art N" (N an article of the 承德市社会信用促进条例), the function names, the placement
of the marker. Anything doubtful is an error, reported with its file and line, never skipped.
"""

from __future__ import annotations

import ast
import functools
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xinyong.regulation.text import DATA_DIR, regulation_text

NO_DUTY_FILE = DATA_DIR / "no_software_duty.toml"
DECLARATION_NAME = "IMPLEMENTS"
MARKER_NAME = "articles"

IMPLEMENTED = "implemented"
MISSING = "missing"
NO_DUTY = "no_software_duty"
STATUS_LABELS = {IMPLEMENTED: "implemented", MISSING: "missing", NO_DUTY: "no software duty"}

_SOURCE_ROOT = Path(__file__).resolve().parents[2]
_SKIP_DIRS = frozenset({"__pycache__", "migrations", "node_modules", ".git"})
# "Art 24" or "Art 24: name, name" (services only). One space, no ranges, no paragraph: one article each.
_DECLARATION_RE = re.compile(r"Art (?P<number>[1-9][0-9]*)(?::(?P<names>.*))?", re.DOTALL)
_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FORMAT_HINT = 'write "Art N" with N an article number of the 承德市社会信用促进条例'


@dataclass(frozen=True, order=True)
class DeclarationError:
    """A declaration that cannot be trusted: where it is and what is wrong."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, order=True)
class DeclaredService:
    """A module's `IMPLEMENTS` entry for one article (`functions` empty: the module as a whole)."""

    module: str
    path: str
    functions: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)

    def label(self) -> str:
        return f"{self.module} ({', '.join(self.functions)})" if self.functions else self.module

    def as_json(self) -> dict:
        return {"module": self.module, "path": self.path, "functions": list(self.functions)}


@dataclass(frozen=True, order=True)
class MarkedTest:
    """A test marked for one article; `test` None when the module's `pytestmark` marks all its tests."""

    path: str
    test: str | None = None
    line: int = field(default=0, compare=False)

    def label(self) -> str:
        return f"{self.path}::{self.test}" if self.test else self.path

    def as_json(self) -> dict:
        return {"path": self.path, "test": self.test}


@dataclass
class ArticleCompliance:
    number: int
    chapter: int
    chapter_title: str
    services: list[DeclaredService] = field(default_factory=list)
    tests: list[MarkedTest] = field(default_factory=list)
    no_duty_reason: str = ""

    @property
    def status(self) -> str:
        """`NO_DUTY` for a listed article, `IMPLEMENTED` with a service and a test, else `MISSING`."""
        if self.no_duty_reason:
            return NO_DUTY
        return IMPLEMENTED if self.services and self.tests else MISSING

    @property
    def lacking(self) -> list[str]:
        """What a missing article lacks: "service", "test" or both."""
        if self.status != MISSING:
            return []
        return [name for name, have in (("service", self.services), ("test", self.tests)) if not have]

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "chapter": self.chapter,
            "chapter_title": self.chapter_title,
            "status": self.status,
            "services": [s.as_json() for s in self.services],
            "tests": [t.as_json() for t in self.tests],
            "no_duty_reason": self.no_duty_reason or None,
            "lacking": self.lacking,
        }


@dataclass
class ComplianceReport:
    articles: list[ArticleCompliance]
    errors: list[DeclarationError] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        statuses = [a.status for a in self.articles]
        return {
            "articles": len(statuses),
            IMPLEMENTED: statuses.count(IMPLEMENTED),
            MISSING: statuses.count(MISSING),
            NO_DUTY: statuses.count(NO_DUTY),
        }

    def summary(self) -> str:
        c = self.counts()
        return (
            f"articles: {c['articles']}, implemented: {c[IMPLEMENTED]}, missing: {c[MISSING]}, "
            f"no software duty: {c[NO_DUTY]}"
        )

    def as_json(self) -> dict:
        return {
            "regulation": regulation_text()[0],
            "summary": self.counts(),
            "articles": [a.as_json() for a in self.articles],
        }


# --- the no-duty list -------------------------------------------------------------------------------------


def read_no_software_duty(path: Path = NO_DUTY_FILE) -> tuple[dict[int, str], list[DeclarationError]]:
    """Article number -> why it puts no duty on the software; and what is wrong with the file."""
    shown = _shown_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return {}, [DeclarationError(shown, 0, f"cannot read the no-duty list: {exc}")]
    known = _known_articles()
    reasons: dict[int, str] = {}
    errors: list[DeclarationError] = []
    for index, item in enumerate(data.get("article", []), start=1):
        number, reason = item.get("number"), item.get("reason")
        where = f"entry {index}"
        if set(item) != {"number", "reason"}:
            errors.append(DeclarationError(shown, 0, f"{where}: keys must be exactly number and reason"))
        elif not isinstance(number, int) or number not in known:
            errors.append(DeclarationError(shown, 0, f"{where}: {number!r} is not an article number"))
        elif not isinstance(reason, str) or not reason.strip():
            errors.append(DeclarationError(shown, 0, f"{where}: Art {number} has no reason"))
        elif number in reasons:
            errors.append(DeclarationError(shown, 0, f"{where}: Art {number} is listed twice"))
        else:
            reasons[number] = reason.strip()
    return reasons, errors


@functools.cache
def no_software_duty() -> dict[int, str]:
    """The vendored no-duty list (cached); its errors are reported by `compliance_report`."""
    return read_no_software_duty()[0]


# --- parsing declarations -----------------------------------------------------------------------------------


def parse_declaration(text: object, *, allow_names: bool) -> tuple[int, tuple[str, ...]]:
    """(article number, names) of one declaration string; ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a string: {FORMAT_HINT}")
    match = _DECLARATION_RE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an article: {FORMAT_HINT}")
    number = int(match.group("number"))
    if number not in _known_articles():
        raise ValueError(f"{text!r}: the 承德市社会信用促进条例 has no article {number}")
    names_text = match.group("names")
    if names_text is None:
        return number, ()
    if not allow_names:
        raise ValueError(f"{text!r}: a test marker names the article only")
    names = tuple(name.strip() for name in names_text.split(","))
    if not all(_IDENTIFIER_RE.fullmatch(name) for name in names):
        raise ValueError(f"{text!r}: after the colon, the names of the module's functions, comma-separated")
    if len(set(names)) != len(names):
        raise ValueError(f"{text!r}: a function is named twice")
    return number, names


def _known_articles() -> frozenset[int]:
    return frozenset(a.number for a in regulation_text()[1])


def _shown_path(path: Path, base: Path | None = None) -> str:
    """`path` relative to `base` (or to the source tree holding this package), as reports show it."""
    for root in (base, _SOURCE_ROOT):
        if root is not None and path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.as_posix()


def _python_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.py")):
        if path.is_file() and not _SKIP_DIRS.intersection(path.relative_to(root).parts):
            yield path


def _parse(path: Path, shown: str, errors: list[DeclarationError]) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=shown)
    except (SyntaxError, UnicodeDecodeError, OSError) as exc:
        errors.append(DeclarationError(shown, getattr(exc, "lineno", 0) or 0, f"cannot be parsed: {exc}"))
        return None


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _assigned_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def declared_services(
    root: Path, base: Path
) -> tuple[dict[int, list[DeclaredService]], list[DeclarationError]]:
    """The `IMPLEMENTS` declarations of the modules under `root` (paths and module names relative to `base`)."""
    found: dict[int, list[DeclaredService]] = {}
    errors: list[DeclarationError] = []
    for path in _python_files(root):
        shown = _shown_path(path, base)
        try:
            if DECLARATION_NAME not in path.read_text(encoding="utf-8"):
                continue
        except (UnicodeDecodeError, OSError):
            continue
        tree = _parse(path, shown, errors)
        if tree is None:
            continue
        module = _module_name(path, base)
        defined = {
            n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        assignments = [n for n in tree.body if DECLARATION_NAME in _assigned_names(n)]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.stmt)
                and node not in assignments
                and DECLARATION_NAME in _assigned_names(node)
            ):
                errors.append(
                    DeclarationError(shown, node.lineno, f"{DECLARATION_NAME} is read only at module level")
                )
        if len(assignments) > 1:
            errors.append(
                DeclarationError(
                    shown, assignments[1].lineno, f"{DECLARATION_NAME} is assigned more than once"
                )
            )
        for node in assignments[:1]:
            for number, names, line in _read_implements(node, shown, defined, errors):
                found.setdefault(number, []).append(DeclaredService(module, shown, names, line))
    return found, errors


def _read_implements(
    node: ast.stmt, shown: str, defined: set[str], errors: list[DeclarationError]
) -> Iterator[tuple[int, tuple[str, ...], int]]:
    value = getattr(node, "value", None)
    if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(value, ast.Tuple | ast.List):
        errors.append(
            DeclarationError(
                shown, node.lineno, f'{DECLARATION_NAME} must be a tuple of strings: ("Art 24",)'
            )
        )
        return
    if not value.elts:
        errors.append(DeclarationError(shown, node.lineno, f"{DECLARATION_NAME} names no article"))
    seen: set[int] = set()
    for element in value.elts:
        text = element.value if isinstance(element, ast.Constant) else ast.unparse(element)
        try:
            number, names = parse_declaration(text, allow_names=True)
        except ValueError as exc:
            errors.append(DeclarationError(shown, element.lineno, str(exc)))
            continue
        unknown = [name for name in names if name not in defined]
        if unknown:
            errors.append(
                DeclarationError(
                    shown,
                    element.lineno,
                    f"Art {number}: not defined at the module's top level: {', '.join(unknown)}",
                )
            )
            continue
        if number in seen:
            errors.append(DeclarationError(shown, element.lineno, f"Art {number} is declared twice"))
            continue
        seen.add(number)
        yield number, names, element.lineno


def _is_articles_marker(node: ast.AST) -> bool:
    """`pytest.mark.articles` or `mark.articles` (called or not)."""
    if not (isinstance(node, ast.Attribute) and node.attr == MARKER_NAME):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id == "mark"
    return (
        isinstance(owner, ast.Attribute)
        and owner.attr == "mark"
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "pytest"
    )


def _is_test_file(path: Path) -> bool:
    # pytest's default python_files (the project does not change it).
    return path.name.startswith("test_") or path.name.endswith("_test.py")


def marked_tests(root: Path, base: Path) -> tuple[dict[int, list[MarkedTest]], list[DeclarationError]]:
    """The tests under `root` marked with `pytest.mark.articles`, by article.

    Recognized places: a decorator of a top-level `test*` function, of a `Test*` class or of a `test*`
    method in one, and `pytestmark` (a marker or a list/tuple of markers) at module or `Test*` class level.
    Any other use of the marker (in a fixture module, on a fixture, in `pytest.param(marks=…)`) is an error,
    so that no marker counts silently for less than it says.
    """
    found: dict[int, list[MarkedTest]] = {}
    errors: list[DeclarationError] = []
    for path in _python_files(root):
        shown = _shown_path(path, base)
        try:
            if MARKER_NAME not in path.read_text(encoding="utf-8"):
                continue
        except (UnicodeDecodeError, OSError):
            continue
        tree = _parse(path, shown, errors)
        if tree is None:
            continue
        accepted: set[int] = set()  # ids of the marker nodes in recognized places
        if _is_test_file(path):
            for node, test in _marker_places(tree):
                for marker, call in _markers_in(node):
                    accepted.add(id(marker))
                    for number in _marker_articles(marker, call, shown, errors):
                        entries = found.setdefault(number, [])
                        declaration = MarkedTest(shown, test, marker.lineno)
                        if declaration not in entries:
                            entries.append(declaration)
        for node in ast.walk(tree):
            if _is_articles_marker(node) and id(node) not in accepted:
                errors.append(
                    DeclarationError(
                        shown,
                        node.lineno,
                        "pytest.mark.articles counts only on a test, a Test class or in pytestmark of a test module",
                    )
                )
    return found, errors


def _marker_places(tree: ast.Module) -> Iterator[tuple[ast.expr, str | None]]:
    """(expression holding markers, the test it marks) for every recognized place in a test module."""
    for node in tree.body:
        if "pytestmark" in _assigned_names(node) and getattr(node, "value", None) is not None:
            yield node.value, None
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            for decorator in node.decorator_list:
                yield decorator, node.name
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for decorator in node.decorator_list:
                yield decorator, node.name
            for member in node.body:
                if "pytestmark" in _assigned_names(member) and getattr(member, "value", None) is not None:
                    yield member.value, node.name
                elif isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith(
                    "test"
                ):
                    for decorator in member.decorator_list:
                        yield decorator, f"{node.name}::{member.name}"


def _markers_in(expression: ast.expr) -> Iterator[tuple[ast.Attribute, ast.Call | None]]:
    """The `articles` markers of a decorator or a pytestmark value (a marker, list or tuple), with their call."""
    items = expression.elts if isinstance(expression, ast.List | ast.Tuple) else [expression]
    for item in items:
        call = item if isinstance(item, ast.Call) else None
        target = call.func if call is not None else item
        if _is_articles_marker(target):
            yield target, call


def _marker_articles(
    marker: ast.Attribute, call: ast.Call | None, shown: str, errors: list[DeclarationError]
) -> Iterator[int]:
    if call is None or not call.args or call.keywords:
        errors.append(
            DeclarationError(
                shown, marker.lineno, 'pytest.mark.articles needs the articles: articles("Art 24")'
            )
        )
        return
    for argument in call.args:
        text = argument.value if isinstance(argument, ast.Constant) else ast.unparse(argument)
        try:
            number, _names = parse_declaration(text, allow_names=False)
        except ValueError as exc:
            errors.append(DeclarationError(shown, argument.lineno, str(exc)))
            continue
        yield number


# --- the report -----------------------------------------------------------------------------------------


def compliance_report(
    root: Path, articles: Iterable | None = None, no_duty_file: Path = NO_DUTY_FILE
) -> ComplianceReport:
    """The report over the source tree `root` (its `xinyong/` and `tests/`), for `articles` (objects with
    number, chapter and chapter_title; by default the regulation's, from the vendored text).

    Declaring an article listed as without software duty is an error: the list and the code must agree.
    """
    articles = list(regulation_text()[1] if articles is None else articles)
    reasons, errors = read_no_software_duty(no_duty_file)
    services, service_errors = declared_services(root / "xinyong", root)
    tests, test_errors = marked_tests(root / "tests", root)
    errors += service_errors + test_errors
    for number in sorted(set(reasons) & (set(services) | set(tests))):
        for declaration in [*services.get(number, ()), *tests.get(number, ())]:
            errors.append(
                DeclarationError(
                    declaration.path,
                    declaration.line,
                    f"Art {number} is listed as placing no duty on the software ({NO_DUTY_FILE.name}): "
                    "remove the declaration or the entry",
                )
            )
    rows = [
        ArticleCompliance(
            number=article.number,
            chapter=article.chapter,
            chapter_title=article.chapter_title,
            services=sorted(services.get(article.number, [])),
            tests=_without_covered(tests.get(article.number, [])),
            no_duty_reason=reasons.get(article.number, ""),
        )
        for article in articles
    ]
    return ComplianceReport(articles=rows, errors=sorted(set(errors)))


def _without_covered(tests: list[MarkedTest]) -> list[MarkedTest]:
    """Sorted, without the single tests of a module whose pytestmark already marks them all."""
    whole = {t.path for t in tests if t.test is None}
    kept = [t for t in tests if t.test is None or t.path not in whole]
    return sorted(kept, key=lambda t: (t.path, t.test or ""))
