"""Objections (Art 28, 30), wrongful punishment (Art 30 ¶2) and credit repair (Art 31).

Every service runs in one transaction, locks what it changes, appends one step to the case's timeline and
writes its audit record inside it, naming the articles it applies and the registry values it used
(`decision_basis`). Deadlines are counted in working days (`xinyong.core.workdays`); a deadline that runs
past the last loaded calendar year is counted on weekends alone and marked provisional (`due_on_provisional`,
shown with the mark wherever the date is shown); loading the year recomputes it (`xinyong.rights.deadlines`).

Objection: filed (the item is marked 异议中 at once, `objection.mark_deadline` = 0) → the provider decides
within `objection.decision_deadline` working days, extendable once (`objection.extensions_allowed`) by at most
`objection.extension_maximum` with a written reason → corrected (a new revision), withdrawn, or maintained
with reasons. The subject is told the outcome, the reasons and its remedies.

Repair: eligibility from the repair rules (`xinyong.regulation.repair_rules`) → applied with the materials
the rule asks for (the item is marked 信用修复中) → decided within `repair.decision_deadline` working days,
extendable once by `repair.decision_extension` → approved: publication and sharing stop (the record stays for
official use), the entry leaves its list, measures stop (Art 31 ¶2); or refused with reasons.

Audit events: OBJECTION_FILED / _EXTENDED / _DECIDED / _CANCELLED, REPUTATION_RESTORED, REPAIR_APPLIED /
_REFUSED (ineligible, outcome denied) / _EXTENDED / _DECIDED / _CANCELLED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind, OrganizationKind
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import Change, audit_record
from xinyong.core.crypto import get_provider
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.uploads import read_limited
from xinyong.core.workdays import PROVISIONAL_MARK, Deadline, deadline
from xinyong.lists.choices import PUNITIVE_KINDS, RemovalReason
from xinyong.lists.models import ListEntry
from xinyong.records.choices import RecordStatus
from xinyong.records.models import CreditRecord
from xinyong.regulation.parameters import decision_basis, parameter
from xinyong.rights.choices import (
    OBJECTION_OUTCOMES,
    REPAIR_OUTCOMES,
    CaseAction,
    CaseKind,
    CaseStatus,
    Channel,
    FiledBy,
    FileKind,
    Outcome,
)
from xinyong.rights.models import Case, CaseEvent, CaseFile, ReputationNotice
from xinyong.rights.selectors import (
    ENTRY_STATES_IN_FORCE,
    may_decide,
    repair_eligibility,
    target_of_subject,
)
from xinyong.subjects.models import SubjectAccount

IMPLEMENTS = (
    "Art 28: objection_file, case_extend, case_cancel",
    "Art 30: objection_file, objection_decide",
    "Art 31: repair_apply, repair_decide",
)

OBJECTION_DEADLINE = "objection.decision_deadline"
OBJECTION_MARK = "objection.mark_deadline"
OBJECTION_EXTENSION = "objection.extension_maximum"
OBJECTION_EXTENSIONS = "objection.extensions_allowed"
REPAIR_DEADLINE = "repair.decision_deadline"
REPAIR_EXTENSION = "repair.decision_extension"
REPAIR_EXTENSIONS = "repair.extensions_allowed"

_DEADLINE = {CaseKind.OBJECTION: OBJECTION_DEADLINE, CaseKind.REPAIR: REPAIR_DEADLINE}
_EXTENSION = {CaseKind.OBJECTION: OBJECTION_EXTENSION, CaseKind.REPAIR: REPAIR_EXTENSION}
_EXTENSIONS = {CaseKind.OBJECTION: OBJECTION_EXTENSIONS, CaseKind.REPAIR: REPAIR_EXTENSIONS}
_ARTICLES = {CaseKind.OBJECTION: ["Art 28", "Art 30"], CaseKind.REPAIR: ["Art 28", "Art 31"]}
_EVENTS = {
    (CaseKind.OBJECTION, CaseAction.FILED): AuditEventType.OBJECTION_FILED,
    (CaseKind.OBJECTION, CaseAction.EXTENDED): AuditEventType.OBJECTION_EXTENDED,
    (CaseKind.OBJECTION, CaseAction.DECIDED): AuditEventType.OBJECTION_DECIDED,
    (CaseKind.OBJECTION, CaseAction.CANCELLED): AuditEventType.OBJECTION_CANCELLED,
    (CaseKind.REPAIR, CaseAction.FILED): AuditEventType.REPAIR_APPLIED,
    (CaseKind.REPAIR, CaseAction.EXTENDED): AuditEventType.REPAIR_EXTENDED,
    (CaseKind.REPAIR, CaseAction.DECIDED): AuditEventType.REPAIR_DECIDED,
    (CaseKind.REPAIR, CaseAction.CANCELLED): AuditEventType.REPAIR_CANCELLED,
}
_MARK = {CaseKind.OBJECTION: "under_objection", CaseKind.REPAIR: "under_repair"}

#: Files a case accepts, recognised by their first bytes (the name and the browser's type are not trusted).
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))

#: Notices, decision letters, reputation notices and the reasons written into records are documents of a Chinese
#: authority: composed in Chinese whatever the language of the clerk or the applicant acting (`_in_chinese`).
NOTICE_LANGUAGE = "zh-hans"

# Remedies told with every outcome (Art 24: 救济途径); the law's words, not a number.
REMEDIES = _(
    "If you disagree with this decision you may file a new objection with new evidence, or apply for "
    "administrative reconsideration or bring an administrative lawsuit according to law."
)


# --- helpers ------------------------------------------------------------------------------------------------


def _in_chinese():
    """Compose a notice or a text kept in a record in Chinese (the translations of the strings it formats,
    the labels of the choices it names), then return to the acting person's language for the pages."""
    return translation.override(NOTICE_LANGUAGE)


def _act_date(on: dt.date | None, *, not_before: dt.date | None = None) -> dt.date:
    today = timezone.localdate()
    day = on or today
    if day > today:
        raise ServiceError("future_date", _("The date of the act cannot be in the future."), field="on")
    if not_before is not None and day < not_before:
        raise ServiceError("dates_out_of_order", _("The date is before the previous step of the case."), field="on")
    return day


def _required_text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError("required", _("This field is required."), field=field)
    return text


def working_day_deadline(start: dt.date | Deadline, days: int) -> Deadline:
    """`days` working days after `start`; provisional (weekends alone) where the calendar does not reach."""
    return deadline(start, days)


def due_label(case: Case) -> str:
    """The due date as official notices state it: ISO date, with the provisional mark when provisional."""
    if case.due_on is None:
        return "待节假日安排录入后确定"
    return case.due_on.isoformat() + (PROVISIONAL_MARK if case.due_on_provisional else "")


def _file_rows(files: Sequence[Any], kind: str, field: str) -> list[CaseFile]:
    """Read and check uploaded files: PDF, PNG or JPEG by content, each within the size limit. The size is
    checked before anything is read, and no more than the limit is ever read (issue 12 finding 5)."""
    limit = settings.XINYONG_CASE_FILE_MAX_BYTES
    rows = []
    for upload in files:
        if upload is None:
            continue
        content = read_limited(upload, limit, field=field)
        if not content:
            raise ServiceError("empty_file", _("The file “%(name)s” is empty.") % {"name": upload.name}, field=field)
        content_type = next((t for magic, t in _SIGNATURES if content.startswith(magic)), None)
        if content_type is None:
            raise ServiceError(
                "file_type_not_allowed",
                _("The file “%(name)s” is not a PDF, PNG or JPEG file.") % {"name": upload.name}, field=field,
            )
        rows.append(CaseFile(
            kind=kind, name=(upload.name or "file")[-200:], content_type=content_type, size=len(content),
            digest=get_provider().sm3(content).hex(), content=content,
        ))
    return rows


def _deciding_organization(target: CreditRecord | ListEntry):
    """An objection to a record goes to its provider (Art 30); one to a list entry to the body handling it."""
    from xinyong.accounts.models import Organization

    if isinstance(target, CreditRecord):
        return target.provider
    organization = target.organization or target.definition.responsible_body
    if organization is None:
        organization = Organization.objects.filter(kind=OrganizationKind.AUTHORITY, is_active=True).order_by("id").first()
    if organization is None:
        raise ServiceError("no_deciding_body", _("No department can decide about this list entry yet."))
    return organization


def _lock_target(case_or_target) -> CreditRecord | ListEntry:
    record = getattr(case_or_target, "record", None) if isinstance(case_or_target, Case) else None
    entry = getattr(case_or_target, "entry", None) if isinstance(case_or_target, Case) else None
    if not isinstance(case_or_target, Case):
        record = case_or_target if isinstance(case_or_target, CreditRecord) else None
        entry = case_or_target if isinstance(case_or_target, ListEntry) else None
    if record is not None:
        return CreditRecord.objects.select_for_update().get(pk=record.pk)
    return ListEntry.objects.select_for_update().select_related("definition").get(pk=entry.pk)


def _set_mark(target: CreditRecord | ListEntry, kind: str, value: bool) -> None:
    """Mark or unmark the item wherever it is shown (portal, reports, checks). The mark is not part of a
    record's signed revision: it is the state of a case, not of the information."""
    attribute = _MARK[kind]
    setattr(target, attribute, value)
    type(target).objects.filter(pk=target.pk).update(**{attribute: value})


def _snapshot(case: Case) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "kind": case.kind, "status": case.status, "outcome": case.outcome, "subject": case.subject_id,
        "record": case.record_id, "entry": case.entry_id, "organization": case.organization_id,
        "due_on": iso(case.due_on), "due_on_provisional": case.due_on_provisional, "extensions": case.extensions, "decided_on": iso(case.decided_on),
        "punishment_wrongful": case.punishment_wrongful, "decided_late": case.decided_late,
    }


def _step(case: Case, *, action: CaseAction, on: dt.date, actor, basis: dict, articles: list[str],
          note: str = "", details: dict | None = None, before: dict | None,
          outcome: AuditOutcome = AuditOutcome.SUCCESS) -> None:
    """Save the case, append the timeline step and write the audit record (one each)."""
    case.rule_version = basis["rule_version"]
    case.articles = sorted(set(articles))
    case.basis_parameters = basis["parameters"]
    case.save()
    organization = getattr(actor, "organization", None)
    CaseEvent.objects.create(
        case=case, action=action, status_after=case.status, at=timezone.now(), on=on,
        actor=actor if getattr(actor, "pk", None) else None, actor_label=getattr(actor, "username", "") or "",
        organization_name=organization.name if organization is not None else "", note=note,
        details=details or {}, articles=case.articles, rule_version=basis["rule_version"],
    )
    audit_record(
        _EVENTS[(case.kind, action)], actor=actor, target=case, target_label=f"{case.number} {case.subject.name}",
        articles=articles, outcome=outcome,
        details={"case": case.number, "on": on.isoformat(), **basis, **(details or {})},
        changes=[Change("rights.case", str(case.pk), "create" if before is None else "update", before,
                        _snapshot(case))],
    )


def case_url(case: Case) -> str:
    return reverse("rights:case", args=[case.pk])


def _notify_subject(case: Case, *, title: str, body: str, actor=None) -> None:
    from xinyong.notifications.services import notice_send

    notice_send(subject=case.subject, kind="case_update", title=title, body=body, link=case_url(case),
                target=case, articles=_ARTICLES[case.kind], actor=actor)


def _notify_department(case: Case, *, title: str, body: str, actor=None) -> None:
    from xinyong.notifications.services import notice_send

    notice_send(organization=case.organization, kind="case_update", title=title, body=body,
                link=reverse("rights_console:case", args=[case.pk]), target=case, articles=_ARTICLES[case.kind],
                actor=actor)


def _target_label(target: CreditRecord | ListEntry) -> str:
    if isinstance(target, CreditRecord):
        return f"{target.item.name if target.item_id else target.item_code}（{target.document_number}）"
    return f"{target.definition.name}（{target.number}）"


def _agent(filed_by: str, agent_name: str, power_of_attorney) -> tuple[str, str, list]:
    try:
        filed_by = FiledBy(filed_by or FiledBy.SUBJECT)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown choice."), field="filed_by") from None
    if filed_by == FiledBy.SUBJECT:
        return filed_by, "", []
    name = _required_text(agent_name, "agent_name")
    if power_of_attorney is None:
        raise ServiceError(
            "power_of_attorney_required", _("An agent must attach the power of attorney signed by the subject."),
            field="power_of_attorney",
        )
    return filed_by, name[:100], _file_rows([power_of_attorney], FileKind.POWER_OF_ATTORNEY, "power_of_attorney")


def _open_case(*, kind: str, subject, target, reasons: str, requested_change: str, files: list[CaseFile],
               filed_by: str, agent_name: str, applicant, channel: str, day: dt.date, deadline, basis: dict,
               details: dict, eligibility: dict | None = None) -> Case:
    """Create the case and mark its item, inside the caller's transaction."""
    locked = _lock_target(target)
    due = working_day_deadline(day, int(deadline.value))
    case = Case(
        kind=kind, subject=subject, organization=_deciding_organization(target),
        record=locked if isinstance(locked, CreditRecord) else None,
        entry=locked if isinstance(locked, ListEntry) else None,
        filed_by=filed_by, agent_name=agent_name, applicant=applicant if getattr(applicant, "pk", None) else None,
        channel=channel, reasons=reasons, requested_change=(requested_change or "").strip(),
        filed_at=timezone.now(), filed_on=day, deadline_days=int(deadline.value), due_on=due.day,
        due_on_provisional=due.provisional, eligibility=eligibility or {},
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise ServiceError(
            "case_already_open", _("A case of this kind about this information is already open."), field="target"
        ) from None
    for row in files:
        row.case = case
        row.uploaded_at = case.filed_at
    CaseFile.objects.bulk_create(files)
    _set_mark(locked, kind, True)
    _step(
        case, action=CaseAction.FILED, on=day, actor=applicant, basis=basis, articles=_ARTICLES[kind],
        before=None, note=reasons[:500],
        details={**details, "due_on": due.day.isoformat(), "due_on_provisional": due.provisional, "channel": channel,
                 "files": [{"kind": f.kind, "name": f.name, "digest": f.digest} for f in files]},
    )
    return case


def _check_applicant(subject, applicant) -> None:
    """A portal account acts only for the subject it is linked to."""
    if applicant is None or getattr(applicant, "kind", "") != AccountKind.SUBJECT:
        return
    if not SubjectAccount.objects.filter(user=applicant, subject=subject).exists():
        raise NotFoundOrForbidden()


# --- objections (Art 28, 30) --------------------------------------------------------------------------------


def objection_file(
    *, subject, record=None, entry=None, reasons: str, requested_change: str = "", evidence: Sequence[Any] = (),
    filed_by: str = FiledBy.SUBJECT, agent_name: str = "", power_of_attorney=None, applicant=None,
    channel: str = Channel.PORTAL, on: dt.date | None = None,
) -> Case:
    """A subject (or its agent) objects to one of its records or list entries (Art 28, 30). The item is marked
    异议中 at once and the case goes to the deciding department, due in `objection.decision_deadline` working
    days. Raises `case_already_open` while an objection about the same item is open."""
    _check_applicant(subject, applicant)
    target = target_of_subject(subject, record=record, entry=entry)
    if isinstance(target, CreditRecord) and target.status != RecordStatus.ACTIVE:
        raise ServiceError("not_in_use", _("This information is no longer in use."), field="target")
    if isinstance(target, ListEntry) and target.state not in ENTRY_STATES_IN_FORCE:
        raise ServiceError("not_in_use", _("This list entry is no longer in force."), field="target")
    reasons = _required_text(reasons, "reasons")
    filed_by, agent_name, agent_files = _agent(filed_by, agent_name, power_of_attorney)
    files = agent_files + _file_rows(evidence, FileKind.EVIDENCE, "evidence")
    day = _act_date(on)
    deadline = parameter(OBJECTION_DEADLINE, day)
    basis = decision_basis(OBJECTION_DEADLINE, OBJECTION_MARK, on=day)
    with transaction.atomic():
        case = _open_case(
            kind=CaseKind.OBJECTION, subject=subject, target=target, reasons=reasons,
            requested_change=requested_change, files=files, filed_by=filed_by, agent_name=agent_name,
            applicant=applicant, channel=channel, day=day, deadline=deadline, basis=basis,
            details={"target": _target_label(target)},
        )
        with _in_chinese():
            due = due_label(case)
            _notify_subject(case, actor=applicant, title=gettext("Objection %(number)s received") % {"number": case.number},
                            body=gettext("Your objection to %(target)s has been received and the information is marked "
                                    "“objection pending” wherever it is shown. %(department)s decides by %(due)s.")
                            % {"target": _target_label(target), "department": case.organization.name, "due": due})
            _notify_department(case, actor=applicant, title=gettext("New objection %(number)s") % {"number": case.number},
                               body=gettext("%(subject)s objects to %(target)s. Decide by %(due)s.")
                               % {"subject": subject.name, "target": _target_label(target), "due": due})
    return case


# --- credit repair (Art 31) ---------------------------------------------------------------------------------


def repair_apply(
    *, subject, record=None, entry=None, reasons: str, materials: Mapping[str, Sequence[Any]],
    filed_by: str = FiledBy.SUBJECT, agent_name: str = "", power_of_attorney=None, applicant=None,
    channel: str = Channel.PORTAL, on: dt.date | None = None,
) -> Case:
    """Apply for credit repair of a record or a list entry (Art 31). Refused — and the refusal audited — when
    the information is not repairable, the minimum period has not passed or the disclosure period is over,
    with the legal reason; otherwise every material the rule asks for must be attached."""
    _check_applicant(subject, applicant)
    target = target_of_subject(subject, record=record, entry=entry)
    day = _act_date(on)
    eligibility = repair_eligibility(subject=subject, record=record, entry=entry, on=day)
    if not eligibility.ok:
        with transaction.atomic():
            audit_record(
                AuditEventType.REPAIR_REFUSED, actor=applicant, target=target,
                target_label=_target_label(target), articles=["Art 31"], outcome=AuditOutcome.DENIED,
                details={"subject": subject.pk, "code": eligibility.code, **eligibility.as_snapshot(day)},
            )
        raise ServiceError(eligibility.code, eligibility.message, field="target")
    reasons = _required_text(reasons, "reasons")
    filed_by, agent_name, agent_files = _agent(filed_by, agent_name, power_of_attorney)
    files = list(agent_files)
    for material in eligibility.materials:
        given = _file_rows(materials.get(material, ()), material, f"materials.{material}")
        if not given:
            raise ServiceError(
                "material_required",
                _("Attach the %(material)s.") % {"material": FileKind(material).label}, field=f"materials.{material}",
            )
        files += given
    deadline = parameter(REPAIR_DEADLINE, day)
    names = [REPAIR_DEADLINE, eligibility.rule.minimum_period]
    basis = decision_basis(*names, on=day)
    with transaction.atomic():
        case = _open_case(
            kind=CaseKind.REPAIR, subject=subject, target=target, reasons=reasons, requested_change="",
            files=files, filed_by=filed_by, agent_name=agent_name, applicant=applicant, channel=channel, day=day,
            deadline=deadline, basis=basis, details={"target": _target_label(target), "repair_rule":
                                                     eligibility.rule.as_basis()},
            eligibility=eligibility.as_snapshot(day),
        )
        with _in_chinese():
            due = due_label(case)
            _notify_subject(case, actor=applicant,
                            title=gettext("Credit repair application %(number)s received") % {"number": case.number},
                            body=gettext("Your application to repair %(target)s has been received; the information is "
                                    "marked “credit repair in progress”. %(department)s decides by %(due)s.")
                            % {"target": _target_label(target), "department": case.organization.name, "due": due})
            _notify_department(case, actor=applicant,
                               title=gettext("New credit repair application %(number)s") % {"number": case.number},
                               body=gettext("%(subject)s applies to repair %(target)s. Decide by %(due)s.")
                               % {"subject": subject.name, "target": _target_label(target), "due": due})
    return case


# --- steps common to both -----------------------------------------------------------------------------------


def _locked_case(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("subject", "organization", "record", "entry", "entry__definition")
        .get(pk=case.pk)
    )


def _require_decider(actor, case: Case) -> None:
    if not may_decide(actor, case):
        raise NotFoundOrForbidden()


def _require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ServiceError("case_closed", _("This case is no longer open."), field="status")


def case_extend(*, case: Case, days: int, reason: str, actor, on: dt.date | None = None) -> Case:
    """Extend the decision deadline once, by at most the registry's maximum, with a written reason (Art 28;
    `objection.extensions_allowed`, `objection.extension_maximum`, `repair.decision_extension`). The extension
    must be decided before the deadline has passed; the new due date counts from the old one."""
    _require_decider(actor, case)
    reason = _required_text(reason, "reason")
    with transaction.atomic():
        locked = _locked_case(case)
        _require_open(locked)
        day = _act_date(on, not_before=locked.filed_on)
        allowed = parameter(_EXTENSIONS[locked.kind], day)
        maximum = parameter(_EXTENSION[locked.kind], day)
        if locked.extensions >= int(allowed.value):
            raise ServiceError("extension_limit", _("The deadline has already been extended as often as allowed."),
                               field="days")
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise ServiceError("invalid_number", _("Enter a whole number of working days."), field="days") from None
        if not 1 <= days <= int(maximum.value):
            raise ServiceError(
                "extension_too_long",
                _("An extension lasts from 1 to %(max)s working days.") % {"max": int(maximum.value)}, field="days",
            )
        current = (Deadline(locked.due_on, locked.due_on_provisional) if locked.due_on is not None
                   else working_day_deadline(locked.filed_on, locked.deadline_days))
        if day > current.day:
            raise ServiceError("deadline_passed", _("The deadline has passed; an extension must be decided before "
                                                    "it ends."), field="on")
        # Counted from the current due date; a provisional one makes the extended one provisional too.
        due = working_day_deadline(current, days)
        before = _snapshot(locked)
        locked.extensions += 1
        locked.extended_days = days
        locked.extension_reason = reason
        locked.due_on = due.day
        locked.due_on_provisional = due.provisional
        basis = decision_basis(_DEADLINE[locked.kind], _EXTENSIONS[locked.kind], _EXTENSION[locked.kind], on=day)
        _step(locked, action=CaseAction.EXTENDED, on=day, actor=actor, basis=basis, articles=_ARTICLES[locked.kind],
              before=before, note=reason,
              details={"days": days, "due_on": due.day.isoformat(), "due_on_provisional": due.provisional})
        with _in_chinese():
            _notify_subject(locked, actor=actor, title=gettext("Case %(number)s: deadline extended") % {"number": locked.number},
                            body=gettext("%(department)s extended the deadline by %(days)s working days to %(due)s. "
                                    "Reason: %(reason)s")
                            % {"department": locked.organization.name, "days": days, "due": due_label(locked),
                               "reason": reason})
    return locked


def case_cancel(*, case: Case, user, reason: str = "") -> Case:
    """The applicant withdraws its own open case; the mark is removed (Art 28)."""
    if not SubjectAccount.objects.filter(user=user, subject_id=case.subject_id).exists():
        raise NotFoundOrForbidden()
    with transaction.atomic():
        locked = _locked_case(case)
        _require_open(locked)
        day = timezone.localdate()
        before = _snapshot(locked)
        locked.status = CaseStatus.CANCELLED
        _set_mark(_lock_target(locked), locked.kind, False)
        _step(locked, action=CaseAction.CANCELLED, on=day, actor=user, basis=decision_basis(on=day),
              articles=_ARTICLES[locked.kind], before=before, note=(reason or "").strip())
        with _in_chinese():
            _notify_department(locked, actor=user, title=gettext("Case %(number)s withdrawn") % {"number": locked.number},
                               body=gettext("The applicant withdrew the case."))
    return locked


def _close(case: Case, *, outcome: str, reasons: str, actor, day: dt.date) -> dict:
    before = _snapshot(case)
    case.status = CaseStatus.DECIDED
    case.outcome = outcome
    case.decision_reasons = reasons
    case.decided_on = day
    case.decided_at = timezone.now()
    case.decided_by = actor if getattr(actor, "pk", None) else None
    case.decided_late = case.due_on is not None and day > case.due_on
    return before


# --- objection decisions and wrongful punishment (Art 30) --------------------------------------------------------


def objection_decide(
    *, case: Case, outcome: str, reasons: str, corrections: Mapping[str, str] | None = None,
    punishment_wrongful: bool = False, actor, on: dt.date | None = None,
) -> Case:
    """Decide an objection (Art 30): `corrected` writes a new revision of the record with `corrections`
    (field code → value, validated like a submission); `withdrawn` withdraws the record, or revokes the list
    entry; `maintained` keeps it, with reasons. The mark is removed and the subject told the outcome, the
    reasons and its remedies.

    `punishment_wrongful` (Art 30 ¶2): the decision found that a listing or a measure rested on the wrong
    information. The platform then lifts the list entries that cite the record, publishes a notice restoring
    the subject's reputation and informs the departments that applied measures. Revoking a list entry on an
    objection is always such a finding."""
    from xinyong.lists.services import list_entry_remove
    from xinyong.records.services import record_correct, record_withdraw

    _require_decider(actor, case)
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown outcome."), field="outcome") from None
    if case.kind != CaseKind.OBJECTION or outcome not in OBJECTION_OUTCOMES:
        raise ServiceError("invalid_choice", _("This outcome does not apply to this case."), field="outcome")
    reasons = _required_text(reasons, "reasons")
    if punishment_wrongful and outcome == Outcome.MAINTAINED:
        raise ServiceError("wrongful_needs_change", _("A punishment can only be found wrongful when the information "
                                                      "is corrected or withdrawn."), field="punishment_wrongful")
    with transaction.atomic():
        locked = _locked_case(case)
        _require_open(locked)
        day = _act_date(on, not_before=locked.filed_on)
        target = _lock_target(locked)
        with _in_chinese():  # the record's revision reason (Art 29)
            note = gettext("Objection %(number)s: %(reasons)s") % {"number": locked.number, "reasons": reasons}
        details: dict[str, Any] = {"outcome": outcome}
        if outcome == Outcome.CORRECTED:
            if not isinstance(target, CreditRecord):
                raise ServiceError("invalid_choice", _("A list entry is not corrected: withdraw it or maintain it."),
                                   field="outcome")
            revision = record_correct(record=target, data=dict(corrections or {}), reason=note, actor=actor,
                                      channel="objection")
            locked.corrected_revision = revision.number
            details["revision"] = revision.number
        elif outcome == Outcome.WITHDRAWN:
            if isinstance(target, CreditRecord):
                revision = record_withdraw(record=target, reason=note, actor=actor, channel="objection")
                locked.corrected_revision = revision.number
                details["revision"] = revision.number
            else:
                list_entry_remove(entry=target, reason=RemovalReason.REVOCATION, note=note, on=day)
                punishment_wrongful = True
        target.refresh_from_db()
        before = _close(locked, outcome=outcome, reasons=reasons, actor=actor, day=day)
        locked.punishment_wrongful = bool(punishment_wrongful)
        _set_mark(target, CaseKind.OBJECTION, False)
        basis = decision_basis(OBJECTION_DEADLINE, on=day)
        basis["parameters"][OBJECTION_DEADLINE] = locked.deadline_days  # the deadline that bound this case
        _step(locked, action=CaseAction.DECIDED, on=day, actor=actor, basis=basis,
              articles=[*_ARTICLES[CaseKind.OBJECTION], *(["Art 24"] if punishment_wrongful else [])],
              before=before, note=reasons, details={**details, "late": locked.decided_late})
        if punishment_wrongful:
            _restore_reputation(locked, target=target, actor=actor, day=day, note=note)
        with _in_chinese():  # the decision letter (Art 24: reasons and remedies)
            _notify_subject(
                locked, actor=actor,
                title=gettext("Objection %(number)s decided: %(outcome)s") % {"number": locked.number,
                                                                             "outcome": outcome.label},
                body=gettext("%(department)s decided on your objection to %(target)s: %(outcome)s.\nReasons: "
                             "%(reasons)s\n%(remedies)s")
                % {"department": locked.organization.name, "target": _target_label(target), "outcome": outcome.label,
                   "reasons": reasons, "remedies": REMEDIES},
            )
    return locked


def _restore_reputation(case: Case, *, target, actor, day: dt.date, note: str) -> ReputationNotice:
    """Art 30 ¶2: lift the punishments that rested on the wrong information, publish the notice restoring the
    subject's reputation (organizations on the portal; a person is told privately, Art 19) and inform every
    department that applied a measure on the lifted entries."""
    from xinyong.accounts.models import Organization
    from xinyong.lists.choices import EntryState
    from xinyong.lists.services import list_entry_remove
    from xinyong.measures.models import MeasureCase
    from xinyong.notifications.services import notice_send

    if isinstance(target, ListEntry):
        lifted = [target]
    else:
        lifted = []
        for entry in ListEntry.objects.select_related("definition").filter(
            cited_records=target, state__in=ENTRY_STATES_IN_FORCE
        ).order_by("id"):
            lifted.append(list_entry_remove(entry=entry, reason=RemovalReason.REVOCATION, note=note, on=day))
    lifted_ids = [e.pk for e in lifted if e.state == EntryState.REMOVED]
    departments = list(
        MeasureCase.objects.filter(entry_id__in=lifted_ids).values_list("organization_id", "organization__name")
        .distinct().order_by("organization__name")
    )
    subject = case.subject
    what = "、".join(f"{e.definition.name}（{e.number}）" for e in lifted) or _target_label(target)
    with _in_chinese():  # 信誉恢复公告: a public notice of the authority
        text = gettext(
            "After examining objection %(number)s, %(department)s found that %(what)s rested on wrong information. "
            "The information has been corrected, the listing and the measures based on it have been lifted, and the "
            "credit of %(subject)s is restored (Art 30)."
        ) % {"number": case.number, "department": case.organization.name, "what": what, "subject": subject.name}
    notice = ReputationNotice.objects.create(
        case=case, subject=subject, subject_name=subject.name, text=text,
        entries_lifted=[{"id": e.pk, "number": e.number, "list": e.definition.code} for e in lifted],
        departments_informed=[{"id": pk, "name": name} for pk, name in departments],
        is_public=not subject.is_person, published_at=timezone.now(),
    )
    CaseEvent.objects.create(
        case=case, action=CaseAction.RESTORED, status_after=case.status, at=notice.published_at, on=day,
        actor=actor if getattr(actor, "pk", None) else None, actor_label=getattr(actor, "username", "") or "",
        organization_name=case.organization.name, note=text,
        details={"notice": notice.number, "entries": lifted_ids, "departments": [pk for pk, _name in departments]},
        articles=["Art 24", "Art 30"], rule_version=case.rule_version,
    )
    audit_record(
        AuditEventType.REPUTATION_RESTORED, actor=actor, target=notice, target_label=f"{notice.number} {subject.name}",
        articles=["Art 24", "Art 30"],
        details={"case": case.number, "entries": lifted_ids, "departments": [pk for pk, _name in departments],
                 "public": notice.is_public},
    )
    with _in_chinese():
        for organization in Organization.objects.filter(pk__in=[pk for pk, _name in departments]).order_by("name"):
            notice_send(organization=organization, kind="measure_lifted",
                        title=gettext("Measures lifted for %(subject)s") % {"subject": subject.name},
                        body=gettext("%(what)s rested on wrong information and has been lifted (Art 30). Stop the "
                                     "measures you applied on it and restore the subject's rights.\n%(text)s")
                        % {"what": what, "text": text},
                        target=notice, articles=["Art 24", "Art 30"], actor=actor)
        notice_send(subject=subject, kind="reputation_restored", title=gettext("Your reputation has been restored"),
                    body=text, link=case_url(case), target=notice, articles=["Art 30"], actor=actor)
    return notice


# --- repair decisions (Art 31) --------------------------------------------------------------------------------


def repair_decide(*, case: Case, outcome: str, reasons: str, actor, on: dt.date | None = None) -> Case:
    """Decide a repair application (Art 31). Approved: a record's publication and sharing stop at once (a new
    revision, `record_repair`; kept for official use), the punitive list entries that cite no other record in
    use are removed, and an entry applied for leaves its list: checks stop returning the subject for them
    (Art 31 ¶2). Refused: nothing changes. Either way the mark is removed and the subject told why."""
    from xinyong.lists.services import list_entry_remove
    from xinyong.records.services import record_repair

    _require_decider(actor, case)
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown outcome."), field="outcome") from None
    if case.kind != CaseKind.REPAIR or outcome not in REPAIR_OUTCOMES:
        raise ServiceError("invalid_choice", _("This outcome does not apply to this case."), field="outcome")
    reasons = _required_text(reasons, "reasons")
    with transaction.atomic():
        locked = _locked_case(case)
        _require_open(locked)
        day = _act_date(on, not_before=locked.filed_on)
        target = _lock_target(locked)
        details: dict[str, Any] = {"outcome": outcome, "removed_entries": []}
        with _in_chinese():  # the record's revision reason and the entries' removal note (Art 29)
            note = gettext("Credit repair %(number)s: %(reasons)s") % {"number": locked.number, "reasons": reasons}
        if outcome == Outcome.APPROVED:
            if isinstance(target, CreditRecord):
                if target.status == RecordStatus.ACTIVE:
                    revision = record_repair(record=target, reason=note, actor=actor, on=day,
                                             case_number=locked.number)
                    locked.corrected_revision = revision.number
                    details["revision"] = revision.number
                entries = [
                    e for e in ListEntry.objects.select_related("definition").filter(
                        cited_records=target, state__in=ENTRY_STATES_IN_FORCE
                    ).order_by("id")
                    if e.definition.kind in PUNITIVE_KINDS
                    and not e.cited_records.filter(status=RecordStatus.ACTIVE).exists()
                ]
            else:
                entries = [target]
            for entry in entries:
                list_entry_remove(entry=entry, reason=RemovalReason.REPAIR, note=note, on=day)
                details["removed_entries"].append(entry.pk)
        target.refresh_from_db()
        before = _close(locked, outcome=outcome, reasons=reasons, actor=actor, day=day)
        _set_mark(target, CaseKind.REPAIR, False)
        basis = decision_basis(REPAIR_DEADLINE, on=day)
        basis["parameters"][REPAIR_DEADLINE] = locked.deadline_days
        _step(locked, action=CaseAction.DECIDED, on=day, actor=actor, basis=basis, articles=_ARTICLES[CaseKind.REPAIR],
              before=before, note=reasons, details={**details, "late": locked.decided_late})
        with _in_chinese():  # the decision letter (Art 24: reasons and remedies)
            _notify_subject(
                locked, actor=actor,
                title=gettext("Credit repair %(number)s decided: %(outcome)s") % {"number": locked.number,
                                                                                 "outcome": outcome.label},
                body=gettext("%(department)s decided on your credit repair application for %(target)s: "
                             "%(outcome)s.\nReasons: %(reasons)s\n%(remedies)s")
                % {"department": locked.organization.name, "target": _target_label(target), "outcome": outcome.label,
                   "reasons": reasons, "remedies": REMEDIES},
            )
    return locked
