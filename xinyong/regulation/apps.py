from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class RegulationConfig(AppConfig):
    """The regulation as data: articles and dated, referenced parameters (OpenFisca habit)."""

    name = "xinyong.regulation"
    label = "regulation"

    def ready(self) -> None:
        from xinyong.regulation import checks  # noqa: F401  (registers the parameter file check)

        post_migrate.connect(load_regulation_data, sender=self, dispatch_uid="regulation_load_data")


# The loaders write to the regulation's tables and to the audit log (every load is audited).
_REQUIRED_APPS = ("regulation", "audit")


def load_regulation_data(*, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After every migrate (and test-database flush): make sure the articles and the calendar are loaded.

    A fresh database thus has the regulation's 37 articles and every year `chinesecalendar` holds. Both
    loaders are idempotent and audited; they do nothing when the tables are not there yet (a partial
    migrate, or `migrate regulation zero`).
    """
    from django.apps import apps
    from django.db import connections

    if using != DEFAULT_DB_ALIAS:
        return
    required = {m._meta.db_table for label in _REQUIRED_APPS for m in apps.get_app_config(label).get_models()}
    if not required <= set(connections[using].introspection.table_names()):
        return
    from xinyong.regulation.services import calendar_seed_from_package, regulation_load_articles

    regulation_load_articles()
    calendar_seed_from_package()  # also recomputes provisional deadlines into the years it adds
