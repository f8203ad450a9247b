from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class MeasuresConfig(AppConfig):
    """Joint reward and punishment measures, credit checks, measure cases and feedback (Art 22–26)."""

    name = "xinyong.measures"
    label = "measures"

    def ready(self) -> None:
        from xinyong.core.workdays import provisional_deadlines_recompute

        post_migrate.connect(seed_measures, sender=self, dispatch_uid="measures_seed")
        provisional_deadlines_recompute.connect(recompute_feedback, dispatch_uid="measures_recompute_feedback")


def recompute_feedback(sender, *, calendar, on, **kwargs):
    """A calendar edit: recompute the provisional feedback deadlines (domain facts §11). Nothing while the
    measures' tables do not exist yet (the calendar is seeded after a partial migrate too)."""
    from django.db import connection

    from xinyong.measures.models import MeasureCase
    from xinyong.measures.services import cases_recompute_provisional_feedback

    if MeasureCase._meta.db_table not in connection.introspection.table_names():
        return None
    return cases_recompute_provisional_feedback(calendar=calendar, on=on)


_REQUIRED_APPS = ("measures", "lists", "audit")


def seed_measures(*, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After every migrate (and test-database flush): make sure the seeded measures are there (idempotent,
    audited; lists first, since measures name the lists that trigger them)."""
    from django.apps import apps
    from django.db import connections

    if using != DEFAULT_DB_ALIAS:
        return
    required = {m._meta.db_table for label in _REQUIRED_APPS for m in apps.get_app_config(label).get_models()}
    if not required <= set(connections[using].introspection.table_names()):
        return
    from xinyong.lists.seed import lists_seed
    from xinyong.measures.seed import measures_seed

    lists_seed()
    measures_seed()
