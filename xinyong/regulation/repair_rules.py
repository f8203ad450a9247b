"""Credit repair rules (Art 31): which information is repairable, after which period, with which materials.

The rules live in `rules/repair.toml` beside the parameters (see that file's header). Each rule is dated and
referenced like a parameter; its minimum period is a parameter name, never a literal. `repair_rule(target, on)`
answers the rule in force on a day; `repair_rules_version()` is an SM3 fingerprint of the file that decisions
record next to the parameters' `rule_version`.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from xinyong.regulation.parameters import (
    RULE_VERSION_LENGTH,
    ParameterFileError,
    Reference,
    _parse_reference,
    all_parameters,
    citation_text,
)
from xinyong.regulation.text import article_numbers

RULES_FILE = Path(__file__).resolve().parent / "rules" / "repair.toml"
#: Material codes a rule may ask for (`xinyong.rights.choices.REPAIR_MATERIALS` mirrors them).
MATERIALS = ("commitment", "rectification", "training", "credit_report")
_KEYS = frozenset(
    {"target", "effective_from", "repairable", "minimum_period", "materials", "legal_reason", "reference", "note"}
)


@dataclass(frozen=True)
class RepairRule:
    target: str  # "item:<code>" or "list:<code>"
    effective_from: dt.date
    repairable: bool
    minimum_period: str  # parameter name ("" when not repairable)
    materials: tuple[str, ...]
    legal_reason: str
    references: tuple[Reference, ...]
    note: str = ""

    @property
    def citation(self) -> str:
        """The rule's legal basis as the applicant is shown it (`citation_text`)."""
        return citation_text(self.references)

    def as_basis(self) -> dict:
        """What a decision records about the rule it applied."""
        return {
            "target": self.target, "effective_from": self.effective_from.isoformat(), "repairable": self.repairable,
            "minimum_period": self.minimum_period, "materials": list(self.materials),
            "references": [r.as_json() for r in self.references], "version": repair_rules_version(),
        }


def _fail(message: str) -> ParameterFileError:
    return ParameterFileError(f"{RULES_FILE}: {message}")


def load_repair_rules(path: Path = RULES_FILE) -> dict[str, tuple[RepairRule, ...]]:
    """Read and check the rules file: known keys, ISO dates, references, parameter names, material codes."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(f"not valid TOML: {exc}") from None
    articles = article_numbers()
    parameters = all_parameters()
    by_target: dict[str, list[RepairRule]] = {}
    for index, raw in enumerate(data.get("rule", []), start=1):
        where = f"rule {index}"
        unknown = set(raw) - _KEYS
        if unknown:
            raise _fail(f"{where}: unknown keys {sorted(unknown)}")
        target = raw.get("target", "")
        if not isinstance(target, str) or not target.startswith(("item:", "list:")):
            raise _fail(f"{where}: target is 'item:<code>' or 'list:<code>'")
        try:
            effective_from = dt.date.fromisoformat(raw.get("effective_from", ""))
        except (TypeError, ValueError):
            raise _fail(f"{where}: effective_from must be an ISO date") from None
        repairable = raw.get("repairable")
        if repairable not in (True, False):
            raise _fail(f"{where}: repairable must be true or false")
        minimum = raw.get("minimum_period", "")
        materials = tuple(raw.get("materials", ()))
        legal_reason = (raw.get("legal_reason") or "").strip()
        if repairable:
            if minimum not in parameters:
                raise _fail(f"{where}: minimum_period names no parameter ({minimum!r})")
            if parameters[minimum].unit not in ("months", "years", "days"):
                raise _fail(f"{where}: the minimum period must be a calendar length")
            if not materials or any(m not in MATERIALS for m in materials):
                raise _fail(f"{where}: materials must be some of {list(MATERIALS)}")
        elif not legal_reason:
            raise _fail(f"{where}: a non-repairable rule states its legal reason")
        refs = raw.get("reference") or []
        refs = refs if isinstance(refs, list) else [refs]
        if not refs:
            raise _fail(f"{where}: every rule needs a reference")
        references = tuple(_parse_reference(path, where, r, articles) for r in refs)
        by_target.setdefault(target, []).append(
            RepairRule(target, effective_from, bool(repairable), minimum if repairable else "", materials,
                       legal_reason, references, (raw.get("note") or "").strip())
        )
    return {t: tuple(sorted(rules, key=lambda r: r.effective_from)) for t, rules in by_target.items()}


@functools.cache
def _rules() -> dict[str, tuple[RepairRule, ...]]:
    return load_repair_rules()


@functools.cache
def repair_rules_version() -> str:
    from xinyong.core.crypto import get_provider

    return get_provider().sm3(RULES_FILE.read_bytes()).hex()[:RULE_VERSION_LENGTH]


def repair_rule(target: str, on: dt.date) -> RepairRule | None:
    """The rule for `target` in force on `on`, or None when repair does not apply to it (no rule yet)."""
    current = None
    for rule in _rules().get(target, ()):
        if rule.effective_from <= on:
            current = rule
    return current


def all_repair_rules() -> dict[str, tuple[RepairRule, ...]]:
    return dict(sorted(_rules().items()))
