"""The daily deadline run of objections and credit repair (`xinyong.rights.deadlines.cases_run_deadlines`) over
100,000 open cases, set-based, against a naive per-case ORM loop, on PostgreSQL.

Data, loaded with COPY: 20 deciding departments and the credit authority, `cases / 5` organizations as
subjects (real USCCs, sealed identifiers and blind indexes), `cases / 2` published list entries over them, and
`XINYONG_BENCH_CASES` open cases (default 100,000): an objection and a repair application about each entry.
The run is dated Friday 20 November 2026. Of the open cases, 5 % have no due date yet (the calendar could not
give it when they were filed; the run fills it in), 5 % are overdue and not escalated yet (the run escalates
them), 10 % were escalated by an earlier run, 3 % are due that day or on the next working day (reminders),
and the rest are due later — a heavy day: a normal one escalates a few cases, not thousands.

Both implementations do the same work in one transaction: fill the due dates (a DUE_SET step each),
escalate (an ESCALATED step each), remind, one notice per department and per authority organization, one
audit record. The naive loop reads every open case as a model instance, computes each due date with the
module-level `add_working_days` and saves each case and each step on its own. Each run is rolled back after
it is timed, so every run starts from the same data.

Lines printed:
  BENCH rights_deadlines cases=100000 escalated=… ms=… naive_ms=… ratio=…   (median of 3 after a warm-up)
ratio = naive time / set-based time. `XINYONG_BENCH_CASES` sets the number of open cases.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

CASES = int(os.environ.get("XINYONG_BENCH_CASES", "100000"))
DEPARTMENTS = 20
DAY = dt.date(2026, 11, 20)  # a Friday: the next working day is Monday the 23rd
SEED = 20261120
SHARES = (("no_due", 0.05), ("overdue", 0.05), ("escalated", 0.10), ("due_soon", 0.03))


class _Rollback(Exception):
    pass


def _setup():
    from xinyong.accounts.models import Organization
    from xinyong.accounts.services import divisions_load_chengde, organization_add
    from xinyong.core.identifiers import make_uscc
    from xinyong.lists.seed import lists_seed

    divisions_load_chengde()
    lists_seed()
    organizations = []
    for i in range(DEPARTMENTS + 1):
        kind = "authority" if i == 0 else "department"
        uscc = make_uscc("1", "1", "130800", f"RD{i:06d}")
        found = Organization.objects.filter(uscc=uscc).first() or organization_add(
            uscc=uscc, name=f"承德市基准测试第{i}局" if i else "承德市行政审批局（基准）", kind=kind,
            division_code="130800",
        ).organization
        organizations.append(found)
    return organizations[1:]


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _load_subjects(count: int) -> list[int]:
    from xinyong.core.crypto import blind_index, load_keyring, seal
    from xinyong.core.identifiers import make_uscc

    keyring = load_keyring()
    start = _next_id("subjects_subject")
    now = timezone.now()
    columns = ("id, kind, identifier_type, identifier, identifier_index, identifier_masked, name, status, "
               "status_source, created_at, updated_at")
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY subjects_subject ({columns}) FROM STDIN") as copy:
        for i in range(count):
            code = make_uscc("9", "1", "130802", f"R{start + i:07d}")
            copy.write_row((
                start + i, "legal_person", "uscc", seal(code, context="subjects.subject.identifier", keyring=keyring),
                blind_index("uscc", code, keyring=keyring), code, f"承德市期限基准第{i}号有限公司", "active", "", now, now,
            ))
    _reset_sequence("subjects_subject")
    return list(range(start, start + count))


def _load_entries(count: int, subject_ids: list[int], rng: random.Random) -> list[tuple[int, int]]:
    """Published entries; returns (entry id, subject id)."""
    from xinyong.lists.models import ListDefinition

    definition = ListDefinition.objects.get(code="serious-dishonesty").pk
    start = _next_id("lists_listentry")
    now = timezone.now()
    columns = ("id, definition_id, subject_id, state, reasons, basis, proposed_at, proposed_on, notice_number, "
               "notice_digest, decision, decided_on, decision_reasons, statements, listed_from, expires_on, "
               "published_at, removal_reason, removal_note, rule_version, articles, basis_parameters, updated_at, "
               "under_objection, under_repair")
    rows = []
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY lists_listentry ({columns}) FROM STDIN") as copy:
        for i in range(count):
            subject = subject_ids[i % len(subject_ids)]
            listed = DAY - dt.timedelta(days=rng.randint(100, 600))
            copy.write_row((
                start + i, definition, subject, "published", "基准测试事由", "基准测试依据", now, listed, "", "",
                "listed", listed, "", "", listed, listed + dt.timedelta(days=1095), now, "", "", "bench", "[]", "{}",
                now, True, True,  # both marks: an objection and a repair application are open about each
            ))
            rows.append((start + i, subject))
    _reset_sequence("lists_listentry")
    return rows


def _load_cases(entries: list[tuple[int, int]], departments, rng: random.Random) -> dict[str, int]:
    """COPY an objection and a repair per entry, in the states of the module docstring."""
    from xinyong.core.workdays import current_calendar

    calendar = current_calendar()
    deadline = {"objection": 5, "repair": 3}
    next_working_day = calendar.add_working_days(DAY, 1)
    counts: dict[str, int] = defaultdict(int)
    now = timezone.now()
    columns = ("kind, status, outcome, filed_by, agent_name, channel, reasons, requested_change, filed_at, filed_on, "
               "deadline_days, due_on, extension_reason, extensions, decision_reasons, punishment_wrongful, escalated_on, "
               "decided_late, "
               "eligibility, rule_version, articles, basis_parameters, updated_at, entry_id, organization_id, "
               "subject_id")
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY rights_case ({columns}) FROM STDIN") as copy:
        for entry_id, subject_id in entries:
            for kind in ("objection", "repair"):
                roll, cumulative, state = rng.random(), 0.0, "later"
                for name, share in SHARES:
                    cumulative += share
                    if roll < cumulative:
                        state = name
                        break
                escalated_on = None
                if state == "no_due":
                    filed = DAY - dt.timedelta(days=rng.randint(1, 20))
                    due = None
                elif state == "overdue":
                    due = DAY - dt.timedelta(days=rng.randint(1, 10))
                    filed = due - dt.timedelta(days=9)
                elif state == "escalated":
                    due = DAY - dt.timedelta(days=rng.randint(11, 40))
                    filed = due - dt.timedelta(days=9)
                    escalated_on = due + dt.timedelta(days=1)
                elif state == "due_soon":
                    due = rng.choice((DAY, next_working_day))
                    filed = due - dt.timedelta(days=9)
                else:
                    due = DAY + dt.timedelta(days=rng.randint(4, 30))
                    filed = DAY - dt.timedelta(days=rng.randint(0, 3))
                counts[state] += 1
                copy.write_row((
                    kind, "open", "", "subject", "", "portal", "基准测试异议事由", "", now, filed, deadline[kind], due, "",
                    0, "", False, escalated_on, False, "{}", "bench", "[]", "{}", now, entry_id,
                    departments[rng.randrange(len(departments))].pk, subject_id,
                ))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE rights_case")
    return dict(counts)


def naive_run(day: dt.date) -> int:
    """The same run, one case at a time (the baseline; not used by the platform). Returns the escalations."""
    from xinyong.audit.choices import AuditEventType
    from xinyong.audit.services import audit_record
    from xinyong.core.workdays import CalendarRangeError, add_working_days
    from xinyong.regulation.parameters import decision_basis
    from xinyong.rights.choices import CaseAction, CaseStatus
    from xinyong.rights.deadlines import (
        DEADLINE_PARAMETERS,
        ESCALATION_NOTE,
        KIND_ARTICLES,
        _notify_due_soon,
        _notify_escalations,
        _Row,
    )
    from xinyong.rights.models import Case, CaseEvent

    basis = decision_basis(*DEADLINE_PARAMETERS, on=day)
    now = timezone.now()
    next_day = add_working_days(day, 1)
    escalated, due_soon, filled, waiting = [], [], [], []
    organizations = {}
    with transaction.atomic():
        for case in Case.objects.select_for_update().filter(status=CaseStatus.OPEN).select_related("organization"):
            organizations[case.organization_id] = case.organization
            if case.due_on is None:
                try:
                    due = add_working_days(case.filed_on, case.deadline_days)
                    if case.extended_days:
                        due = add_working_days(due, case.extended_days)
                except CalendarRangeError:
                    waiting.append(case.pk)
                    continue
                case.due_on = due
                case.rule_version = basis["rule_version"]
                case.save(update_fields=["due_on", "rule_version", "updated_at"])
                CaseEvent.objects.create(case=case, action=CaseAction.DUE_SET, status_after=case.status, at=now, on=day,
                                         details={"due_on": due.isoformat()}, articles=KIND_ARTICLES[case.kind],
                                         rule_version=basis["rule_version"])
                filled.append(case.pk)
            row = _Row(case.pk, case.kind, case.organization_id, case.filed_on, case.due_on)
            if case.due_on < day and case.escalated_on is None:
                case.escalated_on = day
                case.save(update_fields=["escalated_on", "updated_at"])
                CaseEvent.objects.create(case=case, action=CaseAction.ESCALATED, status_after=case.status, at=now,
                                         on=day, note=ESCALATION_NOTE, details={"due_on": case.due_on.isoformat()},
                                         articles=[*KIND_ARTICLES[case.kind], "Art 33"],
                                         rule_version=basis["rule_version"])
                escalated.append(row)
            elif day <= case.due_on <= next_day:
                due_soon.append(row)
        if escalated:
            _notify_escalations(escalated, day=day, actor=None, organizations=organizations)
        if due_soon:
            _notify_due_soon(due_soon, day=day, actor=None, organizations=organizations)
        audit_record(AuditEventType.RIGHTS_DEADLINES_RUN, target_label="bench naive",
                     details={"escalated": len(escalated), "due_set": len(filled), "waiting": len(waiting)})
    return len(escalated)


def _timed_then_rolled_back(function, *args, **kwargs) -> tuple[float, object]:
    """Run `function`, time it, and roll everything it wrote back."""
    box = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            box["result"] = function(*args, **kwargs)
            box["ms"] = (time.perf_counter() - started) * 1000
            raise _Rollback
    except _Rollback:
        pass
    return box["ms"], box["result"]


def run() -> None:
    from xinyong.rights.deadlines import cases_run_deadlines

    if connection.vendor != "postgresql":
        print("    the rights_deadlines benchmark needs PostgreSQL (COPY); run it through scripts/bench.sh")
        return
    rng = random.Random(SEED)
    departments = _setup()
    started = time.perf_counter()
    subjects = _load_subjects(max(CASES // 10, 100))
    entries = _load_entries(CASES // 2, subjects, rng)
    counts = _load_cases(entries, departments, rng)
    print(f"    {len(subjects)} subjects, {len(entries)} entries, {sum(counts.values())} open cases loaded in "
          f"{time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{name} {n}" for name, n in sorted(counts.items())), flush=True)

    _timed_then_rolled_back(cases_run_deadlines, on=DAY)  # warm caches and plans
    runs = [_timed_then_rolled_back(cases_run_deadlines, on=DAY) for _ in range(3)]
    ours_ms = statistics.median(ms for ms, _ in runs)
    result = runs[0][1]
    naive_ms, naive_escalated = _timed_then_rolled_back(naive_run, DAY)
    assert naive_escalated == len(result.escalated), (naive_escalated, len(result.escalated))
    print(f"    set-based: {len(result.due_set)} deadlines set, {len(result.escalated)} escalated, "
          f"{len(result.reminded)} reminded, {result.notices} notices; runs "
          f"{', '.join(f'{ms:.0f}' for ms, _ in runs)} ms", flush=True)
    print(f"BENCH rights_deadlines cases={sum(counts.values())} escalated={len(result.escalated)} ms={ours_ms:.1f} "
          f"naive_ms={naive_ms:.1f} ratio={naive_ms / ours_ms:.1f}", flush=True)
