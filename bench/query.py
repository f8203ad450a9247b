"""Public reads at scale (issue 5): the public organization page, the name search and the public PDF report,
each against a naive baseline in the same run (PostgreSQL).

Data: `XINYONG_BENCH_SUBJECTS` subjects (90 % organizations, names and USCCs from the demo generator, each
identifier sealed with SM4-GCM and blind-indexed exactly as the model fields do), their search-index rows
(the bigram tsvectors `xinyong.disclosure.search` writes), and `XINYONG_BENCH_RECORDS` credit records
(行政处罚 / 行政许可) spread at random over the subjects, each with its revision(s) and a valid HMAC-SM3
integrity value computed with the application's own functions (`xinyong.records.integrity`). About 90 % of
decisions fall inside their publication window today; 3 % of records carry a correction and 1 % are
withdrawn. Everything is loaded with binary COPY (`xinyong.ingestion.storage.PostgresStorage` for records
and revisions) with the secondary indexes and foreign keys of the loaded tables dropped during the load and
re-created (and re-validated) afterwards, then ANALYZE.

Measurements (ratio = naive ÷ ours, so > 1 means ours is faster; for the report see below):
* `query_profile`: `access_public_profile` for 200 random organizations with records; p50/p95 ms and the
  queries per call. Naive: the straightforward ORM loop (per record: item, category, provider, revisions,
  item fields fetched one by one), doing the same integrity check, disclosure and masking work.
* `query_search2` / `query_search4`: `organization_search` (first page, its count and its 20 rows) for 200
  two-character and 200 four-character pieces of real organization names. Naive:
  `Subject.objects.filter(name__contains=q, kind__in=ORGANIZATION_KINDS)[:20]` (a sequential scan that may
  stop early; no total, no order).
* `query_report`: `report_issue(variant="public")` for 20 organizations with 5–15 records: median ms.
  No naive way to issue a signed report exists, so the baseline is WeasyPrint alone turning the very same
  report HTML into a PDF (the floor of any implementation); ratio = that floor ÷ ours (≤ 1; 1 would mean
  reading, signing, storing and auditing cost nothing). A one-page trivial WeasyPrint document is printed too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import time
from array import array
from contextlib import contextmanager

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

SUBJECTS = int(os.environ.get("XINYONG_BENCH_SUBJECTS", "1000000"))
RECORDS = int(os.environ.get("XINYONG_BENCH_RECORDS", "10000000"))
SEED = int(os.environ.get("XINYONG_BENCH_SEED", "5"))
PERSON_SHARE = 0.10
PROFILE_CALLS = 200
SEARCH_QUERIES = 200
REPORTS = 20
CHUNK = 50_000

BULK_TABLES = ("subjects_subject", "disclosure_organizationsearch", "records_creditrecord", "records_recordrevision")


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


class _Rate:
    def __init__(self, what: str, total: int):
        self.what, self.total, self.started, self.last = what, total, time.perf_counter(), time.perf_counter()

    def update(self, done: int, force: bool = False) -> None:
        now = time.perf_counter()
        if force or now - self.last >= 10:
            self.last = now
            seconds = now - self.started
            print(f"    {self.what}: {done:,}/{self.total:,} in {seconds:.0f} s ({done / max(seconds, 1e-9):,.0f}/s)",
                  flush=True)


# --- loading ------------------------------------------------------------------------------------------------


@contextmanager
def _bulk_load(tables):
    """Drop the foreign keys and the indexes that back no constraint on `tables`; re-create them after."""
    saved_fks, saved_indexes = [], []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'", [table])
            for name, definition in cursor.fetchall():
                saved_fks.append((table, name, definition))
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)", [table, table])
            for name, definition in cursor.fetchall():
                saved_indexes.append(definition)
                cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for definition in saved_indexes:
                cursor.execute(definition)
            for table, name, definition in saved_fks:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("RESET maintenance_work_mem")
        print(f"    re-created {len(saved_indexes)} indexes and re-validated {len(saved_fks)} foreign keys in "
              f"{time.perf_counter() - started:.1f} s", flush=True)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _set_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))", [table])


def _copy(statement: str, types: list[str], rows) -> None:
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


class Loaded:
    def __init__(self):
        self.subject_ids: list[int] = []
        self.names: list[str] = []
        self.identifiers: list[str] = []  # plain USCC for organizations, masked ID number for persons
        self.is_org = bytearray()
        self.record_counts = array("H")


def _load_subjects(n: int, loaded: Loaded) -> None:
    from xinyong.accounts.models import Division
    from xinyong.core.crypto import blind_index, seal
    from xinyong.core.masking import mask_identifier
    from xinyong.demo.generator import KIND_THRESHOLDS, _Generator
    from xinyong.disclosure.search import bigrams, normalize_name
    from xinyong.subjects.choices import SubjectKind
    from xinyong.subjects.models import Subject

    divisions = dict(Division.objects.values_list("code", "pk"))
    generator = _Generator(SEED)
    rng = random.Random(SEED)
    org_limits = [(limit, kind) for limit, kind in KIND_THRESHOLDS if kind != SubjectKind.NATURAL_PERSON]
    low = KIND_THRESHOLDS[0][0]
    context = Subject._meta.get_field("identifier").seal_context
    now = dt.datetime.now(dt.UTC)
    first = _next_id("subjects_subject")
    rate = _Rate("subjects (generated, sealed, indexed, copied)", n)
    subject_types = ["int8", "text", "text", "text", "text", "text", "text", "text", "text", "timestamptz",
                     "timestamptz", "int8"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_query_search (subject_id int8, name_normalized text, "
                       "pieces text[])")
    for start in range(0, n, CHUNK):
        rows, search_rows = [], []
        for i in range(start, min(n, start + CHUNK)):
            if rng.random() < PERSON_SHARE:
                s = generator.person(i)
            else:
                roll = low + rng.random() * (1 - low)
                s = generator.organization(i, next(k for limit, k in org_limits if roll < limit))
            pk = first + i
            masked = mask_identifier(s.identifier_type, s.identifier)
            org = s.kind != SubjectKind.NATURAL_PERSON
            rows.append((pk, str(s.kind), s.identifier_type, seal(s.identifier, context=context),
                         blind_index(s.identifier_type, s.identifier), masked, s.name, "active", "", now, now,
                         divisions.get(s.division_code)))
            if org:
                normalized = normalize_name(s.name)
                search_rows.append((pk, normalized, bigrams(normalized) or [""]))
            loaded.subject_ids.append(pk)
            loaded.names.append(s.name)
            loaded.identifiers.append(s.identifier if org else masked)
            loaded.is_org.append(org)
        _copy("COPY subjects_subject (id, kind, identifier_type, identifier, identifier_index, identifier_masked, "
              "name, status, status_source, created_at, updated_at, division_id) FROM STDIN (FORMAT BINARY)",
              subject_types, rows)
        _copy("COPY bench_query_search FROM STDIN (FORMAT BINARY)", ["int8", "text", "text[]"], search_rows)
        rate.update(min(n, start + CHUNK))
    rate.update(n, force=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO disclosure_organizationsearch (subject_id, name_normalized, name_bigrams, "
                       "indexed_at) SELECT subject_id, name_normalized, array_to_tsvector(pieces), now() "
                       "FROM bench_query_search")
        indexed = cursor.rowcount
        cursor.execute("DROP TABLE bench_query_search")
    _set_sequence("subjects_subject")
    print(f"    search index: {indexed:,} organizations in {time.perf_counter() - started:.1f} s", flush=True)
    loaded.record_counts = array("H", bytes(2 * len(loaded.subject_ids)))


def _load_records(n: int, loaded: Loaded, provider, today: dt.date) -> None:
    from xinyong.catalog.choices import VersionStatus
    from xinyong.catalog.models import CatalogItem
    from xinyong.core.crypto import get_provider
    from xinyong.ingestion.storage import PostgresStorage
    from xinyong.records.integrity import (
        RecordHead,
        canonical_data,
        canonical_time,
        integrity_key,
        revision_message,
    )
    from xinyong.records.publication import PublicationWindows

    items = {
        code: CatalogItem.objects.filter(code=code, version__status=VersionStatus.PUBLISHED).order_by(
            "-version__number").first()
        for code in ("admin-penalty", "admin-permit")
    }
    windows = {code: PublicationWindows(item) for code, item in items.items()}
    key_id, key = integrity_key()
    hmac_sm3 = get_provider().hmac_sm3
    now = dt.datetime.now(dt.UTC)
    now_text = canonical_time(now)
    storage = PostgresStorage()
    rng = random.Random(SEED + 1)
    provider_id, provider_uscc, provider_name = provider.pk, provider.uscc, provider.name
    subjects = len(loaded.subject_ids)
    first = _next_id("records_creditrecord")
    facts = ["销售不合格产品", "未按规定公示年度报告", "无证经营", "虚假宣传", "违反食品安全标准生产经营"]
    permits = ["食品经营许可证", "道路运输经营许可证", "排污许可证", "药品经营许可证", "建筑工程施工许可证"]
    counts = loaded.record_counts
    rate = _Rate("records + revisions (generated, signed, copied)", n)
    done = 0
    for start in range(0, n, CHUNK):
        records, revisions = [], []
        for k in range(start, min(n, start + CHUNK)):
            record_id = first + k
            index = rng.randrange(subjects)
            counts[index] += 1
            subject_id, name, identifier = loaded.subject_ids[index], loaded.names[index], loaded.identifiers[index]
            org = loaded.is_org[index]
            penalty = rng.random() < 0.6
            code = "admin-penalty" if penalty else "admin-permit"
            item = items[code]
            if rng.random() < 0.9:
                decision = today - dt.timedelta(days=rng.randrange(1, 1000))
            else:
                decision = today - dt.timedelta(days=rng.randrange(1100, 2500))
            pub_start, pub_end = windows[code].window(decision)
            if penalty:
                document = f"承市监罚〔{decision.year}〕{k}号"
                amount = (k % 50) + 1
                data = {"CF_XDR_MC": name, "CF_XDR_LB": "法人及非法人组织" if org else "自然人",
                        "CF_WSH": document, "CF_WFXW": "违反产品质量法", "CF_SY": facts[k % 5],
                        "CF_YJ": "《中华人民共和国产品质量法》第四十九条", "CF_CFLB": "罚款",
                        "CF_NR": f"罚款人民币{amount}千元", "CF_NR_FK": f"{amount / 10:g}",
                        "CF_JDRQ": decision.isoformat(), "CF_YXQ": (decision + dt.timedelta(days=365)).isoformat(),
                        "CF_CFJG": provider_name, "CF_CFJGDM": provider_uscc, "CF_SJLY": provider_name,
                        "CF_SJLYDM": provider_uscc}
            else:
                document = f"承审批许〔{decision.year}〕{k}号"
                data = {"XK_XDR_MC": name, "XK_XDR_LB": "法人及非法人组织" if org else "自然人",
                        "XK_XKWS": "准予行政许可决定书", "XK_WSH": document, "XK_XKLB": "普通",
                        "XK_XKZS": permits[k % 5], "XK_XKBH": f"JY{record_id:012d}", "XK_NR": f"准予{permits[k % 5]}",
                        "XK_JDRQ": decision.isoformat(), "XK_YXQZ": decision.isoformat(),
                        "XK_YXQZI": (decision + dt.timedelta(days=1825)).isoformat(), "XK_XKJG": provider_name,
                        "XK_XKJGDM": provider_uscc, "XK_ZT": "有效", "XK_SJLY": provider_name,
                        "XK_SJLYDM": provider_uscc}
            prefix = "CF" if penalty else "XK"
            if org:
                data[f"{prefix}_XDR_SHXYM"] = identifier
                data[f"{prefix}_FRDB"] = "张三"
            else:
                data[f"{prefix}_ZJLX"] = "身份证"
                data[f"{prefix}_ZJHM"] = identifier
            roll = rng.random()
            history = [("active", data, "submission", "")]
            if roll < 0.03:
                corrected = dict(data, BZ="更正")
                history.append(("active", corrected, "correction", "更正备注"))
            elif roll < 0.04:
                history.append(("withdrawn", data, "withdrawal", "决定被撤销"))
            status = history[-1][0]
            head = RecordHead(record_id, provider_id, code, document)
            for number, (rev_status, rev_data, source, reason) in enumerate(history, start=1):
                data_json = canonical_data(rev_data)
                message = revision_message(
                    head, number=number, subject_id=subject_id, item_id=item.pk, disclosure_class=item.disclosure_class,
                    status=rev_status, decision_date=decision, publication_start=pub_start, publication_end=pub_end,
                    data_json=data_json, source=source, reason=reason, actor_id=None, created_at=now_text)
                revisions.append((record_id, number, subject_id, item.pk, item.disclosure_class, rev_status, decision,
                                  pub_start, pub_end, data_json, reason, source, None, now, hmac_sm3(key, message).hex(),
                                  key_id))
            records.append((record_id, subject_id, item.pk, code, provider_id, document, decision,
                            item.disclosure_class, pub_start, pub_end, status, False, False, False, None, len(history),
                            now))
        storage.store(records, revisions)  # COPY in a worker thread while the next chunk is generated
        done = min(n, start + CHUNK)
        rate.update(done)
    storage.wait()
    rate.update(n, force=True)
    _set_sequence("records_creditrecord")


def _load(subjects: int, records: int, provider, today: dt.date) -> Loaded:
    from xinyong.disclosure.search import _state

    loaded = Loaded()
    started = time.perf_counter()
    with _bulk_load(BULK_TABLES):
        _load_subjects(subjects, loaded)
        _load_records(records, loaded, provider, today)
    with transaction.atomic():
        state = _state()
        state.last_subject_id = loaded.subject_ids[-1]
        state.save(update_fields=["last_subject_id"])
    analyze = time.perf_counter()
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"    VACUUM ANALYZE {time.perf_counter() - analyze:.1f} s; data loaded in {time.perf_counter() - started:.1f} s",
          flush=True)
    return loaded


# --- naive baselines ----------------------------------------------------------------------------------------


def naive_profile(subject, day: dt.date) -> list:
    """The straightforward ORM loop: each record's item, category, provider, revisions and fields one by one,
    with the same integrity check, disclosure rule, window and masking as the real page."""
    from xinyong.catalog.choices import DisclosureClass
    from xinyong.disclosure.access import _display_value, effective_disclosure_class
    from xinyong.records.models import CreditRecord
    from xinyong.records.selectors import record_is_public_on, record_revision_verify

    shown = []
    for record in CreditRecord.objects.filter(subject=subject, status="active").order_by("-decision_date", "-id"):
        item = record.item
        category = item.category
        provider = record.provider
        revisions = list(record.revisions.order_by("number"))
        result = record_revision_verify(record, revisions)
        if not result.ok:
            continue
        data = result.current.data or {}
        if effective_disclosure_class(record, item, data) != DisclosureClass.PUBLIC:
            continue
        if not record_is_public_on(record, day):
            continue
        values = [(f.code, f.name, _display_value(f, data.get(f.code))) for f in item.fields.order_by("order", "id")]
        shown.append((item.code, item.name, category.name, provider.name, record.document_number, values))
    return shown


# --- measuring ----------------------------------------------------------------------------------------------


def _timed(fn, args_list) -> list[float]:
    times = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _queries(fn, args_list) -> list[int]:
    counts = []
    for args in args_list:
        connection.queries_log.clear()  # a full log (9000 entries) would make every capture look empty
        with CaptureQueriesContext(connection) as captured:
            fn(*args)
        counts.append(len(captured.captured_queries))
    return counts


def _measure_profile(loaded: Loaded, today: dt.date) -> dict:
    from xinyong.disclosure.access import access_public_profile
    from xinyong.subjects.models import Subject

    rng = random.Random(SEED + 2)
    candidates = [i for i in range(len(loaded.subject_ids)) if loaded.is_org[i] and loaded.record_counts[i]]
    chosen = rng.sample(candidates, min(PROFILE_CALLS + 10, len(candidates)))
    subjects = {s.pk: s for s in Subject.objects.filter(pk__in=[loaded.subject_ids[i] for i in chosen])}
    args = [(subjects[loaded.subject_ids[i]], today) for i in chosen]
    warm, args = args[:10], args[10:]
    _timed(access_public_profile, warm)
    _timed(naive_profile, warm)
    ours = _timed(access_public_profile, args)
    naive = _timed(naive_profile, args)
    queries = _queries(access_public_profile, args)
    naive_queries = _queries(naive_profile, args)
    records = [len(access_public_profile(*a).records) for a in args]
    assert records == [len(naive_profile(*a)) for a in args], "naive and real profile disagree"
    counts = [loaded.record_counts[i] for i in chosen[10:]]
    return {
        "calls": len(args), "p50": _p(ours, 0.5), "p95": _p(ours, 0.95), "naive_p50": _p(naive, 0.5),
        "naive_p95": _p(naive, 0.95), "queries_max": max(queries), "queries_min": min(queries),
        "naive_queries_mean": statistics.mean(naive_queries), "naive_queries_max": max(naive_queries),
        "records_mean": statistics.mean(counts), "records_max": max(counts), "shown_mean": statistics.mean(records),
    }


def _search_queries(loaded: Loaded, length: int, count: int, rng: random.Random) -> list[str]:
    from xinyong.disclosure.search import normalize_name

    org_indexes = [i for i in range(0, len(loaded.subject_ids), 7) if loaded.is_org[i]]
    queries = []
    while len(queries) < count:
        name = loaded.names[rng.choice(org_indexes)]
        if len(name) < length:
            continue
        at = rng.randrange(len(name) - length + 1)
        piece = name[at:at + length]
        if len(normalize_name(piece)) == length and not any(ch in piece for ch in "()（）"):
            queries.append(piece)
    return queries


def _measure_search(loaded: Loaded, length: int) -> dict:
    from xinyong.disclosure.search import organization_search
    from xinyong.subjects.choices import ORGANIZATION_KINDS
    from xinyong.subjects.models import Subject

    rng = random.Random(SEED + 10 + length)
    queries = _search_queries(loaded, length, SEARCH_QUERIES + 10, rng)
    kinds = sorted(ORGANIZATION_KINDS)
    totals = []

    def ours(q):
        results = organization_search(q)
        rows = results.subjects
        totals.append(results.total)
        return rows

    def naive(q):
        return list(Subject.objects.filter(name__contains=q, kind__in=kinds)[:20])

    args = [(q,) for q in queries]
    warm, args = args[:10], args[10:]
    _timed(ours, warm)
    _timed(naive, warm)
    totals.clear()
    ours_ms = _timed(ours, args)
    naive_ms = _timed(naive, args)
    query_counts = _queries(ours, args[:20])  # the same statements for every query: 20 suffice
    return {
        "queries": len(args), "p50": _p(ours_ms, 0.5), "p95": _p(ours_ms, 0.95), "max": max(ours_ms),
        "naive_p50": _p(naive_ms, 0.5), "naive_p95": _p(naive_ms, 0.95), "sql_max": max(query_counts),
        "hits_median": _p(totals[: len(args)], 0.5), "hits_max": max(totals[: len(args)]),
    }


def _measure_report(loaded: Loaded, provider) -> dict:
    from weasyprint import HTML

    from xinyong.accounts.services import staff_create
    from xinyong.reports.pdf import render_html
    from xinyong.reports.services import report_issue
    from xinyong.subjects.models import Subject

    user = staff_create(username=f"bench-query-{SEED}", organization=provider, roles={"case_handler"},
                        display_name="基准").user
    rng = random.Random(SEED + 3)
    candidates = [i for i in range(len(loaded.subject_ids))
                  if loaded.is_org[i] and 5 <= loaded.record_counts[i] <= 15]
    chosen = rng.sample(candidates, min(REPORTS + 2, len(candidates)))
    subjects = {s.pk: s for s in Subject.objects.filter(pk__in=[loaded.subject_ids[i] for i in chosen])}
    args = [subjects[loaded.subject_ids[i]] for i in chosen]
    warm, args = args[:2], args[2:]
    for subject in warm:
        report_issue(subject=subject, variant="public", requester=user)
    ours, floor, reports, queries = [], [], [], []
    for subject in args:
        connection.queries_log.clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            report = report_issue(subject=subject, variant="public", requester=user)
        ours.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
        reports.append(report)
    for report in reports:
        html = render_html(json.loads(report.content), content_digest=report.content_digest,
                           signature=report.signature, key_id=report.signature_key_id)
        started = time.perf_counter()
        HTML(string=html).write_pdf()
        floor.append((time.perf_counter() - started) * 1000)
    one_page = []
    for _ in range(5):
        started = time.perf_counter()
        HTML(string="<html><body><h1>信用报告</h1><p>一页。</p></body></html>").write_pdf()
        one_page.append((time.perf_counter() - started) * 1000)
    counts = [loaded.record_counts[i] for i in chosen[2:]]
    return {
        "reports": len(args), "median": statistics.median(ours), "p95": _p(ours, 0.95),
        "floor_median": statistics.median(floor), "one_page_median": statistics.median(one_page[1:]),
        "records_mean": statistics.mean(counts), "queries_max": max(queries),
        "pdf_kb": statistics.mean(len(bytes(r.pdf)) for r in reports) / 1024,
    }


def run() -> None:
    if connection.vendor != "postgresql":
        print("    bench query needs PostgreSQL (scripts/bench.sh starts a cluster)")
        return
    from django.utils import timezone

    from bench.ingest import _setup

    provider = _setup()
    today = timezone.localdate()
    print(f"    sizes: subjects={SUBJECTS:,} records={RECORDS:,} (XINYONG_BENCH_SUBJECTS / XINYONG_BENCH_RECORDS)",
          flush=True)
    loaded = _load(SUBJECTS, RECORDS, provider, today)
    sizes = f"subjects={SUBJECTS} records={RECORDS}"

    profile = _measure_profile(loaded, today)
    print(f"    profile: {profile['calls']} organizations, {profile['records_mean']:.1f} records each (max "
          f"{profile['records_max']}), {profile['shown_mean']:.1f} shown; ours p50 {profile['p50']:.1f} ms, "
          f"{profile['queries_min']}–{profile['queries_max']} queries; naive p50 {profile['naive_p50']:.1f} ms, "
          f"{profile['naive_queries_mean']:.0f} queries on average (max {profile['naive_queries_max']})", flush=True)
    profile_ratio = profile["naive_p95"] / profile["p95"]
    print(f"BENCH query_profile {sizes} calls={profile['calls']} p50_ms={profile['p50']:.1f} "
          f"p95_ms={profile['p95']:.1f} queries={profile['queries_max']} naive_p95_ms={profile['naive_p95']:.1f} "
          f"naive_queries={profile['naive_queries_max']} ratio={profile_ratio:.2f}", flush=True)

    search = {}
    for length in (2, 4):
        s = search[length] = _measure_search(loaded, length)
        print(f"    search {length} chars: {s['queries']} queries, hits median {s['hits_median']:,} max "
              f"{s['hits_max']:,}; ours p50 {s['p50']:.1f} ms max {s['max']:.1f} ms, {s['sql_max']} SQL queries; "
              f"naive p50 {s['naive_p50']:.1f} ms", flush=True)
        print(f"BENCH query_search{length} {sizes} queries={s['queries']} p50_ms={s['p50']:.1f} "
              f"p95_ms={s['p95']:.1f} sql={s['sql_max']} naive_p95_ms={s['naive_p95']:.1f} "
              f"ratio={s['naive_p95'] / s['p95']:.2f}", flush=True)

    report = _measure_report(loaded, provider)
    report_ratio = report["floor_median"] / report["median"]
    print(f"    report: {report['reports']} public reports, {report['records_mean']:.1f} records each, "
          f"{report['pdf_kb']:.0f} KiB; p95 {report['p95']:.0f} ms, {report['queries_max']} SQL queries; "
          f"WeasyPrint alone on the same HTML {report['floor_median']:.0f} ms, one trivial page "
          f"{report['one_page_median']:.0f} ms", flush=True)
    print(f"BENCH query_report {sizes} reports={report['reports']} median_ms={report['median']:.0f} "
          f"records_per_report={report['records_mean']:.1f} queries={report['queries_max']} "
          f"baseline_ms={report['floor_median']:.0f} one_page_ms={report['one_page_median']:.0f} "
          f"ratio={report_ratio:.2f}", flush=True)

    ratio = min(profile_ratio, search[2]["naive_p95"] / search[2]["p95"], search[4]["naive_p95"] / search[4]["p95"],
                report_ratio)
    print(f"BENCH query {sizes} profile_p95_ms={profile['p95']:.1f} search2_p95_ms={search[2]['p95']:.1f} "
          f"search4_p95_ms={search[4]['p95']:.1f} report_median_ms={report['median']:.0f} ratio={ratio:.2f}",
          flush=True)
