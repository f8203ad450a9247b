"""Notices and deliveries are never deleted (Art 24, 29: what the platform told a subject, and when, stays
provable). DELETE is refused at the database level on both tables; UPDATE stays allowed (a notice is marked
read, a delivery changes status). PostgreSQL: a row trigger; SQLite: a trigger per table."""

from django.db import migrations

TABLES = ("notifications_notice", "notifications_outboxmessage")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xinyong_notifications_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table %: DELETE refused, notices are kept', TG_TABLE_NAME USING ERRCODE = '42501';
END $$;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements.append(PG_FUNCTION)
        statements += [
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION xinyong_notifications_refuse_delete()"
            for table in TABLES
        ]
    elif vendor == "sqlite":
        statements += [
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'table {table}: DELETE refused, notices are kept'); END"
            for table in TABLES
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}", params=None)
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS xinyong_notifications_refuse_delete()", params=None)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
