"""Template filters of the catalog pages: parameter values with their units, subject kinds, requirements."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from xinyong.catalog.choices import CatalogTier
from xinyong.regulation.choices import ParameterUnit
from xinyong.subjects.choices import SubjectKind

register = template.Library()

_KIND_LABELS = dict(SubjectKind.choices)
_LIST_SEPARATOR = "、"


def _join(values) -> str:
    language = (get_language() or "zh-hans").lower()
    return (", " if language.startswith("en") else _LIST_SEPARATOR).join(str(v) for v in values)


@register.filter
def parameter_amount(value) -> str:
    """`12 个月` / `12 months`: a ParameterValue's value with its unit."""
    if value is None:
        return ""
    number = int(value.value) if float(value.value).is_integer() else value.value
    try:
        unit = ParameterUnit(value.unit).label
    except ValueError:
        unit = value.unit
    return f"{number} {unit}"


@register.filter
def parameter_description(value) -> str:
    """The description of a parameter in the page's language (files hold "中文 (English)")."""
    if value is None:
        return ""
    text = value.description
    chinese, _sep, english = text.partition(" (")
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en") and english:
        return english.rstrip(")").strip()
    return chinese.strip()


@register.filter
def subject_kind_labels(kinds) -> str:
    return _join(_KIND_LABELS.get(k, k) for k in kinds or ())


@register.filter
def tier_label(tier) -> str:
    try:
        return str(CatalogTier(tier).label)
    except ValueError:
        return str(tier)


@register.filter
def field_requirement(item_field) -> str:
    """Required, required only for some subject kinds, or optional."""
    if item_field.required:
        return _("Required")
    if item_field.required_for:
        return _("Required for: %(kinds)s") % {"kinds": subject_kind_labels(item_field.required_for)}
    return _("Optional")


@register.filter
def joined(values) -> str:
    return _join(values or ())


@register.filter
def rule_labels(rules) -> list[str]:
    from xinyong.catalog.choices import ItemRule

    labels = dict(ItemRule.choices)
    return [str(labels.get(r, r)) for r in rules or ()]
