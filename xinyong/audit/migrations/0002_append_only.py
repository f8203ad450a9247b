"""Append-only audit tables at the database level (security requirement 14), and the chain head row.

See xinyong/core/append_only.py for the mechanism (PostgreSQL and SQLite triggers).
"""

from django.db import migrations

from xinyong.core.append_only import make_append_only

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_objectchange", "audit_auditcheckpoint")


def create_chain_head(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "chain_hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        make_append_only(*APPEND_ONLY_TABLES),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
