"""API: the published measures, credit checks, measure cases and their feedback (Art 22–26, 33).

`POST /checks` takes a JSON batch of up to 10,000 identifiers, `POST /checks/file` a CSV or XLSX file;
both answer per identifier with the measures that apply, their legal basis and the list entries that
trigger them, and open one case per hit for the caller's department. A "clear" answer does not say whether
the subject is registered.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict, Field

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import PermissionDenied, ServiceError
from xinyong.core.paging import paging
from xinyong.core.text import MultilineText, SingleLineText
from xinyong.core.uploads import check_upload_size, upload_limit
from xinyong.disclosure import ratelimit
from xinyong.measures.choices import BasisLevel, MeasureCaseStatus, MeasureKind, Scenario
from xinyong.measures.files import MAX_CHECK_FILE_BYTES, identifiers_from_file
from xinyong.measures.selectors import case_for, case_statistics, cases_for, measures_published
from xinyong.measures.services import (
    MAX_CHECK_SUBJECTS,
    CheckResult,
    case_feedback,
    check_subjects,
    subject_display_name,
)

router = Router(tags=["measures"])


class MeasureOut(Schema):
    code: str
    kind: MeasureKind
    name: str
    content: str
    basis_level: BasisLevel
    legal_basis: str
    implementing_bodies: str
    scenarios: list[Scenario]
    triggering_lists: list[str]
    applies_to_related_persons: bool
    proportionality_notes: str


MeasurePage = paging(default=500, maximum=1000)
CasePage = paging(default=200, maximum=500)


@router.get("/measures", response=list[MeasureOut], auth=None, tags=["public"],
            summary="Joint reward and punishment measures in force, with their legal basis (Art 22)")
def measures(request, page: Query[MeasurePage]):
    return [
        {
            "code": m.code, "kind": m.kind, "name": m.name, "content": m.content, "basis_level": m.basis_level,
            "legal_basis": m.legal_basis, "implementing_bodies": m.implementing_bodies_note,
            "scenarios": m.scenarios, "triggering_lists": sorted(d.code for d in m.triggering_lists.all()),
            "applies_to_related_persons": m.applies_to_related_persons,
            "proportionality_notes": m.proportionality_notes,
        }
        for m in page.window(measures_published())
    ]


class IdentifierIn(Schema):
    model_config = ConfigDict(extra="forbid")
    identifier_type: str
    identifier: str


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")
    scenario: Scenario
    reference: SingleLineText = Field("", max_length=200,
                                      description="the matter the check is for, e.g. a project number")
    subjects: list[IdentifierIn] = Field(..., min_length=1)


class TriggeringEntryOut(Schema):
    entry: int
    number: str
    list: str
    list_name: str
    listed_from: dt.date
    expires_on: dt.date | None
    via_role: str | None
    organization: str | None
    under_objection: bool  # 异议中 (Art 28)
    under_repair: bool  # 信用修复中 (Art 31)


class MeasureHitOut(Schema):
    code: str
    name: str
    kind: MeasureKind
    basis_level: BasisLevel
    legal_basis: str
    implementing_bodies: str
    proportionality_notes: str
    case: int | None
    entries: list[TriggeringEntryOut]


class SubjectCheckOut(Schema):
    row: int
    identifier_type: str
    identifier: str
    status: str
    name: str | None
    error: dict | None
    measures: list[MeasureHitOut]


class CheckOut(Schema):
    check: int
    scenario: Scenario
    on: dt.date
    rule_version: str
    requested: int
    invalid: int
    subjects_hit: int
    hits: int
    cases_opened: int
    results: list[SubjectCheckOut]


class RateLimitedOut(Schema):
    """Over a limit (requests per window, identifiers per day): the answer carries `Retry-After` in seconds."""

    code: str
    field: str | None = None
    message: str


def check_out(result: CheckResult) -> dict:
    return {
        "check": result.check_id, "scenario": result.scenario, "on": result.on, "rule_version": result.rule_version,
        "requested": result.requested, "invalid": result.invalid, "subjects_hit": result.subjects_hit,
        "hits": result.hits, "cases_opened": result.cases_opened,
        "results": [
            {
                "row": r.row, "identifier_type": r.identifier_type, "identifier": r.identifier, "status": r.status,
                "name": r.name or None,
                "error": {"code": r.error_code, "message": r.error} if r.error_code else None,
                "measures": [
                    {
                        "code": m.code, "name": m.name, "kind": m.kind, "basis_level": m.basis_level,
                        "legal_basis": m.legal_basis, "implementing_bodies": m.implementing_bodies,
                        "proportionality_notes": m.proportionality_notes, "case": m.case_id,
                        "entries": [
                            {
                                "entry": e.entry_id, "number": e.number, "list": e.list_code, "list_name": e.list_name,
                                "listed_from": e.listed_from, "expires_on": e.expires_on,
                                "via_role": e.via_role or None, "organization": e.organization_name or None,
                                "under_objection": e.under_objection, "under_repair": e.under_repair,
                            }
                            for e in m.entries
                        ],
                    }
                    for m in r.measures
                ],
            }
            for r in result.results
        ],
    }


@router.post("/checks", response={200: CheckOut, 429: RateLimitedOut},
             summary="Credit check of up to 10,000 subjects in a scenario (Art 22–26); limited per organization")
def check(request, payload: CheckIn):
    require(request, Permission.CHECK_SUBJECTS)
    limited = ratelimit.rate_limited(request, ratelimit.CHECK)
    if limited is not None:
        return limited
    if len(payload.subjects) > MAX_CHECK_SUBJECTS:
        raise ServiceError("too_many_subjects", _("At most 10,000 subjects per check."), field="subjects")
    result = check_subjects(
        requester=caller(request), scenario=payload.scenario, reference=payload.reference, channel="api",
        identifiers=[(s.identifier_type, s.identifier) for s in payload.subjects],
    )
    return check_out(result)


@router.post("/checks/file", response={200: CheckOut, 429: RateLimitedOut},
             summary="Credit check of the subjects in a CSV or XLSX file (证件类型, 证件号码; up to 10,000 rows)")
@upload_limit(MAX_CHECK_FILE_BYTES)
def check_file(request, scenario: Form[Scenario], file: File[UploadedFile], reference: Form[str] = ""):
    require(request, Permission.CHECK_SUBJECTS)
    limited = ratelimit.rate_limited(request, ratelimit.CHECK)
    if limited is not None:
        return limited
    check_upload_size(file, MAX_CHECK_FILE_BYTES)
    read = identifiers_from_file(file.file, file_name=file.name or "", limit=MAX_CHECK_SUBJECTS)
    result = check_subjects(
        requester=caller(request), scenario=scenario, reference=reference, channel="file",
        identifiers=read.identifiers, file_name=read.file_name, file_digest=read.digest,
    )
    return check_out(result)


class MeasureCaseOut(Schema):
    id: int
    measure: str
    measure_name: str
    subject: str
    organization: str
    scenario: Scenario
    entry: str
    status: MeasureCaseStatus
    opened_on: dt.date
    feedback_due: dt.date | None
    feedback_due_provisional: bool  # counted on weekends alone into a year not loaded (domain facts §11)
    overdue: bool
    applied_on: dt.date | None
    outcome_note: str


def case_out(case, on: dt.date) -> dict:
    return {
        "id": case.pk, "measure": case.measure.code, "measure_name": case.measure.name,
        "subject": subject_display_name(case.subject.kind, case.subject.name), "organization": case.organization.name,
        "scenario": case.scenario, "entry": case.entry.number, "status": case.status, "opened_on": case.opened_on,
        "feedback_due": case.feedback_due, "feedback_due_provisional": case.feedback_due_provisional,
        "overdue": case.is_overdue(on), "applied_on": case.applied_on,
        "outcome_note": case.outcome_note,
    }


class StatisticsOut(Schema):
    organization: str
    measure: str
    total: int
    open: int
    applied: int
    not_applied: int
    overdue: int
    late: int


@router.get("/cases/statistics", response=list[StatisticsOut],
            summary="Measure cases per department and measure, overdue feedback flagged (Art 22, 33)")
def statistics(request, page: Query[MeasurePage]):
    require(request, Permission.VIEW_MEASURE_STATS)
    return [
        {"organization": s.organization, "measure": s.measure, "total": s.total, "open": s.open,
         "applied": s.applied, "not_applied": s.not_applied, "overdue": s.overdue, "late": s.late}
        for s in page.window(case_statistics(caller(request)))
    ]


@router.get("/cases", response=list[MeasureCaseOut], summary="Measure cases of the caller's department")
def cases(request, page: Query[CasePage], status: MeasureCaseStatus | None = None, overdue: bool = False):
    user = caller(request)
    if not (has_permission(user, Permission.REPORT_FEEDBACK) or has_permission(user, Permission.VIEW_MEASURE_STATS)):
        raise PermissionDenied()
    today = timezone.localdate()
    found = cases_for(user, status=status or "", overdue=overdue, on=today, limit=page.limit, offset=page.offset)
    return [case_out(c, today) for c in found]


class FeedbackIn(Schema):
    model_config = ConfigDict(extra="forbid")
    applied: bool
    note: MultilineText = Field(..., max_length=2000)
    applied_on: dt.date | None = None


@router.post("/cases/{case_id}/feedback", response=MeasureCaseOut, summary="Report a measure applied, or why not (闭环)")
def feedback(request, case_id: int, payload: FeedbackIn):
    require(request, Permission.REPORT_FEEDBACK)
    user = caller(request)
    case = case_for(user, case_id)
    case = case_feedback(case=case, applied=payload.applied, note=payload.note, applied_on=payload.applied_on,
                         actor=user)
    return case_out(case_for(user, case.pk), timezone.localdate())
