"""The courts' list takes each entry's term from the court (法释〔2017〕7号第二条): the court's last day or no
fixed term on the entry, the court's extensions and removals; the list's invented 24-month rule is no longer used.

Existing entries keep the end date they were published with; staff record the court's actual term with an
extension where it differs (docs/user/lists-and-measures.md).
"""

from django.db import migrations, models


def court_list_without_duration_rule(apps, schema_editor):
    """The courts' list names no duration rule any more (the parameter is ended in the registry)."""
    ListDefinition = apps.get_model("lists", "ListDefinition")
    ListDefinition.objects.filter(kind="court_enforcement", duration_parameter="lists.court_enforcement_duration").update(
        duration_parameter=""
    )


def court_list_back_to_its_old_rule(apps, schema_editor):
    """Going back to 0002, whose constraint needs a duration rule on every list."""
    ListDefinition = apps.get_model("lists", "ListDefinition")
    ListDefinition.objects.filter(kind="court_enforcement", duration_parameter="").update(
        duration_parameter="lists.court_enforcement_duration"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('lists', '0002_listentry_under_objection_listentry_under_repair'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='listdefinition',
            name='lists_definition_has_duration_rule',
        ),
        migrations.AddField(
            model_name='listentry',
            name='court_term_end',
            field=models.DateField(blank=True, null=True, verbose_name="court's term ends on (inclusive)"),
        ),
        migrations.AddField(
            model_name='listentry',
            name='court_term_open',
            field=models.BooleanField(default=False, verbose_name='no fixed term (until the court removes the entry)'),
        ),
        migrations.AlterField(
            model_name='listdefinition',
            name='duration_parameter',
            field=models.CharField(blank=True, max_length=100, verbose_name='duration rule'),
        ),
        migrations.RunPython(court_list_without_duration_rule, court_list_back_to_its_old_rule),
        migrations.AlterField(
            model_name='listentry',
            name='removal_reason',
            field=models.CharField(blank=True, choices=[('expiry', 'listing period ended'), ('repair', 'credit repair'), ('revocation', 'basis revoked or listed in error'), ('court', 'removed by the court')], max_length=16, verbose_name='removal reason'),
        ),
        migrations.AlterField(
            model_name='listentryevent',
            name='action',
            field=models.CharField(choices=[('proposed', 'proposed'), ('notified', 'prior notice served'), ('decided', 'decided'), ('extended', 'term extended by the court'), ('published', 'published'), ('removed', 'removed')], max_length=16, verbose_name='action'),
        ),
        migrations.AddConstraint(
            model_name='listdefinition',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'court_enforcement'), models.Q(('duration_parameter', ''), _negated=True), _connector='OR'), name='lists_definition_has_term_rule'),
        ),
        migrations.AddConstraint(
            model_name='listentry',
            constraint=models.CheckConstraint(condition=models.Q(('court_term_open', False), ('court_term_end__isnull', True), _connector='OR'), name='lists_entry_court_term_end_or_open'),
        ),
    ]
