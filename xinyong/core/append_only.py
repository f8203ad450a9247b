"""Append-only tables at the database level (security requirement 14), as a migration operation.

PostgreSQL: row triggers refuse UPDATE and DELETE and a statement trigger refuses TRUNCATE; SQLite: triggers
refuse UPDATE and DELETE (it has no TRUNCATE). On PostgreSQL the application role owns none of these tables and
holds only the privileges of `xinyong.core.database_roles.RESTRICTED_TABLES`, so it cannot disable or drop the
triggers either (docs/operations/database.md).

Migrations import this module: keep its behaviour stable, and change it only together with a new migration.
"""

from __future__ import annotations

from django.db import migrations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xinyong_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END $$;
"""


def _install_statements(vendor: str, tables: tuple[str, ...]) -> list[str]:
    statements = []
    if vendor == "postgresql":
        statements.append(PG_FUNCTION)
        for table in tables:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION xinyong_refuse_change()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION xinyong_refuse_change()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for operation in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {operation} refused'); END"
                )
    return statements


def _uninstall_statements(vendor: str, tables: tuple[str, ...]) -> list[str]:
    statements = []
    for table in tables:
        if vendor == "postgresql":
            statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                           f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]
        elif vendor == "sqlite":
            statements += [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
    return statements


def make_append_only(*tables: str) -> migrations.RunPython:
    """A migration operation that makes `tables` append-only (and undoes it when migrating backwards)."""

    def install(apps, schema_editor):
        for statement in _install_statements(schema_editor.connection.vendor, tables):
            # No parameters: the function body's % signs are not placeholders.
            schema_editor.execute(statement, params=None)

    def uninstall(apps, schema_editor):
        for statement in _uninstall_statements(schema_editor.connection.vendor, tables):
            schema_editor.execute(statement, params=None)

    return migrations.RunPython(install, uninstall)
