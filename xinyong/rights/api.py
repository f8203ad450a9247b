"""API: the objection and credit repair cases sent to the caller's department (Art 28–31, 33).

For the deciding departments' staff sessions and API clients with `Permission.HANDLE_RIGHTS_CASES`. A case
of another department answers exactly like a missing one (404, security req. 7). Bodies are closed: the
dates, the deadline, the status and the deciding department are the server's, and a body naming them is
refused (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.core.errors import ServiceError
from xinyong.core.masking import mask_name
from xinyong.core.paging import paging
from xinyong.core.text import MultilineText
from xinyong.rights.choices import CaseKind, CaseStatus, Channel, FiledBy, FileKind
from xinyong.rights.models import Case
from xinyong.rights.page_helpers import case_files, case_target_label, inbox_cases, with_targets
from xinyong.rights.selectors import case_for_staff, case_timeline
from xinyong.rights.services import case_extend, objection_decide, repair_decide

router = Router(tags=["rights"])

#: At most this many cases in one answer (the earliest deadline first); filters narrow it.
PAGE_SIZE = 500
CasePage = paging(default=PAGE_SIZE, maximum=PAGE_SIZE)


class TargetOut(Schema):
    type: str  # "record" or "entry"
    id: int
    label: str


class RightsCaseOut(Schema):
    id: int
    number: str
    kind: CaseKind
    status: CaseStatus
    outcome: str
    subject: str
    subject_identifier: str
    target: TargetOut
    organization: str
    filed_by: FiledBy
    agent_name: str
    channel: Channel
    filed_on: dt.date
    deadline_days: int
    due_on: dt.date | None
    due_on_provisional: bool  # counted on weekends alone into a year not loaded (domain facts §11)
    extensions: int
    extended_days: int | None
    extension_reason: str
    overdue: bool
    decided_on: dt.date | None
    decided_late: bool
    decision_reasons: str
    punishment_wrongful: bool
    corrected_revision: int | None
    rule_version: str
    articles: list[str]


class TimelineOut(Schema):
    at: dt.datetime
    on: dt.date
    action: str
    label: str
    actor: str
    organization: str
    note: str
    articles: list[str]


class FileOut(Schema):
    id: int
    kind: FileKind
    name: str
    content_type: str
    size: int
    digest: str


class CaseDetailOut(RightsCaseOut):
    reasons: str
    requested_change: str
    timeline: list[TimelineOut]
    files: list[FileOut]


def case_out(case: Case, on: dt.date | None = None) -> dict:
    subject = case.subject
    return {
        "id": case.pk, "number": case.number, "kind": case.kind, "status": case.status, "outcome": case.outcome,
        "subject": mask_name(subject.name) if subject.is_person else subject.name,
        "subject_identifier": subject.identifier_masked,
        "target": {"type": "record" if case.record_id else "entry", "id": case.record_id or case.entry_id,
                   "label": case_target_label(case)},
        "organization": case.organization.name, "filed_by": case.filed_by, "agent_name": case.agent_name,
        "channel": case.channel, "filed_on": case.filed_on, "deadline_days": case.deadline_days,
        "due_on": case.due_on, "due_on_provisional": case.due_on_provisional, "extensions": case.extensions, "extended_days": case.extended_days,
        "extension_reason": case.extension_reason, "overdue": case.is_overdue(on or timezone.localdate()),
        "decided_on": case.decided_on, "decided_late": case.decided_late, "decision_reasons": case.decision_reasons,
        "punishment_wrongful": case.punishment_wrongful, "corrected_revision": case.corrected_revision,
        "rule_version": case.rule_version, "articles": case.articles,
    }


def case_detail_out(case: Case) -> dict:
    return {
        **case_out(case), "reasons": case.reasons, "requested_change": case.requested_change,
        "timeline": [
            {"at": t.at, "on": t.on, "action": t.action, "label": t.label, "actor": t.actor_label,
             "organization": t.organization_name, "note": t.note, "articles": list(t.articles)}
            for t in case_timeline(case)
        ],
        "files": [
            {"id": f.pk, "kind": f.kind, "name": f.name, "content_type": f.content_type, "size": f.size,
             "digest": f.digest}
            for f in case_files(case)
        ],
    }


def _case(request, case_id: int) -> Case:
    require(request, Permission.HANDLE_RIGHTS_CASES)
    return case_for_staff(caller(request), case_id)


@router.get("/cases", response=list[RightsCaseOut], summary="Objection and repair cases of the caller's department")
def cases(request, page: Query[CasePage], kind: CaseKind | None = None, status: CaseStatus | None = None,
          overdue: bool = False):
    require(request, Permission.HANDLE_RIGHTS_CASES)
    today = timezone.localdate()
    found = with_targets(page.window(inbox_cases(caller(request), kind=kind or "", status=status or "",
                                                 overdue=overdue, on=today)))
    return [case_out(c, today) for c in found]


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="One case with its timeline and files")
def case_detail(request, case_id: int):
    return case_detail_out(with_targets([_case(request, case_id)])[0])


class ExtensionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(..., ge=1, le=100)
    reason: MultilineText = Field(..., min_length=1, max_length=5000)


@router.post("/cases/{case_id}/extension", response=CaseDetailOut,
             summary="Extend the decision deadline once, with a written reason (Art 28)")
def extension(request, case_id: int, payload: ExtensionIn):
    case = _case(request, case_id)
    case = case_extend(case=case, days=payload.days, reason=payload.reason, actor=caller(request))
    return case_detail_out(_case(request, case.pk))


# Outcome values (xinyong.rights.choices.OBJECTION_OUTCOMES, REPAIR_OUTCOMES).
ObjectionOutcome = Literal["corrected", "withdrawn", "maintained"]
RepairOutcome = Literal["approved", "refused"]


class ObjectionDecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: ObjectionOutcome
    reasons: MultilineText = Field(..., min_length=1, max_length=5000)
    corrections: dict[str, str] = Field(default_factory=dict, max_length=100)
    punishment_wrongful: bool = False


def _require_kind(case: Case, kind: str) -> None:
    if case.kind != kind:
        message = (_("This case is not an objection.") if kind == CaseKind.OBJECTION
                   else _("This case is not a credit repair application."))
        raise ServiceError("wrong_case_kind", message, field="case_id")


@router.post("/cases/{case_id}/objection-decision", response=CaseDetailOut,
             summary="Decide an objection: corrected (with the corrected field values), withdrawn or maintained "
                     "(Art 30)")
def objection_decision(request, case_id: int, payload: ObjectionDecisionIn):
    case = _case(request, case_id)
    _require_kind(case, CaseKind.OBJECTION)
    objection_decide(case=case, outcome=payload.outcome, reasons=payload.reasons,
                     corrections=payload.corrections or None, punishment_wrongful=payload.punishment_wrongful,
                     actor=caller(request))
    return case_detail_out(_case(request, case.pk))


class RepairDecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: RepairOutcome
    reasons: MultilineText = Field(..., min_length=1, max_length=5000)


@router.post("/cases/{case_id}/repair-decision", response=CaseDetailOut,
             summary="Decide a credit repair application: approved or refused, with reasons (Art 31)")
def repair_decision(request, case_id: int, payload: RepairDecisionIn):
    case = _case(request, case_id)
    _require_kind(case, CaseKind.REPAIR)
    repair_decide(case=case, outcome=payload.outcome, reasons=payload.reasons, actor=caller(request))
    return case_detail_out(_case(request, case.pk))
