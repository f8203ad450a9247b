"""Ingestion of one million 行政处罚 rows through the whole pipeline, against a raw binary COPY of the same rows.

The pipeline run reads a generated CSV (UTF-8, Chinese headers; ~70 % organizations and 30 % persons drawn
from pools, so subjects repeat), validates every row, links subjects through the blind index (creating the
new ones), stores records and revisions with binary COPY and writes the batch's audit record and receipt.

The baseline is the same rows as the pipeline stored them — both the record and its revision, since a
stored row is both — exported with `COPY ... TO STDOUT (FORMAT BINARY)` to a file and loaded with
`COPY ... FROM STDIN (FORMAT BINARY)` into `LIKE ... INCLUDING ALL` copies of the two tables (same
columns, indexes and unique constraints; no foreign keys or triggers). That is the floor for putting these
rows into these tables.

ratio = pipeline rows/s ÷ raw COPY rows/s (goal ≥ 0.5); peak RSS from getrusage (goal ≤ 1 GiB).
`XINYONG_BENCH_ROWS` overrides the row count; `XINYONG_BENCH_PROFILE=1` prints a cProfile of the pipeline.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path

from django.db import connection

HEADERS = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "处罚决定日期", "处罚有效期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
RAW_RECORDS = "bench_raw_creditrecord"
RAW_REVISIONS = "bench_raw_recordrevision"


def _setup():
    from xinyong.accounts.models import Organization
    from xinyong.accounts.services import divisions_load_chengde, organization_add
    from xinyong.catalog.seed import catalog_seed
    from xinyong.core.identifiers import make_uscc

    divisions_load_chengde()
    catalog_seed()
    uscc = make_uscc("1", "1", "130800", "00BENCH1")
    provider = Organization.objects.filter(uscc=uscc).first()
    if provider is None:
        provider = organization_add(uscc=uscc, name="承德市市场监督管理局（基准）", kind="department",
                                    division_code="130800").organization
    return provider


def generate(path: Path, rows: int, provider_uscc: str) -> None:
    """Write the CSV row by row (bounded memory)."""
    from xinyong.core.identifiers import make_citizen_id, make_uscc

    counties = ["130802", "130803", "130804", "130821", "130822", "130824", "130825", "130826", "130827",
                "130828", "130881"]
    org_pool = max(1, rows // 10)
    person_pool = max(1, rows // 20)
    base = dt.date(2025, 1, 2)
    facts = ["销售不合格产品", "未按规定公示年度报告", "无证经营", "虚假宣传", "违反食品安全标准生产经营"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for i in range(rows):
            decision = base + dt.timedelta(days=i % 600)
            if i % 10 < 7:
                n = (i * 7919) % org_pool
                county = counties[n % len(counties)]
                subject = [f"承德市{county[-2:]}号商贸有限公司{n}", "法人及非法人组织",
                           make_uscc("9", "1", county, f"{n:08d}"), "张三", "", ""]
            else:
                n = (i * 104729) % person_pool
                county = counties[n % len(counties)]
                born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
                subject = [f"李{n % 97}", "自然人", "", "", "身份证", make_citizen_id(county, born, n % 1000)]
            writer.writerow([
                *subject, f"承市监罚〔{decision.year}〕{i}号", "违反产品质量法", facts[i % len(facts)],
                "《中华人民共和国产品质量法》第四十九条", "罚款", f"罚款人民币{(i % 50) + 1}千元",
                f"{((i % 50) + 1) / 10:g}", decision.isoformat(), (decision + dt.timedelta(days=365)).isoformat(),
                "承德市市场监督管理局", provider_uscc, "承德市市场监督管理局", provider_uscc, "",
            ])


def _raw_copy(batch_id: int, work: Path) -> tuple[float, float, int]:
    """(seconds for records + revisions, seconds for records only, rows) of a raw binary COPY."""
    records_file, revisions_file = work / "records.bin", work / "revisions.bin"
    raw = connection.connection
    with connection.cursor() as cursor:
        for table, source in ((RAW_RECORDS, "records_creditrecord"), (RAW_REVISIONS, "records_recordrevision")):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE UNLOGGED TABLE {table} (LIKE {source} INCLUDING ALL)"
                           if os.environ.get("XINYONG_BENCH_UNLOGGED") else
                           f"CREATE TABLE {table} (LIKE {source} INCLUDING ALL)")
    with raw.cursor() as cursor:
        for path, query in (
            (records_file, f"COPY (SELECT * FROM records_creditrecord WHERE batch_id = {int(batch_id)}) "
                           "TO STDOUT (FORMAT BINARY)"),
            (revisions_file, "COPY (SELECT v.* FROM records_recordrevision v JOIN records_creditrecord r ON "
                             f"r.id = v.record_id WHERE r.batch_id = {int(batch_id)}) TO STDOUT (FORMAT BINARY)"),
        ):
            with path.open("wb") as out, cursor.copy(query) as copy:
                for block in copy:
                    out.write(block)
    raw.commit()
    timings = {}
    with raw.cursor() as cursor:
        for path, table in ((records_file, RAW_RECORDS), (revisions_file, RAW_REVISIONS)):
            started = time.perf_counter()
            with path.open("rb") as source, cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
            raw.commit()
            timings[table] = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {RAW_RECORDS}")
        rows = cursor.fetchone()[0]
        for table in (RAW_RECORDS, RAW_REVISIONS):
            cursor.execute(f"DROP TABLE {table}")
    raw.commit()
    return timings[RAW_RECORDS] + timings[RAW_REVISIONS], timings[RAW_RECORDS], rows


def run() -> None:
    if connection.vendor != "postgresql":
        print("    bench ingest needs PostgreSQL (scripts/bench.sh starts a cluster)")
        return
    from xinyong.ingestion.pipeline import ingest_file

    rows = int(os.environ.get("XINYONG_BENCH_ROWS", "1000000"))
    provider = _setup()
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-ingest-") as tmp:
        work = Path(tmp)
        path = work / "行政处罚.csv"
        started = time.perf_counter()
        generate(path, rows, provider.uscc)
        print(f"    generated {rows} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
              flush=True)

        profile = None
        if os.environ.get("XINYONG_BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        started = time.perf_counter()
        result = ingest_file(path_or_stream=path, item_code="admin-penalty", provider=provider, channel="command")
        seconds = time.perf_counter() - started
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ.get("XINYONG_BENCH_PROFILE_SORT", "tottime")).print_stats(40)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if result.accepted != rows:
            raise RuntimeError(f"expected every generated row to be accepted: {result.as_line()}")
        rate = result.received / seconds
        print(f"    pipeline: {result.received} rows in {seconds:.1f} s ({rate:,.0f} rows/s); "
              f"{result.subjects_created} subjects created; audit seq {result.audit_seq}", flush=True)

        raw_seconds, records_only, copied = _raw_copy(result.batch, work)
        raw_rate = copied / raw_seconds
        print(f"    raw binary COPY of the same rows: records + revisions {raw_seconds:.1f} s "
              f"({raw_rate:,.0f} rows/s); records only {copied / records_only:,.0f} rows/s", flush=True)
    print(f"BENCH ingest rows={result.received} rows_per_s={rate:.0f} raw_copy_rows_per_s={raw_rate:.0f} "
          f"ratio={rate / raw_rate:.3f} peak_rss_mb={peak_rss_mb:.0f}", flush=True)
