from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class ListsConfig(AppConfig):
    """Red and black lists, the listing procedure with written prior notice, removal (Art 22, 24, 31)."""

    name = "xinyong.lists"
    label = "lists"

    def ready(self) -> None:
        from xinyong.core.workdays import provisional_deadlines_recompute

        post_migrate.connect(seed_lists, sender=self, dispatch_uid="lists_seed")
        provisional_deadlines_recompute.connect(recompute_windows, dispatch_uid="lists_recompute_windows")


def recompute_windows(sender, *, calendar, on, **kwargs):
    """A calendar edit: recompute the provisional objection windows (domain facts §11). Nothing while the
    lists' tables do not exist yet (the calendar is seeded after a partial migrate too)."""
    from django.db import connection

    from xinyong.lists.models import ListEntry, ListEntryEvent
    from xinyong.lists.services import entries_recompute_provisional_windows

    tables = {ListEntry._meta.db_table, ListEntryEvent._meta.db_table}
    if not tables <= set(connection.introspection.table_names()):
        return None
    return entries_recompute_provisional_windows(calendar=calendar, on=on)


# The seed writes to the lists' tables and to the audit log.
_REQUIRED_APPS = ("lists", "audit")


def seed_lists(*, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After every migrate (and test-database flush): make sure the four seeded lists are there.

    Idempotent, audited, and a no-op while the tables do not exist yet (as `xinyong.catalog.apps`).
    """
    from django.apps import apps
    from django.db import connections

    if using != DEFAULT_DB_ALIAS:
        return
    required = {m._meta.db_table for label in _REQUIRED_APPS for m in apps.get_app_config(label).get_models()}
    if not required <= set(connections[using].introspection.table_names()):
        return
    from xinyong.lists.seed import lists_seed

    lists_seed()
