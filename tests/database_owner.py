"""Tampering as an intruder holding the database owner's credentials would (PostgreSQL), or with the database
file in hand (SQLite): the only ways past the append-only triggers. The application role cannot do this
(tests/core/test_database_roles.py).

On PostgreSQL the statements run on a connection of their own, as the owner role, and are committed: tests that
tamper therefore use a transactional database (`@pytest.mark.django_db(transaction=True)`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from django.db import connection


def owner_execute(sql: str, params: Sequence = (), *, bypass: Iterable[str] = ()) -> None:
    """Run `sql` as the owner with the triggers of the `bypass` tables disabled, and commit."""
    owner_execute_many([(sql, params)], bypass=bypass)


def owner_execute_many(statements: Iterable[tuple[str, Sequence]], *, bypass: Iterable[str] = ()) -> None:
    bypass = list(bypass)
    if connection.vendor == "postgresql":
        import psycopg

        from xinyong.core.database_roles import OWNER_URL_ENV, owner_settings

        owner = owner_settings(os.environ.get(OWNER_URL_ENV, ""))
        with (
            psycopg.connect(dbname=connection.settings_dict["NAME"], user=owner["USER"], password=owner["PASSWORD"],
                            host=owner["HOST"], port=owner["PORT"]) as conn,
            conn.transaction(),
            conn.cursor() as cursor,
        ):
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in bypass:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            for sql, params in statements:
                cursor.execute(sql, list(params) or None)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks, so the tables can be altered
            for table in bypass:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        return
    with connection.cursor() as cursor:
        triggers = []
        if bypass:
            placeholders = ", ".join("%s" for _ in bypass)
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({placeholders})",
                           bypass)
            triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        for sql, params in statements:
            cursor.execute(sql, list(params))
        for _name, sql in triggers:
            cursor.execute(sql)
