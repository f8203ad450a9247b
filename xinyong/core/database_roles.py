"""Two PostgreSQL roles: an owner that migrates, and the application with only what it needs (Art 15, 32, 33;
security requirement 14; docs/operations/database.md).

The owner role owns the database, its tables and the triggers that make tables append-only; it runs
`xinyong db migrate` and `xinyong db grant`, and its credentials (`XINYONG_MIGRATE_DATABASE_URL`) are given only
to the operator's shell, never to the web server, the worker or the scheduler. The application role
(`DATABASE_URL`) owns nothing: it reads and writes ordinary tables, but on the tables below it holds only the
privileges listed, so it can neither UPDATE, DELETE or TRUNCATE them nor DISABLE or DROP their triggers (only
an owner may alter a table). SQLite has no roles: one file, protected by its triggers alone.

`privileges_grant` (re)grants everything idempotently; `role_problems` is what production start-up checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import dj_database_url
from django.db import DEFAULT_DB_ALIAS, connections, transaction

OWNER_URL_ENV = "XINYONG_MIGRATE_DATABASE_URL"

# Ordinary tables: the application reads and writes rows, nothing more (no TRUNCATE, TRIGGER, REFERENCES).
ORDINARY_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")

# Tables the application may not rewrite: the privileges it holds on each. Every table with a trigger of the
# platform must be listed (tests/core/test_database_roles.py checks it against the database).
RESTRICTED_TABLES: dict[str, tuple[str, ...]] = {
    # The audit log and its signed checkpoints (Art 32, 33; req. 14–16): append only.
    "audit_auditevent": ("SELECT", "INSERT"),
    "audit_objectchange": ("SELECT", "INSERT"),
    "audit_auditcheckpoint": ("SELECT", "INSERT"),
    # The chain head: advanced by the trigger on audit_auditevent, one step per appended event, and locked by
    # appenders (SELECT … FOR UPDATE needs UPDATE); its own trigger refuses any other change.
    "audit_auditchainhead": ("SELECT", "UPDATE"),
    # Credit-record revisions (Art 30; req. 18): corrections add revisions, nothing edits one.
    "records_recordrevision": ("SELECT", "INSERT"),
    # The query log (Art 21, 29; req. 11): `xinyong queries purge` deletes entries past retention; the
    # trigger refuses to delete any entry younger than the five-year floor, and any UPDATE or TRUNCATE.
    "disclosure_querylogentry": ("SELECT", "INSERT", "DELETE"),
    # A case's timeline and files (Art 28): append only.
    "rights_caseevent": ("SELECT", "INSERT"),
    "rights_casefile": ("SELECT", "INSERT"),
    # Notices and deliveries (Art 24, 29): marked read and delivered (UPDATE), never deleted.
    "notifications_notice": ("SELECT", "INSERT", "UPDATE"),
    "notifications_outboxmessage": ("SELECT", "INSERT", "UPDATE"),
    # Which migrations ran is the owner's business.
    "django_migrations": ("SELECT",),
}

# Privileges that would let the application change a restricted table's rows or its triggers (the order of the
# query in `role_problems`).
_CHECKED_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")


class RoleConfigurationError(RuntimeError):
    """The owner connection is missing or is the application role itself."""


def owner_settings(url: str | None = None) -> dict:
    """The owner role's connection settings from `XINYONG_MIGRATE_DATABASE_URL` (or `url`)."""
    url = url if url is not None else os.environ.get(OWNER_URL_ENV, "")
    if not url:
        raise RoleConfigurationError(f"{OWNER_URL_ENV} is not set: it names the owner role that runs migrations")
    return dj_database_url.parse(url)


@contextmanager
def owner_connection(alias: str = DEFAULT_DB_ALIAS, url: str | None = None) -> Iterator:
    """Use the owner's credentials on connection `alias` for the duration (migrations, grants).

    Only the user, password, host and port change: the database is always DATABASE_URL's (or the test
    runner's test database); the database name in `XINYONG_MIGRATE_DATABASE_URL` is not used. The connection is closed on the way in and out, so it reconnects
    with the right role.
    """
    owner = owner_settings(url)
    conn = connections[alias]
    keys = ("USER", "PASSWORD", "HOST", "PORT")
    saved = {key: conn.settings_dict.get(key) for key in keys}
    if owner.get("USER") == saved["USER"]:
        raise RoleConfigurationError(
            f"{OWNER_URL_ENV} and DATABASE_URL name the same role {saved['USER']!r}; the owner must be another role"
        )
    conn.close()
    conn.settings_dict.update({key: owner.get(key) for key in keys})
    try:
        yield conn
    finally:
        conn.close()
        conn.settings_dict.update(saved)


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def grant_statements(connection, *, application_role: str, owner_role: str, schema: str,
                     existing_tables: set[str]) -> list[str]:
    """The statements that give `application_role` exactly its privileges (idempotent)."""
    app, owner, sch = _quote(connection, application_role), _quote(connection, owner_role), _quote(connection, schema)
    ordinary = ", ".join(ORDINARY_PRIVILEGES)
    statements = [
        f"GRANT USAGE ON SCHEMA {sch} TO {app}",
        f"GRANT {ordinary} ON ALL TABLES IN SCHEMA {sch} TO {app}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {sch} FROM {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}",
    ]
    for table, privileges in RESTRICTED_TABLES.items():
        if table not in existing_tables:
            continue
        name = f"{sch}.{_quote(connection, table)}"
        statements += [f"REVOKE ALL ON TABLE {name} FROM PUBLIC", f"REVOKE ALL ON TABLE {name} FROM {app}",
                       f"GRANT {', '.join(privileges)} ON TABLE {name} TO {app}"]
    # Tables created by later migrations are usable at once; `xinyong db migrate` then restricts them again.
    statements += [
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} GRANT {ordinary} ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]
    return statements


def privileges_grant(connection, *, application_role: str) -> list[str]:
    """(Re)grant the application role its privileges, run on a connection of the owner role; returns the
    restricted tables found. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner_role, schema = cursor.fetchone()
        if owner_role == application_role:
            raise RoleConfigurationError("the application role cannot grant privileges to itself")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [application_role])
        if cursor.fetchone() is None:
            raise RoleConfigurationError(f"role {application_role!r} does not exist")
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')", [schema]
        )
        existing = {row[0] for row in cursor.fetchall()}
        for statement in grant_statements(connection, application_role=application_role, owner_role=owner_role,
                                          schema=schema, existing_tables=existing):
            cursor.execute(statement)
    return sorted(set(RESTRICTED_TABLES) & existing)


def role_problems(connection) -> list[str]:
    """Why the connected role must not run the platform: it is a superuser, owns (or may become the owner of)
    a restricted table, holds a privilege there it should not, or lacks the privileges `xinyong db grant`
    gives. Empty on SQLite and when the tables do not exist yet."""
    if connection.vendor != "postgresql":
        return []
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role, superuser = cursor.fetchone()
        if superuser:
            problems.append(f"the application role {role} is a superuser")
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner), pg_has_role(current_user, c.relowner, 'MEMBER'), "
            "has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'), "
            "has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'), "
            "has_table_privilege(c.oid, 'TRUNCATE'), has_table_privilege(c.oid, 'TRIGGER') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s) ORDER BY 1",
            [list(RESTRICTED_TABLES)],
        )
        for table, owner, acts_as_owner, can_select, *flags in cursor.fetchall():
            if acts_as_owner and not superuser:
                problems.append(f"the application role {role} owns {table} (owner {owner}), so it could alter "
                                "the table and drop its triggers")
                continue
            allowed = set(RESTRICTED_TABLES[table])
            held = {p for p, flag in zip(_CHECKED_PRIVILEGES, flags, strict=True) if flag}
            if not superuser and held - allowed:
                problems.append(f"the application role {role} holds {', '.join(sorted(held - allowed))} on {table}")
            missing = (allowed & {"INSERT", "UPDATE", "DELETE"}) - held
            if not can_select:
                missing.add("SELECT")
            if missing:
                problems.append(f"the application role {role} lacks {', '.join(sorted(missing))} on {table} "
                                "(run xinyong db grant)")
    return problems
