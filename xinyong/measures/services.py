"""Measures, credit checks and measure cases (Art 22–26, 33).

* `measure_save` — a measure enters the catalog only with its legal basis; a punishment only on law,
  regulation or national rules (Art 24: nothing beyond them). Audit: MEASURE_SAVED.
* `check_subjects` — 信用核查 of one subject or a batch of up to 10,000 before a decision in a scenario:
  per identifier, the measures that apply with their basis and the list entries that trigger them. Only
  active entries trigger (published, inside their period; never expired, repaired, revoked or unpublished
  ones). Set-based: see `xinyong.measures.selectors`. Every check writes one `CheckLog` row with its counts,
  opens one `MeasureCase` per subject and measure hit, and writes ONE audit record (SUBJECTS_CHECKED),
  whatever the batch size.
* `case_feedback` — the implementing department reports the measure applied, or why not (闭环).
  Audit: MEASURE_CASE_FEEDBACK.
* `cases_set_deadlines` — the daily job recomputes provisional feedback deadlines (and fills in missing
  ones). A deadline that runs into a year whose holiday schedule is not loaded is counted on weekends alone
  and marked provisional (domain facts §11); the calendar services recompute it as soon as the year is
  loaded (`cases_recompute_provisional_feedback`), so the daily job is only the safety net.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.models import Organization
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.core.crypto import blind_index, get_provider, load_keyring
from xinyong.core.crypto.keys import PURPOSE_INDEX
from xinyong.core.errors import NotFoundOrForbidden, PermissionDenied, ServiceError, bilingual
from xinyong.core.identifiers import IdentifierType, normalize, validate
from xinyong.core.masking import mask_identifier, mask_name
from xinyong.core.workdays import Deadline, ProvisionalRecount, WorkdayCalendar, current_calendar, deadline
from xinyong.disclosure import ratelimit
from xinyong.lists.choices import ListKind
from xinyong.lists.models import ListDefinition
from xinyong.measures.choices import (
    PUNISHMENT_BASIS_LEVELS,
    BasisLevel,
    CheckChannel,
    CheckStatus,
    MeasureCaseStatus,
    MeasureKind,
    Scenario,
)
from xinyong.measures.models import CheckLog, Measure, MeasureCase
from xinyong.measures.seed import measure_snapshot
from xinyong.measures.selectors import (
    EntryRow,
    MeasureRow,
    active_entries_of,
    measure_catalog,
    related_person_entries_of,
    subjects_by_index,
)
from xinyong.regulation.parameters import decision_basis, parameter, rule_version
from xinyong.subjects.choices import SubjectKind

IMPLEMENTS = (
    "Art 22",
    "Art 23: measure_save, check_subjects",
    "Art 24: measure_save, check_subjects",
    "Art 25: measure_save, check_subjects",
    "Art 33: case_feedback",
)

FEEDBACK_DEADLINE = "lists.measure_feedback_deadline"
MAX_CHECK_SUBJECTS = 10_000

# Aliases departments' files use for the citizen ID beside those `IdentifierType.parse` knows.
_TYPE_ALIASES = {"身份证": IdentifierType.CITIZEN_ID, "身份证号": IdentifierType.CITIZEN_ID,
                 "身份证号码": IdentifierType.CITIZEN_ID, "CITIZEN_ID": IdentifierType.CITIZEN_ID}


# --- the measure catalog (Art 22, 24) -----------------------------------------------------------------------


def measure_save(
    *, code: str, kind: MeasureKind | str, name: str, content: str, basis_level: BasisLevel | str,
    legal_basis: str, implementing_bodies_note: str, scenarios: Iterable[str],
    triggering_lists: Iterable[ListDefinition], implementing_bodies: Iterable[Organization] = (),
    applies_to_related_persons: bool = False, proportionality_notes: str = "", is_active: bool = True,
    actor=None,
) -> Measure:
    """Create or update (by code) a measure. Refused without a legal basis, and for a punishment whose basis
    ranks below national rules (Art 24: no punishment beyond law, regulation or national rules; rewards may
    rest on provincial or city rules, Art 23 (5))."""
    if actor is not None and not has_permission(actor, Permission.MANAGE_MEASURES):
        raise PermissionDenied()
    legal_basis = (legal_basis or "").strip()
    if not legal_basis:
        raise ServiceError(
            "legal_basis_required",
            _("A measure needs its legal basis: the law, regulation or national rule and article (Art 24)."),
            field="legal_basis",
        )
    try:
        kind = MeasureKind(kind)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown measure kind."), field="kind") from None
    try:
        basis_level = BasisLevel(basis_level)
    except ValueError:
        raise ServiceError(
            "legal_basis_required", _("Say what rank of text the measure rests on."), field="basis_level"
        ) from None
    if kind == MeasureKind.PUNISHMENT and basis_level not in PUNISHMENT_BASIS_LEVELS:
        raise ServiceError(
            "basis_rank_too_low",
            _("A punishment may rest only on a law, a regulation or national rules (Art 24)."),
            field="basis_level",
        )
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name or not (content or "").strip() or not (implementing_bodies_note or "").strip():
        raise ServiceError("required", _("Code, name, content and implementing bodies are required."),
                           field="name" if code else "code")
    scenarios = list(dict.fromkeys(str(s) for s in scenarios))
    if not scenarios or any(s not in Scenario.values for s in scenarios):
        raise ServiceError("invalid_scenario", _("Choose at least one known scenario."), field="scenarios")
    triggering_lists = list(triggering_lists)
    if not triggering_lists:
        raise ServiceError("required", _("Name the lists that trigger the measure."), field="triggering_lists")
    rewards_only = {ListKind.HONOR}
    for definition in triggering_lists:
        if (kind == MeasureKind.REWARD) != (definition.kind in rewards_only):
            raise ServiceError(
                "list_kind_mismatch",
                _("Rewards are triggered by honor lists, punishments by dishonesty lists."),
                field="triggering_lists",
            )
    with transaction.atomic():
        measure = Measure.objects.select_for_update().filter(code=code).first()
        before = measure_snapshot(measure) if measure is not None else None
        measure = measure or Measure(code=code)
        measure.kind, measure.name, measure.content = kind, name, content.strip()
        measure.basis_level, measure.legal_basis = basis_level, legal_basis
        measure.implementing_bodies_note = implementing_bodies_note.strip()
        measure.scenarios = scenarios
        measure.applies_to_related_persons = bool(applies_to_related_persons)
        measure.proportionality_notes = (proportionality_notes or "").strip()
        measure.is_active = bool(is_active)
        measure.full_clean(exclude=["triggering_lists", "implementing_bodies"])
        measure.save()
        measure.triggering_lists.set(triggering_lists)
        measure.implementing_bodies.set(list(implementing_bodies))
        audit_record(
            AuditEventType.MEASURE_SAVED, actor=actor, target=measure, target_label=measure.name,
            articles=["Art 22", "Art 23" if kind == MeasureKind.REWARD else "Art 25", "Art 24"],
            details={"code": code, "basis_level": basis_level},
            changes=[Change("measures.measure", str(measure.pk), "create" if before is None else "update", before,
                            measure_snapshot(measure))],
        )
    return measure


# --- the credit check (信用核查) --------------------------------------------------------------------------------


@dataclass(slots=True)
class TriggeringEntry:
    entry_id: int
    number: str
    list_code: str
    list_name: str
    listed_from: dt.date
    expires_on: dt.date | None
    via_role: str = ""  # a related person's role on a listed organization's entry (Art 24)
    organization_name: str = ""
    under_objection: bool = False  # 异议中 (Art 28): the entry is being checked after an objection
    under_repair: bool = False  # 信用修复中 (Art 31)


@dataclass(slots=True)
class MeasureHit:
    measure_id: int
    code: str
    name: str
    kind: str
    basis_level: str
    legal_basis: str
    implementing_bodies: str
    proportionality_notes: str
    entries: tuple[TriggeringEntry, ...]
    case_id: int | None = None


@dataclass(slots=True)
class SubjectCheck:
    """The answer for one identifier. A "clear" answer does not say whether the subject is registered.

    The result classes use slots rather than frozen instances: a batch builds ten thousand of them, and a
    frozen dataclass pays an `object.__setattr__` per field."""

    row: int
    identifier_type: str
    identifier: str  # masked
    status: str
    name: str = ""
    subject_id: int | None = None
    error_code: str = ""
    error: str = ""
    measures: tuple[MeasureHit, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    check_id: int
    scenario: str
    on: dt.date
    rule_version: str
    requested: int
    invalid: int
    subjects_hit: int
    hits: int
    cases_opened: int
    results: list[SubjectCheck]


def parse_identifier_type(token) -> IdentifierType | None:
    """The identifier type a department names, by code ("uscc", "id"), national code ("10") or Chinese label."""
    text = normalize(str(token or ""))
    if text in _TYPE_ALIASES:
        return _TYPE_ALIASES[text]
    try:
        return IdentifierType.parse(text)
    except ValueError:
        return None


def canonical_identifier(kind: IdentifierType, value) -> str:
    """The identifier as `validate` normalizes it (and as it is stored and indexed): NFKC, no whitespace,
    upper case, and without the brackets of older HK/Macau and Taiwan permits."""
    text = normalize(value)
    if kind in (IdentifierType.HK_MACAU, IdentifierType.TAIWAN):
        text = text.replace("(", "").replace(")", "")
    return text


def _blind_indexer(keyring):
    """`blind_index` for a whole batch: the provider and the active index key are looked up once instead of
    for every identifier. The short form is used only when it gives the same index as `blind_index` for a probe,
    so a change of the index's input in `xinyong.core.crypto` falls back to it instead of silently missing."""
    provider = get_provider()
    key = keyring.active(PURPOSE_INDEX).material

    def fast(kind: str, value: str) -> str:
        return provider.hmac_sm3(key, f"{kind}\x1f{value}".encode()).hex()

    probe = (IdentifierType.USCC.value, "91130802MA0000000X")
    if fast(*probe) == blind_index(*probe, keyring=keyring):
        return fast
    return lambda kind, value: blind_index(kind, value, keyring=keyring)


def subject_display_name(kind: str, name: str) -> str:
    """A subject's name for display: a natural person's masked (Art 19)."""
    return mask_name(name) if kind == SubjectKind.NATURAL_PERSON else name


def _feedback_due(day: dt.date) -> Deadline:
    # Provisional (weekends alone) where the calendar does not reach: the check is never held up.
    return deadline(day, int(parameter(FEEDBACK_DEADLINE, day).value))


def _check_articles(catalog_kinds: set[str], scenario: str) -> list[str]:
    articles = ["Art 21", "Art 22", "Art 24"]
    if MeasureKind.REWARD in catalog_kinds:
        articles.append("Art 23")
    if MeasureKind.PUNISHMENT in catalog_kinds:
        articles.append("Art 25")
    if scenario == Scenario.FINANCING:
        articles.append("Art 26")
    return articles


def _take_daily_identifiers(organization, amount: int) -> None:
    """Count the identifiers against the organization's day (`checks.daily_identifier_limit`, Art 15, 32) before
    any subject is looked up; a check that would pass the limit is refused whole (429) and counts nothing."""
    verdict = ratelimit.rate_limit_take(ratelimit.organization_key(ratelimit.CHECK_IDENTIFIERS, organization),
                                        ratelimit.CHECK_IDENTIFIERS, amount)
    if not verdict.allowed:
        used = verdict.count - amount
        raise ratelimit.RateLimited(verdict, bilingual(
            f"本单位今日已核查{used}个主体，本次{amount}个将超过每日{verdict.limit}个的上限，请于明日再核查",
            f"your organization has checked {used} subjects today; {amount} more would pass the daily limit of "
            f"{verdict.limit}. Check them tomorrow",
        ), field="identifiers")


def check_subjects(
    *, requester, scenario: Scenario | str, identifiers: Sequence[tuple[str, str]],
    channel: CheckChannel | str = CheckChannel.API, reference: str = "", file_name: str = "",
    file_digest: str = "", on: dt.date | None = None,
) -> CheckResult:
    """Check up to 10,000 subjects, given as (identifier type, identifier), in a scenario (Art 22–26).

    Steps, none of them per subject in the database: (1) canonicalize each identifier and compute its blind
    index; (2) resolve all subjects in bulk; (3) read the scenario's measures and the lists that trigger them;
    (4) read the active entries of all subjects (and, if a measure applies to related persons, the entries
    recording them, Art 24); (5) join in memory; (6) validate only the identifiers that matched no subject, to
    tell an invalid identifier from a clear one (a stored identifier was valid when registered); (7) write the
    `CheckLog`, the cases and one audit record in one transaction.
    """
    if not has_permission(requester, Permission.CHECK_SUBJECTS):
        raise PermissionDenied()
    organization = getattr(requester, "organization", None)
    if organization is None or not organization.is_active:
        raise PermissionDenied()
    try:
        scenario = Scenario(scenario)
        channel = CheckChannel(channel)
    except ValueError:
        raise ServiceError("invalid_scenario", _("Unknown scenario."), field="scenario") from None
    identifiers = list(identifiers)
    if not identifiers:
        raise ServiceError("required", _("Give at least one identifier to check."), field="identifiers")
    if len(identifiers) > MAX_CHECK_SUBJECTS:
        raise ServiceError(
            "too_many_subjects",
            bilingual(f"一次最多核查{MAX_CHECK_SUBJECTS}个主体", f"at most {MAX_CHECK_SUBJECTS} subjects per check"),
            field="identifiers",
        )
    _take_daily_identifiers(organization, len(identifiers))
    day = on or timezone.localdate()

    # (1) canonical identifiers and their blind indexes.
    index_of = _blind_indexer(load_keyring())
    # (type, canonical value, (type value, blind index)); a batch names its few types over and over.
    parsed: list[tuple[IdentifierType | None, str, tuple[str, str]]] = []
    types: dict[object, IdentifierType | None] = {}
    for raw_type, raw_value in identifiers:
        try:
            kind = types[raw_type]
        except KeyError:
            kind = types[raw_type] = parse_identifier_type(raw_type)
        except TypeError:  # an unhashable type token: never a valid one
            kind = None
        if kind is None:
            parsed.append((None, str(raw_value or ""), ("", "")))
            continue
        text = canonical_identifier(kind, raw_value)
        index = index_of(kind.value, text) if text else ""
        parsed.append((kind, text, (kind.value, index)))

    # (2) subjects, (3) measures, (4) active entries — set-based.
    subjects = subjects_by_index(key for _, _, key in parsed if key[1])
    catalog = measure_catalog(scenario)
    subject_ids = [row.id for row in subjects.values()]
    direct = active_entries_of(subject_ids, day, catalog.list_ids)
    person_ids = [row.id for row in subjects.values() if row.kind == SubjectKind.NATURAL_PERSON]
    related = related_person_entries_of(person_ids, day, catalog.related_list_ids)

    # (5) join in memory: per subject, measure → triggering entries (direct listing before related persons).
    def triggering(entry: EntryRow, role: str = "", org: str = "") -> TriggeringEntry:
        code, name = catalog.lists[entry.definition_id]
        return TriggeringEntry(entry.id, entry.number, code, name, entry.listed_from, entry.expires_on, role, org,
                               entry.under_objection, entry.under_repair)

    per_subject: dict[int, dict[int, tuple[MeasureRow, list[TriggeringEntry]]]] = {}
    for subject_id, entries in direct.items():
        hits = per_subject.setdefault(subject_id, {})
        for entry in entries:
            for measure in catalog.by_list.get(entry.definition_id, ()):
                hits.setdefault(measure.id, (measure, []))[1].append(triggering(entry))
    for person_id, rows in related.items():
        hits = per_subject.setdefault(person_id, {})
        for row in rows:
            for measure in catalog.by_list.get(row.entry.definition_id, ()):
                if measure.applies_to_related_persons:
                    hits.setdefault(measure.id, (measure, []))[1].append(
                        triggering(row.entry, row.role, row.organization_name)
                    )
    per_subject = {sid: hits for sid, hits in per_subject.items() if hits}

    # (7) the log, the cases (one per subject and measure) and one audit record.
    due = _feedback_due(day)
    now = timezone.now()
    basis = decision_basis(FEEDBACK_DEADLINE, on=day)
    hits_count = sum(len(h) for h in per_subject.values())
    # (6) validate only the identifiers that matched nobody.
    errors: dict[int, tuple[str, str]] = {}  # by position in the request
    rows_hit = 0
    for position, (kind, text, key) in enumerate(parsed):
        row = subjects.get(key)
        if row is not None:
            rows_hit += row.id in per_subject
        elif kind is None:
            errors[position] = ("invalid_identifier_type", str(_("Unknown identifier type.")))
        else:
            result = validate(kind, text, today=day)
            if not result.ok:
                errors[position] = (result.error.code.value,
                                    bilingual(result.error.message_zh, result.error.message_en))
    invalid_rows = len(errors)
    with transaction.atomic():
        log = CheckLog.objects.create(
            requester=requester, organization=organization, scenario=scenario, channel=channel,
            reference=(reference or "")[:200], requested_at=now, on=day, file_name=(file_name or "")[:200],
            file_digest=file_digest or "", subjects_requested=len(identifiers), subjects_invalid=invalid_rows,
            subjects_hit=rows_hit, hits=hits_count, cases_opened=hits_count,
            rule_version=basis["rule_version"],
        )
        cases = [
            (measure.id, subject_id, entries[0].entry_id, [e.entry_id for e in entries],
             "" if any(not e.via_role for e in entries) else entries[0].via_role)
            for subject_id, hits in per_subject.items()
            for measure, entries in hits.values()
        ]
        case_ids = _insert_cases(log, cases, organization=organization, scenario=scenario, day=day, due=due)
        audit_record(
            AuditEventType.SUBJECTS_CHECKED, actor=requester, organization=organization, target=log,
            target_label=f"{scenario.label} × {len(identifiers)}",
            articles=_check_articles(catalog.kinds, scenario),
            details={
                "check": log.pk, "scenario": scenario, "channel": channel, "on": day.isoformat(),
                "requested": len(identifiers), "invalid": invalid_rows, "subjects_hit": rows_hit,
                "hits": hits_count, "cases_opened": len(case_ids), "reference": log.reference,
                "file_digest": log.file_digest, "feedback_due": due.day.isoformat(),
                "feedback_due_provisional": due.provisional, **basis,
            },
        )

    hits_of: dict[int, tuple[MeasureHit, ...]] = {}  # a repeated subject gets the same answer
    for subject_id, hits in per_subject.items():
        hits_of[subject_id] = tuple(
            MeasureHit(
                m.id, m.code, m.name, m.kind, m.basis_level, m.legal_basis, m.implementing_bodies_note,
                m.proportionality_notes, tuple(entries), case_ids.get((subject_id, m.id)),
            )
            for m, entries in (hits.values() if len(hits) == 1 else
                               sorted(hits.values(), key=lambda h: (h[0].order, h[0].code)))
        )
    results = []
    for position, (kind, text, key) in enumerate(parsed):
        type_label = kind.value if kind is not None else ""
        error = errors.get(position)
        if error is not None:
            masked = mask_identifier(kind, text) if kind is not None else mask_identifier("", text)
            results.append(SubjectCheck(position + 1, type_label, masked, CheckStatus.INVALID, error_code=error[0],
                                        error=error[1]))
            continue
        found = subjects.get(key)
        if found is None or found.id not in per_subject:
            masked = found.identifier_masked if found is not None else mask_identifier(kind, text)
            results.append(SubjectCheck(position + 1, type_label, masked, CheckStatus.CLEAR))
            continue
        results.append(SubjectCheck(position + 1, type_label, found.identifier_masked, CheckStatus.HIT,
                                    name=subject_display_name(found.kind, found.name), subject_id=found.id,
                                    measures=hits_of[found.id]))
    return CheckResult(
        check_id=log.pk, scenario=scenario, on=day, rule_version=basis["rule_version"],
        requested=len(identifiers), invalid=invalid_rows, subjects_hit=rows_hit, hits=hits_count,
        cases_opened=len(case_ids), results=results,
    )


# Below this many cases one INSERT … RETURNING is quicker than drawing ids and starting a COPY.
_COPY_FROM = 200
_CASE_COLUMNS = (
    "check_log_id", "measure_id", "subject_id", "organization_id", "scenario", "entry_id", "entry_ids", "via_role",
    "status", "opened_on", "feedback_due", "feedback_due_provisional", "outcome_note", "feedback_late",
)


def _insert_cases(
    log: CheckLog, cases: list[tuple[int, int, int, list[int], str]], *, organization, scenario: str,
    day: dt.date, due: Deadline,
) -> dict[tuple[int, int], int]:
    """Insert the cases of a check, (measure, subject, entry, entry ids, via role) each, and return their ids by
    (subject, measure). A large batch on PostgreSQL: one COPY (a batch can open thousands of cases); otherwise
    bulk_create. On PostgreSQL the ids are drawn from the table's sequence first, so the COPY needs no
    second read."""
    if not cases:
        return {}
    if connection.vendor != "postgresql" or len(cases) < _COPY_FROM:
        objects = [
            MeasureCase(check_log=log, measure_id=m, subject_id=s, organization=organization, scenario=scenario,
                        entry_id=e, entry_ids=ids, via_role=role, opened_on=day, feedback_due=due.day,
                        feedback_due_provisional=due.provisional)
            for m, s, e, ids, role in cases
        ]
        MeasureCase.objects.bulk_create(objects, batch_size=500)
        return {(c.subject_id, c.measure_id): c.pk for c in objects}
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('measures_measurecase', 'id')) "
                       "FROM generate_series(1, %s)", [len(cases)])
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY measures_measurecase (id, {', '.join(_CASE_COLUMNS)}) FROM STDIN") as copy:
            for pk, (m, s, e, entry_ids, role) in zip(ids, cases, strict=True):
                copy.write_row((pk, log.pk, m, s, organization.pk, scenario, e, json.dumps(entry_ids), role,
                                MeasureCaseStatus.OPEN, day, due.day, due.provisional, "", False))
    return {(s, m): pk for pk, (m, s, *_) in zip(ids, cases, strict=True)}


# --- feedback (闭环) -----------------------------------------------------------------------------------------


def _case_snapshot(case: MeasureCase) -> dict:
    return {
        "status": case.status, "applied_on": case.applied_on.isoformat() if case.applied_on else None,
        "outcome_note": case.outcome_note, "feedback_late": case.feedback_late,
        "feedback_due": case.feedback_due.isoformat() if case.feedback_due else None,
        "feedback_due_provisional": case.feedback_due_provisional,
    }


def case_feedback(
    *, case: MeasureCase, applied: bool, note: str, applied_on: dt.date | None = None, actor,
) -> MeasureCase:
    """The implementing department reports that it applied the measure (and when), or why it did not (闭环,
    Art 22). Only the department the case belongs to may answer; any other gets the answer a missing case gets.
    Feedback after the deadline is recorded as late (Art 33)."""
    if not has_permission(actor, Permission.REPORT_FEEDBACK) or actor.organization_id != case.organization_id:
        raise NotFoundOrForbidden()
    note = (note or "").strip()
    if not note:
        raise ServiceError("required", _("Say what was done, or why the measure was not applied."), field="note")
    today = timezone.localdate()
    with transaction.atomic():
        locked = MeasureCase.objects.select_for_update().select_related("measure", "subject").get(pk=case.pk)
        if locked.status != MeasureCaseStatus.OPEN:
            raise ServiceError("already_reported", _("Feedback on this case has already been given."),
                               field="status")
        if applied:
            applied_on = applied_on or today
            if applied_on > today or applied_on < locked.opened_on:
                raise ServiceError("invalid_date", _("The measure was applied between the check and today."),
                                   field="applied_on")
        before = _case_snapshot(locked)
        locked.status = MeasureCaseStatus.APPLIED if applied else MeasureCaseStatus.NOT_APPLIED
        locked.applied_on = applied_on if applied else None
        locked.outcome_note = note
        locked.feedback_at = timezone.now()
        locked.feedback_by = actor
        locked.feedback_late = locked.feedback_due is not None and today > locked.feedback_due
        locked.save()
        audit_record(
            AuditEventType.MEASURE_CASE_FEEDBACK, actor=actor, target=locked,
            target_label=f"{locked.measure.name} / {subject_display_name(locked.subject.kind, locked.subject.name)}",
            articles=["Art 22", "Art 24", "Art 33"],
            details={"status": locked.status, "late": locked.feedback_late},
            changes=[Change("measures.measurecase", str(locked.pk), "update", before, _case_snapshot(locked))],
        )
    return locked


@dataclass(frozen=True)
class DeadlineResult:
    updated: int  # feedback deadlines filled in, recomputed to a final date, or moved
    pending: int  # open cases whose deadline is still provisional (its year's schedule not loaded)


RECOUNT_KEY = "measures.feedback_due"
RECOUNT_LABEL = "联合奖惩措施实施情况反馈期限"


def _recompute_feedback_deadlines(calendar: WorkdayCalendar) -> ProvisionalRecount:
    """Recompute provisional (or missing) feedback deadlines with `calendar`, set-based: one computation and
    one UPDATE per opening day and current deadline. An answered case is judged late against the recomputed
    date (Art 33). Inside the caller's transaction."""
    pending = list(
        MeasureCase.objects.select_for_update()
        .filter(Q(feedback_due__isnull=True) | Q(feedback_due_provisional=True))
        .order_by("id")
        .values_list("id", "status", "opened_on", "feedback_due")
    )
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for pk, status, opened_on, due_on in pending:
        groups.setdefault((opened_on, due_on), []).append((pk, status))
    final: list[int] = []
    moved: list[int] = []
    still = 0
    changes = []
    for (opened_on, due_on), members in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or dt.date.min)):
        ids = [pk for pk, _status in members]
        due = calendar.deadline(opened_on, int(parameter(FEEDBACK_DEADLINE, opened_on).value))
        if due.provisional:
            still += sum(1 for _pk, status in members if status == MeasureCaseStatus.OPEN)
            if due.day == due_on:
                continue
        else:
            final += ids
        if due.day != due_on:
            moved += ids
        MeasureCase.objects.filter(pk__in=ids).update(
            feedback_due=due.day, feedback_due_provisional=due.provisional,
            feedback_late=ExpressionWrapper(
                ~Q(status=MeasureCaseStatus.OPEN) & Q(feedback_at__date__gt=due.day), output_field=BooleanField()
            ),
        )
        changes.append({"from": due_on.isoformat() if due_on else None, "to": due.day.isoformat(),
                        "provisional": due.provisional, "ids": ids})
    return ProvisionalRecount(
        key=RECOUNT_KEY, label=RECOUNT_LABEL, checked=len(pending), final=tuple(sorted(final)),
        moved=tuple(sorted(moved)), still_provisional=still, changes=tuple(changes),
    )


def cases_recompute_provisional_feedback(*, calendar: WorkdayCalendar, **_ignored) -> ProvisionalRecount:
    """A calendar edit: recompute the provisional feedback deadlines (sent by the calendar services through
    `provisional_deadlines_recompute` inside their transaction; they audit the answer). No notice is sent."""
    return _recompute_feedback_deadlines(calendar)


def cases_set_deadlines(*, actor=None) -> DeadlineResult:
    """The daily job: recompute provisional feedback deadlines and fill in missing ones (domain facts §11),
    in case the calendar changed without its services. One audit record for the run when anything changed."""
    with transaction.atomic():
        recount = _recompute_feedback_deadlines(current_calendar())
        updated = len(set(recount.final) | set(recount.moved))
        if updated:
            audit_record(
                AuditEventType.MEASURE_CASE_DEADLINES_SET, actor=actor, target_label="联合奖惩案件反馈期限",
                articles=["Art 22", "Art 33"],
                details={"updated": updated, "pending": recount.still_provisional, "final": len(recount.final),
                         "moved": len(recount.moved), "changes": list(recount.changes),
                         "rule_version": rule_version()},
            )
    return DeadlineResult(updated, recount.still_provisional)
