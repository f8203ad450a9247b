"""Credit-record revisions are append-only at the database level (security requirement 14)."""

from django.db import migrations

from xinyong.core.append_only import make_append_only


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial"), ("audit", "0002_append_only")]
    operations = [make_append_only("records_recordrevision")]
