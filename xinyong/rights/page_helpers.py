"""Reads the rights pages and API need beside `xinyong.rights.selectors`: the console inbox with its filters,
a record's current field values for the deciding clerk, and small facts about a case (Art 28–31).

Everything here reads only; writes go through `xinyong.rights.services`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from xinyong.catalog.choices import FieldType
from xinyong.catalog.models import ItemField
from xinyong.core.identifiers import IdentifierType
from xinyong.core.masking import mask_identifier
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import record_get_verified
from xinyong.regulation.parameters import ParameterError, basis_text, parameter
from xinyong.rights.choices import CaseKind, CaseStatus
from xinyong.rights.models import Case, CaseFile
from xinyong.rights.selectors import ENTRY_STATES_IN_FORCE, cases_restrict

#: Registry parameters of the deadlines shown on the pages (the services apply them).
DEADLINE_PARAMETER = {CaseKind.OBJECTION: "objection.decision_deadline", CaseKind.REPAIR: "repair.decision_deadline"}
EXTENSION_PARAMETER = {CaseKind.OBJECTION: "objection.extension_maximum", CaseKind.REPAIR: "repair.decision_extension"}
EXTENSIONS_PARAMETER = {CaseKind.OBJECTION: "objection.extensions_allowed",
                        CaseKind.REPAIR: "repair.extensions_allowed"}

# Field roles that identify the record (subject, document, provider): a correction cannot change them
# (`xinyong.records.services.record_correct`); they are shown, not edited.
_IDENTITY_ROLES = ("subject_name", "subject_category", "subject_uscc", "id_type", "id_number", "document_number",
                   "source_uscc")
_IDENTITY_TYPES = (FieldType.USCC, FieldType.ID_TYPE, FieldType.ID_NUMBER)
# 行政相对人代码_1…_6 of the 双公示 standard (`CF_XDR_GSZC`, …): the subject's other registration numbers.
_SUBJECT_CODE_INFIX = "_XDR_"


# --- the console inbox ----------------------------------------------------------------------------------------


def inbox_cases(user, *, kind: str = "", status: str = "", overdue: bool = False,
                on: dt.date | None = None) -> QuerySet[Case]:
    """The cases a staff user may see, filtered, the earliest deadline first (cases without one yet last)."""
    day = on or timezone.localdate()
    queryset = cases_restrict(user).select_related("subject", "record", "record__item", "entry",
                                                   "entry__definition", "organization")
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    if overdue:
        queryset = queryset.filter(Q(status=CaseStatus.OPEN, due_on__lt=day) | Q(decided_late=True))
    return queryset.order_by(F("due_on").asc(nulls_last=True), "filed_at", "id")


def with_targets(cases) -> list[Case]:
    """Cases with their target's catalog item loaded (the pages name the item, not its code)."""
    cases = list(cases)
    prefetch_related_objects(cases, "record__item", "entry__definition")
    return cases


def case_target_label(case: Case) -> str:
    """The target as the pages name it: the catalog item and document number, or the list and entry number."""
    if case.record_id:
        record = case.record
        name = record.item.name if record.item_id else record.item_code
        return f"{name} {record.document_number}"
    if case.entry_id:
        return f"{case.entry.definition.name} {case.entry.number}"
    return ""


def case_files(case: Case) -> list[CaseFile]:
    """The files kept with a case, without their content (read only when one is downloaded)."""
    return list(CaseFile.objects.filter(case=case).defer("content").order_by("id"))


# --- the record as the deciding clerk sees it --------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRow:
    code: str
    name: str
    value: str
    editable: bool


def _shown(item_field: ItemField, raw) -> str:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    if item_field.field_type == FieldType.ID_NUMBER or item_field.masked:
        return mask_identifier(IdentifierType.CITIZEN_ID, text)
    if item_field.field_type == FieldType.USCC:
        return mask_identifier(IdentifierType.USCC, text)
    return text


def record_field_rows(record: CreditRecord) -> list[FieldRow] | None:
    """Each field of the record's catalog item with its current value (identifiers masked); the fields a
    correction may change are `editable`. None when the record fails its integrity check (it is not served)."""
    from xinyong.ingestion.validation import ItemSchema

    verified = record_get_verified(record.pk)
    if verified is None:
        return None
    data = verified.current_revision.data or {}
    fields = list(ItemField.objects.filter(item_id=record.item_id).order_by("order", "id"))
    schema = ItemSchema(record.item, fields)
    locked = {schema.roles[role] for role in _IDENTITY_ROLES if role in schema.roles}
    rows = []
    for item_field in fields:
        editable = (item_field.code not in locked and item_field.field_type not in _IDENTITY_TYPES
                    and not item_field.masked and _SUBJECT_CODE_INFIX not in item_field.code.upper())
        rows.append(FieldRow(item_field.code, item_field.name, _shown(item_field, data.get(item_field.code)),
                             editable))
    return rows


# --- facts about a case --------------------------------------------------------------------------------------


def punishment_question_applies(case: Case) -> bool:
    """Whether the decision must say if a punishment rested on wrong information (Art 30 ¶2): the target is a
    list entry, or a record cited by a list entry in force."""
    if case.kind != CaseKind.OBJECTION:
        return False
    if case.entry_id:
        return True
    return ListEntry.objects.filter(cited_records=case.record_id, state__in=ENTRY_STATES_IN_FORCE).exists()


def _registry_value(name: str, on: dt.date | None = None) -> int | None:
    try:
        return int(parameter(name, on or timezone.localdate()).value)
    except (ParameterError, TypeError, ValueError):
        return None


def extension_maximum(case: Case, on: dt.date | None = None) -> int | None:
    return _registry_value(EXTENSION_PARAMETER[case.kind], on)


def may_still_extend(case: Case, on: dt.date | None = None) -> bool:
    allowed = _registry_value(EXTENSIONS_PARAMETER[case.kind], on)
    return case.is_open and (allowed is None or case.extensions < allowed)


def _registry_basis(name: str, on: dt.date | None) -> str:
    """The deadline's legal basis as the pages cite it (本平台设定，依据《承德市社会信用促进条例》第三十一条)."""
    try:
        return basis_text(parameter(name, on or timezone.localdate()))
    except ParameterError:
        return ""


@dataclass(frozen=True)
class Deadlines:
    """The registry's deadlines in working days, with their legal basis, as the pages explain them."""

    objection_decision: int | None
    objection_extension: int | None
    repair_decision: int | None
    repair_extension: int | None
    objection_basis: str = ""
    repair_basis: str = ""


def deadlines(on: dt.date | None = None) -> Deadlines:
    return Deadlines(
        _registry_value(DEADLINE_PARAMETER[CaseKind.OBJECTION], on),
        _registry_value(EXTENSION_PARAMETER[CaseKind.OBJECTION], on),
        _registry_value(DEADLINE_PARAMETER[CaseKind.REPAIR], on),
        _registry_value(EXTENSION_PARAMETER[CaseKind.REPAIR], on),
        _registry_basis(DEADLINE_PARAMETER[CaseKind.OBJECTION], on),
        _registry_basis(DEADLINE_PARAMETER[CaseKind.REPAIR], on),
    )


def open_cases_by_target(cases) -> dict[tuple[str, str, int], Case]:
    """The subject's open cases keyed by (kind, "record"|"entry", target id): the page links to them instead of
    offering a second application about the same item."""
    found = {}
    for case in cases:
        if case.status != CaseStatus.OPEN:
            continue
        if case.record_id:
            found[(case.kind, "record", case.record_id)] = case
        elif case.entry_id:
            found[(case.kind, "entry", case.entry_id)] = case
    return found
