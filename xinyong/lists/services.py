"""The listing procedure (Art 22, 24, 31): propose, notify, decide, publish, remove, and expire.

Each service runs in one transaction, locks the entry, appends one step to the entry's timeline and writes one
audit record inside it, naming the articles it applies and the rule version and parameter values it used
(`decision_basis`). Every act carries the date it was done (`on`, today by default, never in the future).

States (`EntryState`): proposed → notified (written prior notice, Art 24; the objection window runs in working
days from the day the notice is served) → listed / not listed (no decision on or before the last day of the
window) → published (Art 22) → removed (expiry, credit repair under Art 31, or revocation). A list whose
entries are decided by another body under its own procedure (`requires_prior_notice` false, e.g. the courts'
list of dishonest judgment debtors) may go from proposed to decided directly.

Terms. A listing runs for the list's duration rule in the registry, except on the courts' list of dishonest
judgment debtors (`ListDefinition.term_set_by_court`): there the court decides each term (法释〔2017〕7号第二条:
commonly two years, extendable by one to three; no fixed term for a debtor able to perform who refuses), so the
decision must carry the court's last day or "no fixed term" and nothing is assumed; the court's extension is
recorded with `list_entry_extend`, its deletion of the entry with `list_entry_remove(reason=COURT)`.

Audit events: LIST_ENTRY_PROPOSED, LIST_ENTRY_NOTIFIED, LIST_ENTRY_DECIDED (also for the court's extension of
a term, a new decision of the court), LIST_ENTRY_PUBLISHED, LIST_ENTRY_REMOVED, and one LIST_ENTRIES_EXPIRED
per run of the expiry job.

A window that runs into a year whose holiday schedule is not loaded is counted on weekends alone and served
as provisional (the notice says so); it never stops the notice. When the year is loaded the calendar service
recomputes it (`entries_recompute_provisional_windows`, audited in the calendar edit's record): the subject
keeps at least the window its notice stated, so a recomputed end is never earlier than the served one, and
no new notice is sent (docs/decisions/0013-provisional-deadlines.md).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.crypto import get_provider
from xinyong.core.errors import PermissionDenied, ServiceError
from xinyong.core.workdays import ProvisionalRecount, WorkdayCalendar, deadline
from xinyong.lists.choices import Decision, EntryAction, EntryState, ListKind, RemovalReason
from xinyong.lists.models import ListDefinition, ListEntry, ListEntryEvent, ListEntryPerson
from xinyong.lists.notices import notice_content, render_notice_pdf
from xinyong.notifications.hooks import listing_notice_send
from xinyong.records.models import CreditRecord
from xinyong.regulation.parameters import decision_basis, parameter
from xinyong.subjects.choices import SubjectStatus
from xinyong.subjects.models import Subject, SubjectRelation

IMPLEMENTS = ("Art 22", "Art 24", "Art 30: list_entry_remove", "Art 31: list_entry_remove")

OBJECTION_WINDOW = "lists.notice_objection_window"
#: States in which a subject is on its way onto, or on, a list: a second entry on the same list is refused.
OPEN_STATES = (EntryState.PROPOSED, EntryState.NOTIFIED, EntryState.LISTED, EntryState.PUBLISHED)
#: How many entry ids one expiry audit record names (the count is always complete).
EXPIRY_IDS_IN_AUDIT = 1000


# --- who may act ------------------------------------------------------------------------------------------


def may_manage_list(user, definition: ListDefinition) -> bool:
    """Case handlers of the credit authority keep every list; those of the list's responsible body keep it."""
    if not has_permission(user, Permission.MANAGE_LISTS):
        return False
    organization = getattr(user, "organization", None)
    if organization is None:
        return False
    return organization.kind == OrganizationKind.AUTHORITY or definition.responsible_body_id == organization.pk


def _require_manager(actor, definition: ListDefinition) -> None:
    # actor None: an operator's command (e.g. the expiry job), which acts for the platform.
    if actor is not None and not may_manage_list(actor, definition):
        raise PermissionDenied()


# --- helpers ----------------------------------------------------------------------------------------------


def _act_date(on: dt.date | None, *, not_before: dt.date | None = None, field: str = "on") -> dt.date:
    today = timezone.localdate()
    day = on or today
    if day > today:
        raise ServiceError("future_date", _("The date of the act cannot be in the future."), field=field)
    if not_before is not None and day < not_before:
        raise ServiceError(
            "dates_out_of_order", _("The date is before the previous step of the procedure."), field=field
        )
    return day


def _required_text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError("required", _("This field is required."), field=field)
    return text


def add_period(day: dt.date, amount: int, unit: str) -> dt.date:
    """`day` plus a calendar length (months, years or days) from the registry."""
    if unit == "days":
        return day + dt.timedelta(days=amount)
    months = amount * 12 if unit == "years" else amount
    if unit not in ("months", "years"):
        raise ServiceError("invalid_duration_unit", _("A list duration must be a calendar length."))
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _snapshot(entry: ListEntry) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "definition": entry.definition.code,
        "subject": entry.subject_id,
        "state": entry.state,
        "notice_number": entry.notice_number,
        "notice_served_on": iso(entry.notice_served_on),
        "objection_window_end": iso(entry.objection_window_end),
        "objection_window_provisional": entry.objection_window_provisional,
        "decision": entry.decision,
        "decided_on": iso(entry.decided_on),
        "listed_from": iso(entry.listed_from),
        "expires_on": iso(entry.expires_on),
        "court_term_end": iso(entry.court_term_end),
        "court_term_open": entry.court_term_open,
        "published_at": iso(entry.published_at),
        "removed_on": iso(entry.removed_on),
        "removal_reason": entry.removal_reason,
        "rule_version": entry.rule_version,
    }


def _record_step(
    entry: ListEntry, *, action: EntryAction, event_type: AuditEventType, on: dt.date, actor, articles: list[str],
    basis: dict, note: str = "", before: dict | None, details: dict | None = None,
) -> None:
    """Save the entry's decision basis, append the timeline step and write the audit record (one each)."""
    entry.rule_version = basis["rule_version"]
    entry.articles = sorted(set(articles))
    entry.basis_parameters = basis["parameters"]
    entry.save()
    ListEntryEvent.objects.create(
        entry=entry, action=action, state_after=entry.state, at=timezone.now(), on=on,
        actor=actor if getattr(actor, "pk", None) else None, actor_label=getattr(actor, "username", "") or "",
        note=note, articles=entry.articles, rule_version=basis["rule_version"], parameters=basis["parameters"],
    )
    audit_record(
        event_type, actor=actor, target=entry, target_label=f"{entry.number} {entry.subject.name}",
        articles=articles,
        details={"list": entry.definition.code, "on": on.isoformat(), **basis, **(details or {})},
        changes=[Change("lists.listentry", str(entry.pk), "create" if before is None else "update", before,
                        _snapshot(entry))],
    )


def _locked(entry: ListEntry) -> ListEntry:
    return ListEntry.objects.select_for_update().select_related("definition", "subject").get(pk=entry.pk)


def _wrong_state(entry: ListEntry) -> ServiceError:
    return ServiceError(
        "invalid_state",
        _("This step is not possible while the entry is “%(state)s”.") % {"state": entry.get_state_display()},
        field="state",
    )


def _duration_rule(definition: ListDefinition) -> tuple[str, ...]:
    """The registry parameter a listing's term follows: none on a list whose term the court decides."""
    return () if definition.term_set_by_court else (definition.duration_parameter,)


@dataclass(frozen=True)
class CourtTerm:
    """The term a court decided for one entry (法释〔2017〕7号第二条): its last day, or no fixed term."""

    end: dt.date | None
    open_ended: bool

    @property
    def expires_on(self) -> dt.date | None:
        """The first day off the list (exclusive end), None while the term has no fixed end."""
        return None if self.open_ended else self.end + dt.timedelta(days=1)

    def as_parameters(self) -> dict:
        """How a decision records the court's term beside the registry parameters it used."""
        return {"court_term_end": self.end.isoformat() if self.end else None, "court_term_open": self.open_ended}


def _court_term(definition: ListDefinition, *, end: dt.date | None, open_ended: bool, listed_from: dt.date
                ) -> CourtTerm | None:
    """The court's term given with a listing decision, checked; None for lists whose term is a rule of ours.

    A listing on the court's list without the court's term is refused: the platform never assumes one."""
    if not definition.term_set_by_court:
        if end is not None or open_ended:
            raise ServiceError(
                "court_term_not_applicable",
                _("Only the list of dishonest judgment debtors takes its term from the court; this list's term "
                  "follows its duration rule."),
                field="court_term_end",
            )
        return None
    if end is None and not open_ended:
        raise ServiceError(
            "court_term_required",
            _("A listing on the list of dishonest judgment debtors needs the term the court decided: fill in "
              "“Court's term ends on”, or choose “No fixed term”."),
            field="court_term_end",
        )
    if end is not None and open_ended:
        raise ServiceError(
            "court_term_conflict",
            _("Give either the day the court's term ends or “No fixed term”, not both."),
            field="court_term_open",
        )
    if end is not None and end < listed_from:
        raise ServiceError(
            "court_term_before_listing",
            _("The court's term ends on %(end)s, before the listing date %(day)s.")
            % {"end": end.isoformat(), "day": listed_from.isoformat()},
            field="court_term_end",
        )
    return CourtTerm(end, open_ended)


def _articles_for(definition: ListDefinition, *extra: str) -> list[str]:
    base = ["Art 22", "Art 23"] if definition.kind == ListKind.HONOR else ["Art 22", "Art 24"]
    return [*base, *extra]


# --- the procedure ----------------------------------------------------------------------------------------


def list_entry_propose(
    *, definition: ListDefinition, subject: Subject, reasons: str, basis: str = "",
    records: Iterable[CreditRecord] = (), actor=None, on: dt.date | None = None,
) -> ListEntry:
    """Open the procedure: a proposal to list `subject` on `definition`, with facts, reasons and the records it
    cites (Art 22, 24). Refused while the subject already has an open entry on the same list."""
    _require_manager(actor, definition)
    reasons = _required_text(reasons, "reasons")
    day = _act_date(on)
    if subject.status in (SubjectStatus.DECEASED, SubjectStatus.MERGED):
        raise ServiceError(
            "subject_not_active", _("A deceased person or a merged organization cannot be listed."), field="subject"
        )
    records = list(records)
    if any(r.subject_id != subject.pk for r in records):
        raise ServiceError("record_of_another_subject", _("A cited record belongs to another subject."),
                           field="records")
    with transaction.atomic():
        # Lock the subject so two proposals for it cannot both pass the check below.
        Subject.objects.select_for_update().filter(pk=subject.pk).first()
        if ListEntry.objects.filter(definition=definition, subject=subject, state__in=OPEN_STATES).exists():
            raise ServiceError(
                "already_on_list", _("The subject already has an open entry on this list."), field="subject"
            )
        entry = ListEntry.objects.create(
            definition=definition, subject=subject, reasons=reasons,
            basis=(basis or "").strip() or definition.legal_basis, proposed_at=timezone.now(), proposed_on=day,
            proposed_by=actor if getattr(actor, "pk", None) else None,
            organization=getattr(actor, "organization", None),
        )
        if records:
            entry.cited_records.set(records)
        _record_step(
            entry, action=EntryAction.PROPOSED, event_type=AuditEventType.LIST_ENTRY_PROPOSED, on=day, actor=actor,
            articles=_articles_for(definition), basis=decision_basis(on=day), before=None,
            details={"records": [r.pk for r in records]},
        )
    return entry


def list_entry_notify(*, entry: ListEntry, served_on: dt.date | None = None, actor=None) -> ListEntry:
    """Serve the written prior notice (Art 24): basis, reasons, measures, remedies, conditions for lifting and
    the objection window, `lists.notice_objection_window` working days from the day it is served (Art 28).

    The PDF is rendered before the transaction (it takes a while, and the audit chain must not wait for it)
    and kept with the entry with its SM3 digest; the subject reads it in its account."""
    definition = entry.definition
    _require_manager(actor, definition)
    if entry.state != EntryState.PROPOSED:
        raise _wrong_state(entry)
    day = _act_date(served_on, not_before=entry.proposed_on, field="served_on")
    window = parameter(OBJECTION_WINDOW, day)
    window_end = deadline(day, int(window.value))  # provisional past the loaded years: never blocks the notice
    duration = None if definition.term_set_by_court else parameter(definition.duration_parameter, day)
    number = f"承信告〔{day.year}〕{entry.pk}号"
    content = notice_content(
        entry, number=number, served_on=day, window_days=int(window.value), window_end=window_end.day,
        window_provisional=window_end.provisional,
        duration_months=int(duration.value) if duration is not None and duration.unit == "months" else None,
    )
    pdf = render_notice_pdf(content)
    with transaction.atomic():
        locked = _locked(entry)
        if locked.state != EntryState.PROPOSED:
            raise _wrong_state(locked)
        before = _snapshot(locked)
        locked.state = EntryState.NOTIFIED
        locked.notice_number = number
        locked.notice_served_on = day
        locked.objection_window_days = int(window.value)
        locked.objection_window_end = window_end.day
        locked.objection_window_provisional = window_end.provisional
        locked.notice_pdf = pdf
        locked.notice_digest = get_provider().sm3(pdf).hex()
        _record_step(
            locked, action=EntryAction.NOTIFIED, event_type=AuditEventType.LIST_ENTRY_NOTIFIED, on=day,
            actor=actor, articles=_articles_for(definition, "Art 24", "Art 28"),
            basis=decision_basis(OBJECTION_WINDOW, *_duration_rule(definition), on=day), before=before,
            note=number,
            details={"notice_digest": locked.notice_digest, "window_end": window_end.day.isoformat(),
                     "window_provisional": window_end.provisional,
                     "window_unloaded_years": list(window_end.unloaded_years)},
        )
        listing_notice_send(entry=locked, actor=actor)  # the subject's inbox (Art 24)
    return locked


def _related_persons_on(organization: Subject, day: dt.date) -> list[SubjectRelation]:
    """The organization's legal representative, principal and actual controller on `day` (Art 24): links
    that started on or before the day and had not ended by it (an end date is the first day out of the role)."""
    return list(
        SubjectRelation.objects.select_related("person")
        .filter(organization=organization, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("role", "valid_from", "id")
    )


def list_entry_decide(
    *, entry: ListEntry, decision: Decision | str, reasons: str, statements: str = "", actor=None,
    on: dt.date | None = None, court_term_end: dt.date | None = None, court_term_open: bool = False,
) -> ListEntry:
    """Decide to list or not to list (Art 24), after the objection window has ended.

    A listing runs from the decision date for the list's duration rule in force that day; on the courts' list
    it runs until the court's `court_term_end` (inclusive) or, with `court_term_open`, without a fixed end
    (法释〔2017〕7号第二条), and a listing without either is refused. For an organization
    on a list that records related persons, its legal representative, principal responsible person and actual
    controller on the decision date are copied from `SubjectRelation` onto the entry (Art 24)."""
    definition = entry.definition
    _require_manager(actor, definition)
    try:
        decision = Decision(decision)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown decision."), field="decision") from None
    reasons = _required_text(reasons, "reasons")
    with transaction.atomic():
        locked = _locked(entry)
        if locked.state == EntryState.PROPOSED and definition.requires_prior_notice:
            raise ServiceError(
                "notice_required", _("The subject must receive the written prior notice first (Art 24)."),
                field="state",
            )
        if locked.state not in (EntryState.PROPOSED, EntryState.NOTIFIED):
            raise _wrong_state(locked)
        day = _act_date(on, not_before=locked.notice_served_on or locked.proposed_on)
        if locked.objection_window_end is not None and day <= locked.objection_window_end:
            raise ServiceError(
                "objection_window_open",
                _("The objection window runs until %(day)s; no decision may be taken before it ends.")
                % {"day": locked.objection_window_end.isoformat()},
                field="on",
            )
        before = _snapshot(locked)
        locked.decision = decision
        locked.decided_on = day
        locked.decision_reasons = reasons
        locked.statements = (statements or "").strip()
        locked.decided_by = actor if getattr(actor, "pk", None) else None
        names = list(_duration_rule(definition))
        persons = []
        term = None
        if decision == Decision.LISTED:
            term = _court_term(definition, end=court_term_end, open_ended=bool(court_term_open), listed_from=day)
            locked.state = EntryState.LISTED
            locked.listed_from = day
            if term is not None:
                locked.court_term_end, locked.court_term_open = term.end, term.open_ended
                locked.expires_on = term.expires_on
            else:
                duration = parameter(definition.duration_parameter, day)
                locked.expires_on = add_period(day, int(duration.value), duration.unit)
            if definition.records_related_persons and not locked.subject.is_person:
                persons = _related_persons_on(locked.subject, day)
        else:
            locked.state = EntryState.NOT_LISTED
        if locked.objection_window_days is not None:
            names.insert(0, OBJECTION_WINDOW)
        basis = decision_basis(*names, on=day)
        if locked.objection_window_days is not None:
            # The window that bound this decision is the one computed when the notice was served.
            basis["parameters"][OBJECTION_WINDOW] = locked.objection_window_days
        if term is not None:
            basis["parameters"].update(term.as_parameters())
        ListEntryPerson.objects.bulk_create(
            ListEntryPerson(
                entry=locked, person=r.person, role=r.role, name=r.person.name,
                identifier_masked=r.person.identifier_masked, relation=r, relation_from=r.valid_from,
            )
            for r in persons
        )
        _record_step(
            locked, action=EntryAction.DECIDED, event_type=AuditEventType.LIST_ENTRY_DECIDED, on=day, actor=actor,
            articles=_articles_for(definition), basis=basis, before=before, note=reasons,
            details={"decision": decision, "related_persons": [{"role": r.role, "person": r.person_id} for r in persons],
                     # Never blocked, but on the record: the window had not been recomputed yet (domain facts §11).
                     "window_provisional": locked.objection_window_provisional},
        )
    return locked


def list_entry_extend(
    *, entry: ListEntry, note: str, court_term_end: dt.date | None = None, court_term_open: bool = False,
    actor=None, on: dt.date | None = None,
) -> ListEntry:
    """Record the court's extension of a term on its list (法释〔2017〕7号第二条: by one to three years for
    aggravating conduct; the extension is the court's decision, `note` names it): a later last day, or no fixed
    term from now on. Only while the entry is in force: once the term has ended, the court lists anew."""
    definition = entry.definition
    _require_manager(actor, definition)
    note = (note or "").strip()
    if not definition.term_set_by_court:
        raise ServiceError("court_term_not_applicable",
                           _("Only the list of dishonest judgment debtors takes its term from the court; this list's "
                             "term follows its duration rule."), field="court_term_end")
    if not note:
        raise ServiceError("required", _("Name the court's decision that extends the term."), field="note")
    with transaction.atomic():
        locked = _locked(entry)
        if locked.state not in (EntryState.LISTED, EntryState.PUBLISHED):
            raise _wrong_state(locked)
        if locked.court_term_open:
            raise ServiceError("no_fixed_term", _("The entry has no fixed term: there is nothing to extend."),
                               field="court_term_end")
        day = _act_date(on, not_before=locked.decided_on)
        # The real date: an extension recorded after the term ended would re-list silently.
        if locked.expires_on is not None and timezone.localdate() >= locked.expires_on:
            raise ServiceError("expired", _("The listing period has already ended."), field="on")
        term = _court_term(definition, end=court_term_end, open_ended=bool(court_term_open),
                           listed_from=locked.listed_from)
        if term.end is not None and locked.court_term_end is not None and term.end <= locked.court_term_end:
            raise ServiceError(
                "not_an_extension",
                _("The new last day %(end)s is not after the current one, %(current)s.")
                % {"end": term.end.isoformat(), "current": locked.court_term_end.isoformat()},
                field="court_term_end",
            )
        before = _snapshot(locked)
        previous = {"previous_court_term_end": locked.court_term_end.isoformat() if locked.court_term_end else None,
                    "previous_expires_on": locked.expires_on.isoformat() if locked.expires_on else None}
        locked.court_term_end, locked.court_term_open = term.end, term.open_ended
        locked.expires_on = term.expires_on
        basis = decision_basis(on=day)
        basis["parameters"].update({**term.as_parameters(), **previous})
        _record_step(
            locked, action=EntryAction.EXTENDED, event_type=AuditEventType.LIST_ENTRY_DECIDED, on=day, actor=actor,
            articles=_articles_for(definition), basis=basis, before=before, note=note,
            details={"extension": True},
        )
    return locked


def list_entry_publish(*, entry: ListEntry, actor=None, on: dt.date | None = None) -> ListEntry:
    """Publish a listing on the portal (Art 22: 向社会公布). From now on it triggers the list's measures."""
    definition = entry.definition
    _require_manager(actor, definition)
    with transaction.atomic():
        locked = _locked(entry)
        if locked.state != EntryState.LISTED:
            raise _wrong_state(locked)
        day = _act_date(on, not_before=locked.decided_on)
        if locked.expires_on is not None and locked.expires_on <= day:
            raise ServiceError("expired", _("The listing period has already ended."), field="on")
        before = _snapshot(locked)
        locked.state = EntryState.PUBLISHED
        locked.published_at = timezone.now()
        _record_step(
            locked, action=EntryAction.PUBLISHED, event_type=AuditEventType.LIST_ENTRY_PUBLISHED, on=day,
            actor=actor, articles=_articles_for(definition), basis=decision_basis(on=day), before=before,
        )
        listing_notice_send(entry=locked, actor=actor)  # the subject's inbox (Art 22)
    return locked


_REMOVAL_ARTICLES = {
    RemovalReason.EXPIRY: ["Art 22", "Art 24"],
    RemovalReason.REPAIR: ["Art 22", "Art 31"],
    RemovalReason.REVOCATION: ["Art 22", "Art 24", "Art 30"],
    RemovalReason.COURT: ["Art 22"],
}


def list_entry_remove(
    *, entry: ListEntry, reason: RemovalReason | str, note: str = "", actor=None, on: dt.date | None = None,
) -> ListEntry:
    """Remove an entry from its list and publish the removal (Art 22, 24): on expiry (not before the end of the
    listing period), on credit repair (Art 31: no longer a target of joint punishment; dishonesty lists only),
    on revocation (basis revoked or listed in error, Art 30), or, on the courts' list, on the court's deletion
    (法释〔2017〕7号第十条: performed, enforcement ended, decision revoked) — the only way an entry without a fixed
    term leaves. Every removal but expiry needs a note saying why."""
    definition = entry.definition
    _require_manager(actor, definition)
    try:
        reason = RemovalReason(reason)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown removal reason."), field="reason") from None
    note = (note or "").strip()
    if reason != RemovalReason.EXPIRY and not note:
        raise ServiceError("required", _("Say why the entry is removed."), field="note")
    if reason == RemovalReason.REPAIR and definition.kind == ListKind.HONOR:
        raise ServiceError("repair_not_applicable", _("Credit repair applies to dishonesty lists only."),
                           field="reason")
    if reason == RemovalReason.REPAIR and definition.term_set_by_court:
        raise ServiceError(
            "repair_not_applicable",
            _("The court deletes entries from the list of dishonest judgment debtors; credit repair does not apply."),
            field="reason",
        )
    if reason == RemovalReason.COURT and not definition.term_set_by_court:
        raise ServiceError("court_removal_not_applicable", _("Only entries of the courts' list are removed by the court."),
                           field="reason")
    with transaction.atomic():
        locked = _locked(entry)
        if locked.state not in (EntryState.LISTED, EntryState.PUBLISHED):
            raise _wrong_state(locked)
        day = _act_date(on, not_before=locked.decided_on)
        if reason == RemovalReason.EXPIRY and locked.expires_on is None and locked.court_term_open:
            raise ServiceError(
                "no_fixed_term",
                _("The court set no fixed term: the entry stays until the court removes it."), field="reason",
            )
        if reason == RemovalReason.EXPIRY and (locked.expires_on is None or day < locked.expires_on):
            raise ServiceError("not_expired", _("The listing period has not ended yet."), field="reason")
        before = _snapshot(locked)
        locked.state = EntryState.REMOVED
        locked.removed_on = locked.expires_on if reason == RemovalReason.EXPIRY else day
        locked.removal_reason = reason
        locked.removal_note = note
        locked.removal_published_at = timezone.now()
        _record_step(
            locked, action=EntryAction.REMOVED, event_type=AuditEventType.LIST_ENTRY_REMOVED, on=day, actor=actor,
            articles=_REMOVAL_ARTICLES[reason], basis=decision_basis(on=day), before=before, note=note,
            details={"reason": reason},
        )
        listing_notice_send(entry=locked, actor=actor)  # the subject's inbox (Art 22, 24)
    return locked


@dataclass(frozen=True)
class ExpiryResult:
    on: dt.date
    removed: int
    entry_ids: list[int]


def list_entries_expire(*, on: dt.date | None = None, actor=None) -> ExpiryResult:
    """The daily job (`xinyong lists expire`): remove every listing whose period has ended by `on` and publish
    the removals (Art 22, 24). Set-based, with ONE audit record for the run naming the count.

    An expired entry already stopped triggering measures on its end date (`selectors.active_entry_q`); this
    records the removal."""
    day = _act_date(on)
    with transaction.atomic():
        entries = list(
            ListEntry.objects.select_for_update()
            .filter(state__in=(EntryState.LISTED, EntryState.PUBLISHED), expires_on__lte=day)
            .order_by("id")
        )
        if not entries:
            return ExpiryResult(day, 0, [])
        now = timezone.now()
        basis = decision_basis(on=day)
        articles = sorted(_REMOVAL_ARTICLES[RemovalReason.EXPIRY])
        for entry in entries:
            entry.state = EntryState.REMOVED
            entry.removed_on = entry.expires_on
            entry.removal_reason = RemovalReason.EXPIRY
            entry.removal_published_at = now
            entry.rule_version = basis["rule_version"]
            entry.articles = articles
            entry.basis_parameters = basis["parameters"]
            entry.updated_at = now  # bulk_update does not apply auto_now
        ListEntry.objects.bulk_update(
            entries,
            ["state", "removed_on", "removal_reason", "removal_published_at", "rule_version", "articles",
             "basis_parameters", "updated_at"],
            batch_size=1000,
        )
        label = getattr(actor, "username", "") or ""
        ListEntryEvent.objects.bulk_create(
            (
                ListEntryEvent(
                    entry=e, action=EntryAction.REMOVED, state_after=EntryState.REMOVED, at=now, on=day,
                    actor=actor if getattr(actor, "pk", None) else None, actor_label=label,
                    note=str(RemovalReason.EXPIRY.label), articles=articles, rule_version=basis["rule_version"],
                    parameters=basis["parameters"],
                )
                for e in entries
            ),
            batch_size=1000,
        )
        ids = [e.pk for e in entries]
        audit_record(
            AuditEventType.LIST_ENTRIES_EXPIRED, actor=actor, target_label="名单期满移出", articles=articles,
            details={"on": day.isoformat(), "removed": len(ids), "entries": ids[:EXPIRY_IDS_IN_AUDIT], **basis},
        )
    return ExpiryResult(day, len(ids), ids)


# --- provisional objection windows (domain facts §11) -------------------------------------------------------

RECOUNT_KEY = "lists.objection_window"
RECOUNT_LABEL = "列入名单事先告知的陈述申辩期限"


def entries_recompute_provisional_windows(*, calendar: WorkdayCalendar, on: dt.date, **_ignored) -> ProvisionalRecount:
    """Recompute the provisional objection windows with `calendar` (the calendar service calls this, through
    `provisional_deadlines_recompute`, inside its transaction; Art 24, 28).

    Set-based: one computation and one UPDATE per group of entries served on the same day with the same window.
    The subject keeps at least the window its notice stated: the recomputed end is the later of the recount
    and the served end. An entry whose window moves gets a WINDOW_SET step on its timeline; the notice is not
    served again (the subject's page shows the new end).
    """
    rows = list(
        ListEntry.objects.select_for_update()
        .filter(objection_window_provisional=True)
        .order_by("id")
        .values_list("id", "state", "notice_served_on", "objection_window_days", "objection_window_end")
    )
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for pk, state, served_on, days, end in rows:
        groups.setdefault((served_on, days, end), []).append((pk, state))
    final: list[int] = []
    moved: list[int] = []
    still = 0
    changes = []
    events = []
    now = timezone.now()
    version = decision_basis(on=on)["rule_version"]
    for (served_on, days, end), members in sorted(groups.items()):
        ids = [pk for pk, _state in members]
        recount = calendar.deadline(served_on, int(days))
        new_end = max(recount.day, end)
        if recount.provisional:
            still += len(ids)
            if new_end == end:
                continue  # still provisional, same day: nothing to write
        else:
            final += ids
        if new_end != end:
            moved += ids
        ListEntry.objects.filter(pk__in=ids).update(
            objection_window_end=new_end, objection_window_provisional=recount.provisional, updated_at=now
        )
        changes.append({"from": end.isoformat(), "to": new_end.isoformat(), "provisional": recount.provisional,
                        "served_on": served_on.isoformat(), "window_days": days, "ids": ids})
        note = (f"节假日安排录入后重新计算陈述申辩期限：至{new_end.isoformat()}"
                + ("（仍为暂定）" if recount.provisional else "")
                + ("。" if new_end == recount.day else "（不早于告知书载明的期限）。"))
        events += [
            ListEntryEvent(entry_id=pk, action=EntryAction.WINDOW_SET, state_after=state, at=now, on=on,
                           actor_label="工作日历", note=note, articles=["Art 24", "Art 28"], rule_version=version,
                           parameters={OBJECTION_WINDOW: days})
            for pk, state in members
        ]
    ListEntryEvent.objects.bulk_create(events)
    return ProvisionalRecount(
        key=RECOUNT_KEY, label=RECOUNT_LABEL, checked=len(rows), final=tuple(sorted(final)),
        moved=tuple(sorted(moved)), still_provisional=still, changes=tuple(changes),
    )
