# A measure case's feedback deadline may be provisional: counted on weekends alone in a year whose holiday
# schedule is not loaded (domain facts §11; docs/decisions/0013-provisional-deadlines.md).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("measures", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="measurecase",
            name="feedback_due_provisional",
            field=models.BooleanField(default=False, verbose_name="feedback due date provisional"),
        ),
    ]
