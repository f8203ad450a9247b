"""Bulk storage of records and revisions inside the batch transaction.

PostgreSQL: ids reserved from the record sequence in one statement, then binary COPY of the records and of
their revisions (psycopg `copy(...)` with `set_types`). SQLite: ids from MAX(id) under the write lock the
batch transaction already holds, then `executemany`. No per-row statements on either.
"""

from __future__ import annotations

import threading

from django.db import connection

from xinyong.records.models import CreditRecord, RecordRevision

RECORD_TABLE = CreditRecord._meta.db_table
REVISION_TABLE = RecordRevision._meta.db_table

RECORD_COLUMNS = (
    "id", "subject_id", "item_id", "item_code", "provider_id", "document_number", "decision_date",
    "disclosure_class", "publication_start", "publication_end", "status", "under_objection", "under_repair",
    "name_mismatch", "batch_id", "revision", "created_at",
)
RECORD_TYPES = (
    "int8", "int8", "int8", "text", "int8", "text", "date", "text", "date", "date", "text", "bool", "bool",
    "bool", "int8", "int4", "timestamptz",
)
REVISION_COLUMNS = (
    "record_id", "number", "subject_id_at", "item_id_at", "disclosure_class", "status", "decision_date",
    "publication_start", "publication_end", "data", "reason", "source", "actor_id", "created_at", "integrity",
    "integrity_key_id",
)
REVISION_TYPES = (
    "int8", "int4", "int8", "int8", "text", "text", "date", "date", "date", "jsonb", "text", "text", "int8",
    "timestamptz", "text", "text",
)
DATA_INDEX = REVISION_COLUMNS.index("data")


def _identity(text: str) -> str:
    return text


class Storage:
    """Writes prepared tuples; `data` in revision tuples is the canonical JSON text of the field values.

    `store(records, revisions)` may return before the rows are written (PostgreSQL: the COPY runs in a
    worker thread while the caller parses and validates the next chunk); `wait()` must be called before the
    connection is used again, and re-raises any error of the write.
    """

    def reserve_record_ids(self, n: int) -> list[int]:
        raise NotImplementedError

    def store(self, records: list[tuple], revisions: list[tuple]) -> None:
        self.insert_records(records)
        self.insert_revisions(revisions)

    def wait(self) -> None:
        return None

    def insert_records(self, rows: list[tuple]) -> None:
        raise NotImplementedError

    def insert_revisions(self, rows: list[tuple]) -> None:
        raise NotImplementedError


class PostgresStorage(Storage):
    def __init__(self, record_table: str = RECORD_TABLE, revision_table: str = REVISION_TABLE):
        self.record_table = record_table
        self.revision_table = revision_table
        self._sequence: str | None = None
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None

    def store(self, records: list[tuple], revisions: list[tuple]) -> None:
        """Start the COPY of one chunk in a worker thread: the database works on it while this thread reads
        and validates the next chunk (the main thread does not touch the connection until `wait()`)."""
        self.wait()
        connection.ensure_connection()
        raw = connection.connection  # Django's connection object is per thread: hand the worker this one

        def work():
            try:
                self.insert_records(records, raw=raw)
                self.insert_revisions(revisions, raw=raw)
            except BaseException as exc:  # re-raised by wait() in the batch's thread
                self._error = exc

        self._worker = threading.Thread(target=work, name="ingest-copy", daemon=True)
        self._worker.start()

    def wait(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def reserve_record_ids(self, n: int) -> list[int]:
        if n == 0:
            return []
        with connection.cursor() as cursor:
            if self._sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [RECORD_TABLE])
                self._sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self._sequence, n])
            return [row[0] for row in cursor.fetchall()]

    def _copy(self, table: str, columns: tuple, types: tuple, rows: list[tuple], wrap_json: bool, raw=None) -> None:
        if not rows:
            return
        from psycopg.types.json import Jsonb

        if raw is None:
            connection.ensure_connection()
            raw = connection.connection  # the psycopg connection, inside Django's transaction
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(list(types))
            write = copy.write_row
            if wrap_json:
                for row in rows:
                    row = list(row)
                    row[DATA_INDEX] = Jsonb(row[DATA_INDEX], dumps=_identity)
                    write(row)
            else:
                for row in rows:
                    write(row)

    def insert_records(self, rows: list[tuple], raw=None) -> None:
        self._copy(self.record_table, RECORD_COLUMNS, RECORD_TYPES, rows, wrap_json=False, raw=raw)

    def insert_revisions(self, rows: list[tuple], raw=None) -> None:
        self._copy(self.revision_table, REVISION_COLUMNS, REVISION_TYPES, rows, wrap_json=True, raw=raw)


class SqliteStorage(Storage):
    def reserve_record_ids(self, n: int) -> list[int]:
        if n == 0:
            return []
        with connection.cursor() as cursor:
            # The batch transaction holds SQLite's write lock (IMMEDIATE), so no other writer can take these.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {RECORD_TABLE}")  # noqa: S608 - a model constant
            start = cursor.fetchone()[0] + 1
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [RECORD_TABLE])
            row = cursor.fetchone()
            if row is not None and row[0] >= start:
                start = row[0] + 1
        ids = list(range(start, start + n))
        self._last = ids[-1]
        return ids

    def _executemany(self, table: str, columns: tuple, rows: list[tuple], adapt) -> None:
        if not rows:
            return
        placeholders = ", ".join(["%s"] * len(columns))
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - constants
        with connection.cursor() as cursor:
            cursor.executemany(statement, [adapt(row) for row in rows])

    def insert_records(self, rows: list[tuple]) -> None:
        ops = connection.ops
        created = RECORD_COLUMNS.index("created_at")

        def adapt(row):
            row = list(row)
            row[created] = ops.adapt_datetimefield_value(row[created])
            return row

        self._executemany(RECORD_TABLE, RECORD_COLUMNS, rows, adapt)

    def insert_revisions(self, rows: list[tuple]) -> None:
        ops = connection.ops
        created = REVISION_COLUMNS.index("created_at")

        def adapt(row):
            row = list(row)
            row[created] = ops.adapt_datetimefield_value(row[created])
            return row

        self._executemany(REVISION_TABLE, REVISION_COLUMNS, rows, adapt)


def storage_for_connection() -> Storage:
    return PostgresStorage() if connection.vendor == "postgresql" else SqliteStorage()
