"""Start-up checks of the database roles (Art 15; security requirement 14; docs/operations/database.md).

In production the platform refuses to start when its database role could rewrite the append-only tables: a
superuser, the owner of a restricted table, or a role holding UPDATE, DELETE, TRUNCATE or TRIGGER where
`xinyong.core.database_roles.RESTRICTED_TABLES` does not give it. `xinyong.wsgi` refuses before serving; the
system check below stops the worker, the scheduler and every management command that runs checks.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from xinyong.core.database_roles import role_problems

HINT = ("Run migrations as the owner role and grant the application role its privileges: xinyong db migrate "
        "(see docs/operations/database.md).")


@checks.register()
def check_database_roles(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return []
    try:
        problems = role_problems(connection)
    except DatabaseError:
        return []  # an unreachable database is reported by whatever needs it next
    # Production refuses; a development database with a single role gets a warning.
    kind, code = (checks.Error, "core.E001") if settings.PRODUCTION else (checks.Warning, "core.W001")
    return [kind(problem, hint=HINT, id=code) for problem in problems]


def refuse_unsafe_database_roles() -> None:
    """Raise ImproperlyConfigured in production when the application role could rewrite append-only tables."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        problems = role_problems(connection)
    finally:
        connection.close()
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))
