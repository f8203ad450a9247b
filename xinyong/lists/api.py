"""API: the published lists (public) and the listing procedure for the credit authority (Art 22, 24, 31).

The procedure's dates are the server's: the decision, publication and removal are dated today; only the day
a notice was served may be given (a notice delivered on paper is recorded after the fact).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.masking import mask_name
from xinyong.core.paging import paging
from xinyong.core.text import MultilineText
from xinyong.lists.choices import Decision, EntryState, ListKind, RemovalReason
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import (
    definition_for_manager,
    entries_for_manager,
    entry_for_manager,
    public_entries_of,
    public_list_definition,
    public_list_definitions,
)
from xinyong.lists.services import (
    list_entry_decide,
    list_entry_extend,
    list_entry_notify,
    list_entry_propose,
    list_entry_publish,
    list_entry_remove,
)
from xinyong.records.models import CreditRecord
from xinyong.regulation.parameters import ParameterError, parameter
from xinyong.subjects.selectors import subject_find_by_identifier, subject_restrict
from xinyong.subjects.services import validated_identifier

router = Router(tags=["lists"])


class ListOut(Schema):
    code: str
    kind: ListKind
    name: str
    legal_basis: str
    inclusion_criteria: str
    responsible_body: str
    exit_conditions: str
    duration_months: int | None
    term_set_by_court: bool
    measures: list[str]
    organizations_listed: int


def _duration(definition) -> int | None:
    if definition.term_set_by_court:
        return None
    try:
        value = parameter(definition.duration_parameter)
    except ParameterError:
        return None
    return int(value.value) if value.unit == "months" else None


ListPage = paging(default=100, maximum=500)
EntryPage = paging(default=200, maximum=500)


@router.get("", response=list[ListOut], auth=None, tags=["public"], summary="The published lists (Art 22)")
def lists(request, page: Query[ListPage]):
    return [
        {
            "code": d.code, "kind": d.kind, "name": d.name, "legal_basis": d.legal_basis,
            "inclusion_criteria": d.inclusion_criteria, "responsible_body": d.responsible_body_name,
            "exit_conditions": d.exit_conditions, "duration_months": _duration(d),
            "term_set_by_court": d.term_set_by_court,
            "measures": [m.code for m in d.measures.all() if m.is_active], "organizations_listed": d.public_count,
        }
        for d in page.window(public_list_definitions())
    ]


class PublicEntryOut(Schema):
    number: str
    name: str
    uscc: str
    listed_from: dt.date
    expires_on: dt.date | None
    reasons: str


@router.get("/{code}/entries", response=list[PublicEntryOut], auth=None, tags=["public"],
            summary="Organizations on a list today (Art 22)")
def list_entries_public(request, code: str, page: Query[EntryPage], q: str = ""):
    definition = public_list_definition(code)
    return [
        {"number": e.number, "name": e.subject.name, "uscc": e.subject.identifier_masked,
         "listed_from": e.listed_from, "expires_on": e.expires_on, "reasons": e.reasons}
        for e in public_entries_of(definition, query=q[:50], limit=page.limit, offset=page.offset)
    ]


class RelatedPersonOut(Schema):
    role: str
    name: str
    identifier: str
    since: dt.date


class EntryOut(Schema):
    id: int
    number: str
    list: str
    subject: str
    state: EntryState
    reasons: str
    basis: str
    notice_number: str
    notice_served_on: dt.date | None
    objection_window_end: dt.date | None
    objection_window_provisional: bool  # counted on weekends alone into a year not loaded (domain facts §11)
    decision: str
    decided_on: dt.date | None
    listed_from: dt.date | None
    expires_on: dt.date | None
    court_term_end: dt.date | None
    court_term_open: bool
    published: bool
    removed_on: dt.date | None
    removal_reason: str
    rule_version: str
    articles: list[str]
    parameters: dict
    related_persons: list[RelatedPersonOut]


def entry_out(entry: ListEntry) -> dict:
    return {
        "id": entry.pk, "number": entry.number, "list": entry.definition.code,
        "subject": mask_name(entry.subject.name) if entry.subject.is_person else entry.subject.name, "state": entry.state,
        "reasons": entry.reasons, "basis": entry.basis, "notice_number": entry.notice_number,
        "notice_served_on": entry.notice_served_on, "objection_window_end": entry.objection_window_end,
        "objection_window_provisional": entry.objection_window_provisional,
        "decision": entry.decision, "decided_on": entry.decided_on, "listed_from": entry.listed_from,
        "expires_on": entry.expires_on, "court_term_end": entry.court_term_end,
        "court_term_open": entry.court_term_open, "published": entry.published_at is not None,
        "removed_on": entry.removed_on,
        "removal_reason": entry.removal_reason, "rule_version": entry.rule_version, "articles": entry.articles,
        "parameters": entry.basis_parameters,
        "related_persons": [
            {"role": p.role, "name": p.name, "identifier": p.identifier_masked, "since": p.relation_from}
            for p in entry.related_persons.all()
        ],
    }


class ProposeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    list: str
    identifier_type: str
    identifier: str
    reasons: MultilineText = Field(..., max_length=5000)
    basis: MultilineText = Field("", max_length=2000)
    records: list[int] = Field(default_factory=list, max_length=100)


@router.get("/entries", response=list[EntryOut], summary="Entries of the lists the caller keeps")
def entries(request, page: Query[EntryPage], state: EntryState | None = None, list: str = ""):
    require(request, Permission.MANAGE_LISTS)
    return [entry_out(e) for e in entries_for_manager(caller(request), state=state or "", definition=list,
                                                       limit=page.limit, offset=page.offset)]


@router.post("/entries", response={201: EntryOut}, summary="Propose a listing (Art 22, 24)")
def propose(request, payload: ProposeIn):
    require(request, Permission.MANAGE_LISTS)
    user = caller(request)
    definition = definition_for_manager(user, payload.list)
    identifier = validated_identifier(payload.identifier_type, payload.identifier)
    subject = subject_find_by_identifier(payload.identifier_type, identifier)
    if subject is None or not subject_restrict(user).filter(pk=subject.pk).exists():
        raise NotFoundOrForbidden(_("No such subject."))
    records = list(CreditRecord.objects.filter(pk__in=payload.records, subject=subject))
    if len(records) != len(set(payload.records)):
        raise ServiceError("record_of_another_subject", _("A cited record belongs to another subject."),
                           field="records")
    entry = list_entry_propose(definition=definition, subject=subject, reasons=payload.reasons,
                               basis=payload.basis, records=records, actor=user)
    return 201, entry_out(entry)


@router.get("/entries/{entry_id}", response=EntryOut, summary="One entry with its decision basis")
def entry_detail(request, entry_id: int):
    require(request, Permission.MANAGE_LISTS)
    return entry_out(entry_for_manager(caller(request), entry_id))


class NotifyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    served_on: dt.date | None = None


@router.post("/entries/{entry_id}/notify", response=EntryOut, summary="Serve the written prior notice (Art 24)")
def notify(request, entry_id: int, payload: NotifyIn):
    require(request, Permission.MANAGE_LISTS)
    user = caller(request)
    entry = list_entry_notify(entry=entry_for_manager(user, entry_id), served_on=payload.served_on, actor=user)
    return entry_out(entry)


class DecideIn(Schema):
    model_config = ConfigDict(extra="forbid")
    decision: Decision
    reasons: MultilineText = Field(..., max_length=5000)
    statements: MultilineText = Field("", max_length=5000)
    # The courts' list only: the term the court decided (法释〔2017〕7号第二条), its last day or no fixed term.
    court_term_end: dt.date | None = None
    court_term_open: bool = False


@router.post("/entries/{entry_id}/decide", response=EntryOut,
             summary="Decide after the objection window has ended (Art 24); on the courts' list, with its term")
def decide(request, entry_id: int, payload: DecideIn):
    require(request, Permission.MANAGE_LISTS)
    user = caller(request)
    entry = list_entry_decide(entry=entry_for_manager(user, entry_id), decision=payload.decision,
                              reasons=payload.reasons, statements=payload.statements, actor=user,
                              court_term_end=payload.court_term_end, court_term_open=payload.court_term_open)
    return entry_out(entry)


class ExtendIn(Schema):
    model_config = ConfigDict(extra="forbid")
    court_term_end: dt.date | None = None
    court_term_open: bool = False
    note: str = Field(..., max_length=5000)


@router.post("/entries/{entry_id}/extend", response=EntryOut,
             summary="Record the court's extension of a term on the courts' list (法释〔2017〕7号第二条)")
def extend(request, entry_id: int, payload: ExtendIn):
    require(request, Permission.MANAGE_LISTS)
    user = caller(request)
    entry = list_entry_extend(entry=entry_for_manager(user, entry_id), note=payload.note, actor=user,
                              court_term_end=payload.court_term_end, court_term_open=payload.court_term_open)
    return entry_out(entry)


@router.post("/entries/{entry_id}/publish", response=EntryOut, summary="Publish a listing (Art 22)")
def publish(request, entry_id: int):
    require(request, Permission.MANAGE_LISTS)
    user = caller(request)
    return entry_out(list_entry_publish(entry=entry_for_manager(user, entry_id), actor=user))


class RemoveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: RemovalReason
    note: MultilineText = Field("", max_length=5000)


@router.post("/entries/{entry_id}/remove", response=EntryOut,
             summary="Remove an entry on expiry, repair (Art 31) or revocation; the removal is published")
def remove(request, entry_id: int, payload: RemoveIn):
    require(request, Permission.MANAGE_LISTS)
    user = caller(request)
    entry = list_entry_remove(entry=entry_for_manager(user, entry_id), reason=payload.reason, note=payload.note,
                              actor=user)
    return entry_out(entry)
