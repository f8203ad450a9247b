"""Parameters of the rules: dated, referenced values in files (OpenFisca habit; domain facts §4–§11).

Each parameter is one TOML file `parameters/<area>/<name>.toml`, named `<area>.<name>`::

    description = "一般失信行为的行政处罚信息最短公示期"
    unit = "months"

    [values."2026-04-01"]
    value = 3
    reference = ["Art N", { title = "信用修复管理办法", article = "…" }]
    note = "…"

    [values."2030-01-01"]      # TOML has no null: a value is ended by a dated entry with `ended = true`
    ended = true
    reference = { title = "…", article = "…" }

A change is a new dated entry beside the old one, never an edit in place, so a past decision can be
recomputed with the value it used. Every entry carries a reference: an article of this regulation
("Art N", checked against the regulation's text) or another text in force in Chengde — a national law, a
State Council or national ministry rule, a Hebei province rule — as `{title, article}`, or `{title}` alone
where the exact article is not known. References are what people are shown as the legal basis
(`Reference.citation`): another province's or city's regulation is never one; where a default was taken
from one, the `note` says so ("[ours] default, comparable to …"), and the note is never shown to citizens.

A value whose `note` begins "[ours]" is a platform setting: the law gives the duty (its references), the
credit authority chose the number. It is shown as "本平台设定" beside its legal basis (`platform_setting`).

Services record what they used with `decision_basis(...)`, which gives the values and the `rule_version`
(an SM3 fingerprint of all parameter files) for their audit details.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.core.errors import ServiceError, bilingual
from xinyong.regulation.choices import ParameterUnit
from xinyong.regulation.text import article_citation, article_numbers

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"
UNITS = frozenset(u.value for u in ParameterUnit)
RULE_VERSION_LENGTH = 16  # hex characters of the SM3 digest: short enough to read, far from colliding

_ARTICLE_REFERENCE_RE = re.compile(r"^Art (\d+)$")
#: The mark that starts the note of a value the platform chose where the law sets no number.
PLATFORM_SETTING_MARK = "[ours]"
#: How such a value is labelled wherever its basis is shown.
PLATFORM_SETTING = _("set by this platform")
# A national standard's code comes before its bracketed name: GB/T 22239-2019《信息安全技术 …》.
_STANDARD_RE = re.compile(r"^((?:GB|GB/T|GB/Z|DB\d+/T) [\d.]+-\d{4}) (.+)$")
# A document number or issuer in a trailing bracket stays outside the title marks: 《…》（法释〔2017〕7号）.
_TRAILING_BRACKET_RE = re.compile(r"^(.+)（([^（）]+)）$")
_NAME_PART_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ENTRY_KEYS = frozenset({"value", "ended", "reference", "note"})
_FILE_KEYS = frozenset({"description", "unit", "values"})

Number = int | float


class ParameterFileError(ImproperlyConfigured):
    """A parameter file is malformed: the platform refuses to start rather than apply a doubtful rule."""


class ParameterError(ServiceError):
    """A lookup that cannot be answered: an unknown parameter, or a date with no value in force."""


def _instrument(title: str) -> str:
    """A document's title in title marks, as Chinese legal citations write it."""
    standard = _STANDARD_RE.match(title)
    if standard:
        return f"{standard.group(1)}《{standard.group(2)}》"
    bracket = _TRAILING_BRACKET_RE.match(title)
    if bracket:
        return f"《{bracket.group(1)}》（{bracket.group(2)}）"
    return f"《{title}》"


@dataclass(frozen=True)
class Reference:
    """Where a value comes from: an article of this regulation, or another text in force in Chengde (its
    article or section, or none when the text is cited by name alone)."""

    article: int | None = None
    title: str = ""
    section: str = ""

    def __str__(self) -> str:
        if self.article is not None:
            return f"Art {self.article}"
        return f"{self.title} {self.section}".strip()

    @property
    def citation(self) -> str:
        """The reference as people read it: 《承德市社会信用促进条例》第三十一条, 《…》（法释〔2017〕7号）第二条."""
        if self.article is not None:
            return article_citation(self.article)
        return _instrument(self.title) + self.section

    def as_json(self) -> str | dict[str, str]:
        if self.article is not None:
            return str(self)
        return {"title": self.title, "article": self.section} if self.section else {"title": self.title}


def citation_text(references: Iterable[Reference]) -> str:
    """References as one citation for people: this regulation's articles together, then the other texts,
    separated by "；" — 《承德市社会信用促进条例》第二十八条、第三十条；《…》."""
    references = list(references)
    articles = [r.article for r in references if r.article is not None]
    parts = [article_citation(*articles)] if articles else []
    parts += [r.citation for r in references if r.article is None]
    return "；".join(parts)


@dataclass(frozen=True)
class ParameterEntry:
    """One dated entry of a parameter file: a value from `effective_from`, or the end of the last one."""

    effective_from: dt.date
    value: Number | None
    references: tuple[Reference, ...]
    note: str = ""

    @property
    def ended(self) -> bool:
        return self.value is None

    @property
    def platform_setting(self) -> bool:
        """The law gives the duty, the platform chose the number (the note starts with "[ours]")."""
        return self.note.startswith(PLATFORM_SETTING_MARK)


@dataclass(frozen=True)
class Parameter:
    """A parameter with its whole dated history."""

    name: str
    description: str
    unit: str
    entries: tuple[ParameterEntry, ...]  # sorted by effective_from
    path: Path

    def entry_on(self, on: dt.date) -> tuple[ParameterEntry | None, dt.date | None]:
        """The entry in force on `on` (None before the first), and the date the next entry takes over."""
        current, until = None, None
        for entry in self.entries:
            if entry.effective_from <= on:
                current = entry
            else:
                until = entry.effective_from
                break
        return current, until


@dataclass(frozen=True)
class ParameterValue:
    """The value of a parameter on a given day, with what a decision must record about it."""

    name: str
    value: Number
    unit: str
    effective_from: dt.date
    until: dt.date | None  # the day a later entry takes over (exclusive), None if open-ended
    reference: tuple[Reference, ...]
    note: str
    description: str
    rule_version: str
    platform_setting: bool = False  # see ParameterEntry.platform_setting

    @property
    def citation(self) -> str:
        """The legal basis as people are shown it (`citation_text`)."""
        return citation_text(self.reference)


@dataclass(frozen=True)
class _Registry:
    parameters: Mapping[str, Parameter]
    rule_version: str


# --- loading ------------------------------------------------------------------------------------------------


def _fail(path: Path, message: str) -> ParameterFileError:
    return ParameterFileError(f"{path}: {message}")


def _parse_reference(path: Path, where: str, raw: Any, articles: frozenset[int]) -> Reference:
    if isinstance(raw, str):
        match = _ARTICLE_REFERENCE_RE.match(raw.strip())
        if not match:
            raise _fail(path, f"{where}: a reference string must read 'Art N', not {raw!r}")
        number = int(match.group(1))
        if number not in articles:
            raise _fail(path, f"{where}: the regulation has no article {number}")
        return Reference(article=number)
    if isinstance(raw, dict):
        unknown = set(raw) - {"title", "article"}
        title, section = raw.get("title"), raw.get("article", None)
        if unknown or not isinstance(title, str) or not isinstance(section, str | None):
            raise _fail(path, f'{where}: an external reference is {{title = "…", article = "…"}} or {{title = "…"}}')
        if not title.strip():
            raise _fail(path, f"{where}: an external reference needs the document's title")
        if section is not None and not section.strip():
            # Where the article is not known the text is cited by name alone: leave `article` out.
            raise _fail(path, f"{where}: an external reference's article is empty (leave it out to cite by name)")
        return Reference(title=title.strip(), section=(section or "").strip())
    raise _fail(path, f"{where}: a reference is 'Art N' or {{title, article}}, not {type(raw).__name__}")


def _parse_entry(path: Path, key: str, raw: Any, articles: frozenset[int]) -> ParameterEntry:
    where = f"values.{key}"
    try:
        effective_from = dt.date.fromisoformat(key)
    except ValueError:
        raise _fail(path, f"{where}: the key must be an ISO date (YYYY-MM-DD)") from None
    if not isinstance(raw, dict):
        raise _fail(path, f"{where}: must be a table")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise _fail(path, f"{where}: unknown keys {sorted(unknown)}")
    ended = raw.get("ended", False)
    if ended is not False and ended is not True:
        raise _fail(path, f"{where}: ended must be true or absent")
    if ended == ("value" in raw):
        raise _fail(path, f"{where}: give either a value or ended = true")
    value = raw.get("value")
    if not ended and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise _fail(path, f"{where}: the value must be a number")
    refs_raw = raw.get("reference")
    if refs_raw is None or refs_raw == []:
        raise _fail(path, f"{where}: every value needs a reference")
    refs_list = refs_raw if isinstance(refs_raw, list) else [refs_raw]
    references = tuple(_parse_reference(path, where, r, articles) for r in refs_list)
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _fail(path, f"{where}: note must be a string")
    return ParameterEntry(
        effective_from=effective_from, value=value, references=references, note=note.strip()
    )


def parse_parameter_file(path: Path, name: str, articles: frozenset[int]) -> Parameter:
    """Read and check one parameter file; raises ParameterFileError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise _fail(path, f"unknown keys {sorted(unknown)}")
    description, unit, values = data.get("description"), data.get("unit"), data.get("values")
    if not isinstance(description, str) or not description.strip():
        raise _fail(path, "a description is required")
    if unit not in UNITS:
        raise _fail(path, f"unit must be one of {sorted(UNITS)}, not {unit!r}")
    if not isinstance(values, dict) or not values:
        raise _fail(path, "at least one dated value is required under [values]")
    entries = sorted(
        (_parse_entry(path, key, raw, articles) for key, raw in values.items()),
        key=lambda e: e.effective_from,
    )
    if entries[0].ended:
        raise _fail(path, "the first entry must be a value, not an end")
    for before, after in itertools.pairwise(entries):
        if before.ended and after.ended:
            raise _fail(path, f"values.{after.effective_from}: a value can only be ended once")
    return Parameter(name=name, description=description.strip(), unit=unit, entries=tuple(entries), path=path)


def _parameter_files(directory: Path) -> list[tuple[str, Path]]:
    files = []
    for path in sorted(directory.rglob("*.toml")):
        relative = path.relative_to(directory)
        parts = [*relative.parent.parts, relative.stem]
        if len(parts) != 2 or not all(_NAME_PART_RE.match(p) for p in parts):
            raise _fail(path, "parameter files live at <area>/<name>.toml (lower case, digits, underscores)")
        files.append((".".join(parts), path))
    return files


def compute_rule_version(directory: Path) -> str:
    """SM3 over every parameter file's relative path and bytes, in path order: same files, same version."""
    from xinyong.core.crypto import get_provider

    payload = bytearray()
    for path in sorted(directory.rglob("*.toml")):
        relative = path.relative_to(directory).as_posix().encode()
        content = path.read_bytes()
        # Length prefixes keep the encoding unambiguous (no path/content boundary can be shifted).
        payload += len(relative).to_bytes(4, "big") + relative + len(content).to_bytes(8, "big") + content
    return get_provider().sm3(bytes(payload)).hex()[:RULE_VERSION_LENGTH]


def load_parameters(directory: Path = PARAMETERS_DIR, articles: Iterable[int] | None = None) -> _Registry:
    """Read and check every parameter file under `directory` (not cached: see `_registry`)."""
    known_articles = frozenset(articles) if articles is not None else article_numbers()
    parameters = {
        name: parse_parameter_file(path, name, known_articles) for name, path in _parameter_files(directory)
    }
    return _Registry(parameters=parameters, rule_version=compute_rule_version(directory))


@functools.cache
def _registry() -> _Registry:
    # Parameter files ship with a release: they are read once per process, and a change needs a restart.
    return load_parameters()


def reload_parameters() -> None:
    """Forget the cached parameter files (after editing them in development, or in tests)."""
    _registry.cache_clear()


# --- lookups ------------------------------------------------------------------------------------------------


def _as_date(on: dt.date | dt.datetime | None) -> dt.date:
    if on is None:
        return timezone.localdate()
    if isinstance(on, dt.datetime):
        return timezone.localdate(on) if timezone.is_aware(on) else on.date()
    return on


def rule_version() -> str:
    """A short SM3 fingerprint of all parameter files: decisions record it to say which rules they used."""
    return _registry().rule_version


def all_parameters() -> dict[str, Parameter]:
    """Every parameter with its full dated history, by name."""
    return dict(sorted(_registry().parameters.items()))


def parameter_definition(name: str) -> Parameter:
    """The parameter called `name` with all its entries; ParameterError if there is none."""
    try:
        return _registry().parameters[name]
    except KeyError:
        raise ParameterError(
            "unknown_parameter",
            bilingual(f"没有名为 {name} 的规则参数。", f"There is no rule parameter named {name}."),
            field="name",
        ) from None


def parameter(name: str, on: dt.date | None = None) -> ParameterValue:
    """The value of `name` in force on `on` (today in Beijing time by default).

    Raises ParameterError `unknown_parameter` for a name without a file, and `parameter_not_in_force` for a
    day before its first value or after its value was ended.
    """
    registry = _registry()
    definition = parameter_definition(name)
    day = _as_date(on)
    entry, until = definition.entry_on(day)
    if entry is None or entry.ended:
        raise ParameterError(
            "parameter_not_in_force",
            bilingual(
                f"规则参数 {name} 在 {day.isoformat()} 没有有效值。",
                f"Rule parameter {name} has no value in force on {day.isoformat()}.",
            ),
            field="on",
        )
    return ParameterValue(
        name=name,
        value=entry.value,
        unit=definition.unit,
        effective_from=entry.effective_from,
        until=until,
        reference=entry.references,
        note=entry.note,
        description=definition.description,
        rule_version=registry.rule_version,
        platform_setting=entry.platform_setting,
    )


def basis_text(value: ParameterValue) -> str:
    """A value's legal basis as a clause shown to people: 依据《承德市社会信用促进条例》第二十八条、第三十条, or
    for a platform setting 本平台设定，依据《承德市社会信用促进条例》第三十一条 (the law gives the duty, the
    platform the number)."""
    if value.platform_setting:
        return _("set by this platform under %(citation)s") % {"citation": value.citation}
    return _("under %(citation)s") % {"citation": value.citation}


def decision_basis(*names: str, on: dt.date | None = None) -> dict[str, Any]:
    """What a decision records in its audit details: `{"parameters": {name: value}, "rule_version": …}`.

    Every decision the platform makes (publish, stop publishing, list, repair, decide an objection) names
    the parameter values and the rule set it used, so it can be recomputed later exactly as it was made.
    """
    return {
        "parameters": {name: parameter(name, on).value for name in names},
        "rule_version": rule_version(),
    }
