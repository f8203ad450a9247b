"""A case's timeline and its files are append-only at the database level (Art 28, 32, 33; security req. 14):
the steps of a case and the evidence it was decided on cannot be changed afterwards."""

from django.db import migrations

from xinyong.core.append_only import make_append_only


class Migration(migrations.Migration):
    dependencies = [("rights", "0001_initial"), ("audit", "0002_append_only")]

    operations = [make_append_only("rights_caseevent", "rights_casefile")]
