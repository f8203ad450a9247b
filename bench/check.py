"""Credit check (信用核查, Art 22–26): a batch of 10,000 subjects against 1,000,000 list entries, and single
checks, set-based (`xinyong.measures.services.check_subjects`) against a naive per-subject loop, on PostgreSQL.

Data: `entries / 2` organizations (real USCCs, sealed identifiers and blind indexes) loaded with COPY, and
`entries` list entries over them, also with COPY, in the states an entry passes through over the years: a share
published and running (`XINYONG_BENCH_ACTIVE_SHARE`, default 5 %), 10 % published but past their end date (the
expiry job not yet run), removed (expiry, repair, revocation) for the rest of the first 70 %, 15 % decided not
to list, 10 % proposed or notified, 5 % decided but not yet published. Only the first group triggers measures.
With 5 % running, about one checked subject in ten is on a list in force and opens cases — several times the
rate of real procurement bidders, so the case bookkeeping is not flattered; 10 % doubles it.

Both implementations do the same work per request: resolve the identifiers, find the active entries, join the
scenario's measures, write the check log, one case per subject and measure, and one audit record, in one
transaction. The naive loop validates and looks up each identifier, reads each subject's entries and each
entry's measures with their own queries, and saves each case on its own.

Lines printed:
  BENCH check_batch subjects=10000 entries=1000000 ms=… naive_ms=… ratio=…   (median of 3 after a warm-up)
  BENCH check_single p95_ms=… naive_p95_ms=… ratio=…                          (200 single checks each)
ratio = naive time / set-based time. Goals: batch ≤ 300 ms, single p95 ≤ 10 ms.
`XINYONG_BENCH_ENTRIES` sets the number of entries (default 1,000,000; e.g. 100000 for a quick run).
The first batch run after the warm-up reads subjects from cold pages: on the throwaway cluster's default 128 MB
of shared buffers the subjects' table and indexes (about 340 MB at 500,000 subjects) do not fit.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

ENTRIES = int(os.environ.get("XINYONG_BENCH_ENTRIES", "1000000"))
ACTIVE_SHARE = float(os.environ.get("XINYONG_BENCH_ACTIVE_SHARE", "0.05"))
BATCH = 10_000
SINGLES = 200
SCENARIO = "procurement"
SEED = 20260301


def _setup():
    from xinyong.accounts.models import Organization
    from xinyong.accounts.services import divisions_load_chengde, organization_add, staff_create
    from xinyong.core.identifiers import make_uscc
    from xinyong.lists.seed import lists_seed
    from xinyong.measures.seed import measures_seed

    divisions_load_chengde()
    lists_seed()
    measures_seed()
    uscc = make_uscc("1", "1", "130800", "00BENCH2")
    department = Organization.objects.filter(uscc=uscc).first() or organization_add(
        uscc=uscc, name="承德市公共资源交易中心（基准）", kind="department", division_code="130800"
    ).organization
    from xinyong.accounts.models import User

    user = User.objects.filter(username="bench-check").first()
    if user is None:
        user = staff_create(username="bench-check", organization=department, roles={"measure_implementer"}).user
    return user


def _load_subjects(count: int) -> tuple[list[int], list[str]]:
    """COPY `count` organizations; returns their ids and USCCs."""
    from xinyong.core.crypto import blind_index, load_keyring, seal
    from xinyong.core.identifiers import make_uscc

    keyring = load_keyring()
    counties = ["130802", "130803", "130804", "130821", "130822", "130824", "130825", "130826", "130827", "130828"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM subjects_subject")
        start = cursor.fetchone()[0] + 1
    now = timezone.now()
    ids, codes = [], []
    columns = ("id, kind, identifier_type, identifier, identifier_index, identifier_masked, name, status, "
               "status_source, created_at, updated_at")
    started = time.perf_counter()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY subjects_subject ({columns}) FROM STDIN") as copy:
        for i in range(count):
            code = make_uscc("9", "1", counties[i % len(counties)], f"B{i:07d}")
            pk = start + i
            copy.write_row((
                pk, "legal_person", "uscc", seal(code, context="subjects.subject.identifier", keyring=keyring),
                blind_index("uscc", code, keyring=keyring), code, f"承德市基准测试第{i}号有限公司", "active", "", now, now,
            ))
            ids.append(pk)
            codes.append(code)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('subjects_subject', 'id'), "
                       "(SELECT MAX(id) FROM subjects_subject))")
    print(f"    {count} subjects loaded in {time.perf_counter() - started:.1f} s", flush=True)
    return ids, codes


def _load_entries(count: int, subject_ids: list[int]) -> None:
    """COPY `count` entries over the subjects, in the states of the module docstring."""
    from xinyong.lists.models import ListDefinition

    rng = random.Random(SEED)
    definitions = {d.code: d.pk for d in ListDefinition.objects.all()}
    kinds = [definitions["serious-dishonesty"]] * 4 + [definitions["court-enforcement"]] * 3 + \
        [definitions["key-supervision"]] * 2 + [definitions["honor"]]
    today = timezone.localdate()
    now = timezone.now()
    columns = ("definition_id, subject_id, state, reasons, basis, proposed_at, proposed_on, notice_number, notice_digest, "
               "notice_served_on, objection_window_end, decision, decided_on, decision_reasons, statements, "
               "listed_from, expires_on, published_at, removed_on, removal_reason, removal_note, "
               "removal_published_at, rule_version, articles, basis_parameters, updated_at, under_objection, "
               "under_repair")
    started = time.perf_counter()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY lists_listentry ({columns}) FROM STDIN") as copy:
        for _ in range(count):
            roll = rng.random()
            proposed = today - dt.timedelta(days=rng.randint(30, 2000))
            notice = proposed + dt.timedelta(days=3)
            window_end = notice + dt.timedelta(days=7)
            decided = window_end + dt.timedelta(days=1)
            row = dict(state="proposed", notice_number="", notice_served_on=None, objection_window_end=None,
                       decision="", decided_on=None, listed_from=None, expires_on=None, published_at=None,
                       removed_on=None, removal_reason="", removal_published_at=None)
            if roll < ACTIVE_SHARE:  # published, running
                listed = today - dt.timedelta(days=rng.randint(1, 700))
                row.update(state="published", decision="listed", decided_on=listed, listed_from=listed,
                           expires_on=today + dt.timedelta(days=rng.randint(1, 700)), published_at=now)
            elif roll < ACTIVE_SHARE + 0.10:  # published, past its end (expiry job not yet run)
                row.update(state="published", decision="listed", decided_on=decided, listed_from=decided,
                           expires_on=min(decided + dt.timedelta(days=365), today), published_at=now)
            elif roll < 0.70:  # removed
                row.update(state="removed", decision="listed", decided_on=decided, listed_from=decided,
                           expires_on=decided + dt.timedelta(days=730), published_at=now,
                           removed_on=min(decided + dt.timedelta(days=200), today),
                           removal_reason=rng.choice(["expiry", "repair", "revocation"]), removal_published_at=now)
            elif roll < 0.85:
                row.update(state="not_listed", decision="not_listed", decided_on=decided)
            elif roll < 0.90:
                row.update(state="notified", notice_number="承信告", notice_served_on=notice,
                           objection_window_end=window_end)
            elif roll < 0.95:
                pass  # proposed
            else:  # decided, not yet published
                row.update(state="listed", decision="listed", decided_on=decided, listed_from=decided,
                           expires_on=today + dt.timedelta(days=300))
            copy.write_row((
                rng.choice(kinds), rng.choice(subject_ids), row["state"], "基准测试事由", "基准测试依据", now, proposed,
                row["notice_number"], "", row["notice_served_on"], row["objection_window_end"], row["decision"],
                row["decided_on"], "", "", row["listed_from"], row["expires_on"], row["published_at"],
                row["removed_on"], row["removal_reason"], "", row["removal_published_at"], "bench", "[]", "{}", now,
                rng.random() < 0.01, False,  # a few entries under objection: the check reads the marks too
            ))
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load (visibility map and statistics).
        cursor.execute("VACUUM ANALYZE lists_listentry")
        cursor.execute("VACUUM ANALYZE subjects_subject")
    print(f"    {count} entries loaded in {time.perf_counter() - started:.1f} s", flush=True)


def naive_check(requester, scenario: str, identifiers: list[tuple[str, str]]) -> int:
    """The same check, one subject at a time (the baseline; not used by the platform)."""
    from xinyong.audit.choices import AuditEventType
    from xinyong.audit.services import audit_record
    from xinyong.core.errors import ServiceError
    from xinyong.core.workdays import CalendarRangeError, add_working_days
    from xinyong.lists.models import ListEntry
    from xinyong.lists.selectors import active_entry_q
    from xinyong.measures.models import CheckLog, MeasureCase
    from xinyong.measures.selectors import measure_applicable
    from xinyong.measures.services import FEEDBACK_DEADLINE
    from xinyong.regulation.parameters import parameter, rule_version
    from xinyong.subjects.selectors import subject_find_by_identifier
    from xinyong.subjects.services import validated_identifier

    day = timezone.localdate()
    try:
        due = add_working_days(day, int(parameter(FEEDBACK_DEADLINE, day).value))
    except CalendarRangeError:
        due = None
    hits = []
    for id_type, value in identifiers:
        try:
            normalized = validated_identifier(id_type, value)
        except ServiceError:
            continue
        subject = subject_find_by_identifier(id_type, normalized)
        if subject is None:
            continue
        seen = {}
        for entry in ListEntry.objects.filter(active_entry_q(day), subject=subject).select_related("definition"):
            for measure in entry.definition.measures.all():
                if scenario in measure.scenarios and measure_applicable(measure):
                    seen.setdefault(measure.pk, (measure, entry))
        hits.extend((subject, measure, entry) for measure, entry in seen.values())
    with transaction.atomic():
        log = CheckLog.objects.create(
            requester=requester, organization=requester.organization, scenario=scenario, channel="api",
            requested_at=timezone.now(), on=day, subjects_requested=len(identifiers), subjects_invalid=0,
            subjects_hit=len({s.pk for s, _, _ in hits}), hits=len(hits), cases_opened=len(hits),
            rule_version=rule_version(),
        )
        for subject, measure, entry in hits:
            MeasureCase(check_log=log, measure=measure, subject=subject, organization=requester.organization,
                        scenario=scenario, entry=entry, entry_ids=[entry.pk], opened_on=day,
                        feedback_due=due).save()
        audit_record(AuditEventType.SUBJECTS_CHECKED, actor=requester, target=log, target_label="bench naive",
                     details={"cases": len(hits)})
    return len(hits)


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def run() -> None:
    from xinyong.measures.services import check_subjects

    if connection.vendor != "postgresql":
        print("    the check benchmark needs PostgreSQL (COPY); run it through scripts/bench.sh")
        return
    from xinyong.disclosure import ratelimit

    # The benchmark times checks, not the platform's daily limit of identifiers per organization.
    ratelimit.limit_for = lambda scope: 10**9
    user = _setup()
    subjects = max(ENTRIES // 2, BATCH * 2)
    ids, codes = _load_subjects(subjects)
    _load_entries(ENTRIES, ids)
    rng = random.Random(SEED + 1)
    batch = [("uscc", code) for code in rng.sample(codes, BATCH)]

    check_subjects(requester=user, scenario=SCENARIO, identifiers=batch[:1000])  # warm caches and plans
    runs = [_timed(check_subjects, requester=user, scenario=SCENARIO, identifiers=batch) for _ in range(3)]
    ours_ms = statistics.median(ms for ms, _ in runs)
    result = runs[0][1]
    naive_ms, naive_cases = _timed(naive_check, user, SCENARIO, batch)
    print(f"    batch: {result.subjects_hit} subjects with measures, {result.cases_opened} cases per check "
          f"(naive: {naive_cases}); runs {', '.join(f'{ms:.0f}' for ms, _ in runs)} ms; "
          f"active share {ACTIVE_SHARE:.0%}", flush=True)
    print(f"BENCH check_batch subjects={BATCH} entries={ENTRIES} ms={ours_ms:.1f} naive_ms={naive_ms:.1f} "
          f"ratio={naive_ms / ours_ms:.1f}", flush=True)

    singles = [[("uscc", code)] for code in rng.sample(codes, SINGLES)]
    ours = [_timed(check_subjects, requester=user, scenario=SCENARIO, identifiers=one)[0] for one in singles]
    naive = [_timed(naive_check, user, SCENARIO, one)[0] for one in singles]
    ours_p95, naive_p95 = _p95(ours), _p95(naive)
    print(f"BENCH check_single p95_ms={ours_p95:.2f} naive_p95_ms={naive_p95:.2f} ratio={naive_p95 / ours_p95:.1f}",
          flush=True)
    print(f"    goals: batch ≤ 300 ms ({'met' if ours_ms <= 300 else 'MISSED'}), "
          f"single p95 ≤ 10 ms ({'met' if ours_p95 <= 10 else 'MISSED'})", flush=True)
