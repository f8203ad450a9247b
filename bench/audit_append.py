"""Audit append with SM3 chaining and the head-row lock, against a plain INSERT of the same rows into a table
of the same shape, one transaction per row, with one writer and with four writer processes (PostgreSQL).

ratio = chained rows/s ÷ plain rows/s (goal ≥ 0.5)."""

from __future__ import annotations

import multiprocessing
import os
import time

from django.db import connection, transaction

ROWS_ONE = 3000
ROWS_FOUR = 4000

PLAIN_TABLE = "bench_plain_audit_event"


def _prepare_plain_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
        cursor.execute(
            f"CREATE TABLE {PLAIN_TABLE} (LIKE audit_auditevent INCLUDING ALL)"
            if connection.vendor == "postgresql"
            else f"CREATE TABLE {PLAIN_TABLE} AS SELECT * FROM audit_auditevent WHERE 0"
        )


def _plain_rows(worker: int, count: int) -> None:
    from django.utils import timezone

    from xinyong.core.context import current_request_id

    for i in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PLAIN_TABLE} (seq, leaf_hash, chain_hash, chain_key_id, occurred_at, event_type, "
                "actor_label, target_type, target_id, target_label, articles, request_id, outcome, details) "
                "VALUES (%s, '', '', '', %s, 9001, '', '', '', 'bench', '[]', %s, 'success', %s)",
                [worker * 10_000_000 + i, timezone.now(), current_request_id(), f'{{"worker": {worker}, "i": {i}}}'],
            )


def _chained_rows(worker: int, count: int) -> None:
    from xinyong.audit.choices import AuditEventType
    from xinyong.audit.services import audit_record

    for i in range(count):
        with transaction.atomic():
            audit_record(AuditEventType.DEMO_DATA_LOADED, target_label="bench", details={"worker": worker, "i": i})


def _worker(kind: str, worker: int, count: int, ready, start) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    django.setup()
    connection.ensure_connection()
    ready.release()
    start.wait()
    (_plain_rows if kind == "plain" else _chained_rows)(worker, count)


def _timed_parallel(kind: str, writers: int, total: int) -> float:
    """Rows per second once every writer is connected and ready (start-up is not timed)."""
    connection.close()
    context = multiprocessing.get_context("spawn")
    ready, start = context.Semaphore(0), context.Event()
    processes = [
        context.Process(target=_worker, args=(kind, w, total // writers, ready, start)) for w in range(writers)
    ]
    for p in processes:
        p.start()
    for _ in processes:
        ready.acquire()
    started = time.perf_counter()
    start.set()
    for p in processes:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"{kind} writer failed with exit code {p.exitcode}")
    return total / (time.perf_counter() - started)


def run() -> None:
    from xinyong.audit.log import audit_log_verify

    _prepare_plain_table()
    started = time.perf_counter()
    _plain_rows(0, ROWS_ONE)
    plain_one = ROWS_ONE / (time.perf_counter() - started)
    started = time.perf_counter()
    _chained_rows(0, ROWS_ONE)
    chained_one = ROWS_ONE / (time.perf_counter() - started)
    print(f"BENCH audit_append_1 writers=1 rows={ROWS_ONE} chained_rows_per_s={chained_one:.0f} "
          f"plain_insert_rows_per_s={plain_one:.0f} ratio={chained_one / plain_one:.2f}")

    if connection.vendor != "postgresql":
        print("(four writer processes need PostgreSQL; skipped)")
        return
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {PLAIN_TABLE}")
    plain_four = _timed_parallel("plain", 4, ROWS_FOUR)
    chained_four = _timed_parallel("chained", 4, ROWS_FOUR)
    result = audit_log_verify()
    assert result.ok, result
    print(f"BENCH audit_append_4 writers=4 rows={ROWS_FOUR} chained_rows_per_s={chained_four:.0f} "
          f"plain_insert_rows_per_s={plain_four:.0f} log_size={result.size} verified=yes "
          f"ratio={chained_four / plain_four:.2f}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
