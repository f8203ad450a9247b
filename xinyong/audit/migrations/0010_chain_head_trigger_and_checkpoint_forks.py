"""The chain head moves only with an appended event, and a fork can be recorded (security req. 14–16, 23).

Chain head. A trigger on `audit_auditevent` advances the head row to each inserted event, and refuses an event
whose sequence number does not follow the head; the head's own trigger refuses every other change (a direct
UPDATE, a step of more than one, DELETE, TRUNCATE). `xinyong audit verify` compares the log with the head, so
rows deleted after the last checkpoint are detected: the application role cannot rewind the head (PostgreSQL:
it does not own the table, so it cannot disable the trigger either; docs/operations/database.md). The trigger
functions pin their search path, so a temporary table cannot stand in for the head.

Checkpoints. Several checkpoints may have the same tree size: two different roots for one size (a witness's
copy against the log's) are kept as evidence of a fork instead of being refused.
"""

from django.db import migrations, models

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION xinyong_audit_advance_head() RETURNS trigger LANGUAGE plpgsql
SET search_path = {schema}, pg_temp AS $$
BEGIN
  UPDATE audit_auditchainhead SET seq = NEW.seq, chain_hash = NEW.chain_hash WHERE id = 1 AND seq = NEW.seq - 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit event % does not follow the chain head', NEW.seq USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION xinyong_audit_head_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = {schema}, pg_temp AS $$
BEGIN
  -- Only the advance trigger (one level down) may move the head, and one event at a time.
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit chain head: % refused, it moves only with an appended event', TG_OP
    USING ERRCODE = '42501';
END $$;
"""

PG_TRIGGERS = [
    "CREATE TRIGGER audit_auditevent_advance_head AFTER INSERT ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION xinyong_audit_advance_head()",
    "CREATE TRIGGER audit_auditchainhead_guard BEFORE UPDATE OR DELETE ON audit_auditchainhead "
    "FOR EACH ROW EXECUTE FUNCTION xinyong_audit_head_guard()",
    "CREATE TRIGGER audit_auditchainhead_no_truncate BEFORE TRUNCATE ON audit_auditchainhead "
    "FOR EACH STATEMENT EXECUTE FUNCTION xinyong_refuse_change()",
]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_auditevent_advance_head AFTER INSERT ON audit_auditevent BEGIN "
    "SELECT RAISE(ABORT, 'audit event does not follow the chain head') WHERE NOT EXISTS "
    "(SELECT 1 FROM audit_auditchainhead WHERE id = 1 AND seq = NEW.seq - 1); "
    "UPDATE audit_auditchainhead SET seq = NEW.seq, chain_hash = NEW.chain_hash WHERE id = 1; END",
    "CREATE TRIGGER audit_auditchainhead_one_step BEFORE UPDATE ON audit_auditchainhead "
    "WHEN NEW.id != OLD.id OR NEW.seq != OLD.seq + 1 "
    "BEGIN SELECT RAISE(ABORT, 'audit chain head: UPDATE refused, it moves only with an appended event'); END",
    "CREATE TRIGGER audit_auditchainhead_no_delete BEFORE DELETE ON audit_auditchainhead "
    "BEGIN SELECT RAISE(ABORT, 'audit chain head: DELETE refused'); END",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        schema_editor.execute(PG_FUNCTIONS.format(schema=schema_editor.quote_name(schema)), params=None)
        for statement in PG_TRIGGERS:
            schema_editor.execute(statement, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in (
            "DROP TRIGGER IF EXISTS audit_auditevent_advance_head ON audit_auditevent",
            "DROP TRIGGER IF EXISTS audit_auditchainhead_guard ON audit_auditchainhead",
            "DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead",
            "DROP FUNCTION IF EXISTS xinyong_audit_advance_head()",
            "DROP FUNCTION IF EXISTS xinyong_audit_head_guard()",
        ):
            schema_editor.execute(statement, params=None)
    elif vendor == "sqlite":
        for name in ("audit_auditevent_advance_head", "audit_auditchainhead_one_step", "audit_auditchainhead_no_delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_event_types_rights_notifications")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.AlterField(
            model_name="auditcheckpoint",
            name="size",
            field=models.BigIntegerField(db_index=True, verbose_name="tree size"),
        ),
    ]
