# The objection window's end may be provisional: counted on weekends alone in a year whose holiday schedule
# is not loaded (domain facts §11; docs/decisions/0013-provisional-deadlines.md).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("lists", "0002_listentry_under_objection_listentry_under_repair"),
    ]

    operations = [
        migrations.AddField(
            model_name="listentry",
            name="objection_window_provisional",
            field=models.BooleanField(default=False, verbose_name="objection window end provisional"),
        ),
        migrations.AlterField(
            model_name="listentryevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("proposed", "proposed"),
                    ("notified", "prior notice served"),
                    ("decided", "decided"),
                    ("published", "published"),
                    ("removed", "removed"),
                    ("window_set", "objection window recomputed"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
    ]
