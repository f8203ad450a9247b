"""The query log is append-only at the database level (Art 21, 29; security req. 11, 14), and the
organization search index gets its GIN index on PostgreSQL.

Query log. UPDATE and TRUNCATE are refused always. DELETE is refused for every entry younger than five
years, the floor of `retention.query_log` (domain facts §6: query records are kept at least five years):
`xinyong queries purge` archives and deletes entries past the retention in force, and nothing else deletes.
The floor is written here, not read from the parameter file, so that no application setting can lower it;
a longer retention is applied by the purge command. PostgreSQL uses a row trigger (its function below) and
the statement trigger function `xinyong_refuse_change` of audit/0002; SQLite uses triggers with a WHEN
clause (SQLite has no TRUNCATE).

Search. A GIN index on `name_bigrams` (a tsvector on PostgreSQL); SQLite searches names directly.
"""

from django.db import migrations

TABLE = "disclosure_querylogentry"
FLOOR_YEARS = 5

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION xinyong_query_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - interval '{FLOOR_YEARS} years' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END $$;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements += [
            PG_FUNCTION,
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION xinyong_query_log_guard()",
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION xinyong_refuse_change()",
            "CREATE INDEX disclosure_orgsearch_bigrams ON disclosure_organizationsearch USING gin (name_bigrams)",
        ]
    elif vendor == "sqlite":
        statements += [
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {TABLE}: UPDATE refused'); END",
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            f"WHEN OLD.occurred_at >= datetime('now', '-{FLOOR_YEARS} years') "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {TABLE}: DELETE refused'); END",
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS xinyong_query_log_guard()")
        schema_editor.execute("DROP INDEX IF EXISTS disclosure_orgsearch_bigrams")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial"), ("audit", "0002_append_only")]
    operations = [migrations.RunPython(install, uninstall)]
