# A case's due date may be provisional: counted on weekends alone in a year whose holiday schedule is not
# loaded (domain facts §11; docs/decisions/0013-provisional-deadlines.md).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rights", "0002_append_only_timeline_and_files"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="due_on_provisional",
            field=models.BooleanField(default=False, verbose_name="decision due date provisional"),
        ),
    ]
