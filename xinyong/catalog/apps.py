from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    """The public credit information catalog (目录制, Art 18), and the prohibited-data screen (Art 19)."""

    name = "xinyong.catalog"
    label = "catalog"

    def ready(self) -> None:
        post_migrate.connect(seed_catalog, sender=self, dispatch_uid="catalog_seed")


# The seed writes to the catalog's tables and to the audit log (every step is audited).
_REQUIRED_APPS = ("catalog", "audit", "accounts")


def seed_catalog(*, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After every migrate (and test-database flush): make sure the catalog's seed is there.

    A post_migrate handler rather than a data migration: the seed goes through the services, which use the
    current models and write audit records, and a data migration calling them would break as soon as a
    later migration changed those tables. The seed is idempotent (xinyong/catalog/seed.py) and does nothing
    when the tables are not there yet (a partial migrate, or `migrate catalog zero`).
    """
    from django.apps import apps
    from django.db import connections

    if using != DEFAULT_DB_ALIAS:
        return
    required = {m._meta.db_table for label in _REQUIRED_APPS for m in apps.get_app_config(label).get_models()}
    if not required <= set(connections[using].introspection.table_names()):
        return
    from xinyong.catalog.seed import catalog_seed

    catalog_seed()
