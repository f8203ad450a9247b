"""Shared test set-up: a throwaway keyring, Chengde's divisions, organizations and staff with roles."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Keys live outside the repository and the database; the suite makes its own before Django loads.
if "XINYONG_KEY_FILE" not in os.environ:
    os.environ["XINYONG_KEY_FILE"] = str(Path(tempfile.mkdtemp(prefix="xinyong-keys-")) / "keyring.json")
os.environ.setdefault("XINYONG_ENV", "test")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


def pytest_configure(config):
    from xinyong.core.crypto import keyring_init

    key_file = Path(os.environ["XINYONG_KEY_FILE"])
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        keyring_init(key_file)


@pytest.fixture
def divisions(db):
    from xinyong.accounts.models import Division
    from xinyong.accounts.services import divisions_load_chengde

    divisions_load_chengde()
    return {d.code: d for d in Division.objects.all()}


@pytest.fixture
def make_org(divisions):
    from xinyong.accounts.services import organization_add
    from xinyong.core.identifiers import make_uscc

    counter = iter(range(1, 10_000))

    def factory(*, name="承德市市场监督管理局", kind="department", division="130800", uscc=None):
        code = uscc or make_uscc("1", "1", division[:6], f"{next(counter):08d}")
        return organization_add(uscc=code, name=name, kind=kind, division_code=division).organization

    return factory


@pytest.fixture
def make_staff(make_org):
    from xinyong.accounts.services import staff_create

    counter = iter(range(1, 10_000))

    def factory(*, roles=("case_handler",), organization=None, username=None):
        org = organization or make_org()
        account = staff_create(
            username=username or f"staff{next(counter)}",
            organization=org,
            roles=set(roles),
            display_name="测试",
        )
        account.user.plain_password = account.password
        return account.user

    return factory


@pytest.fixture
def api_client_for():
    """A Django test client authenticated as an API client with a bearer token."""
    from django.test import Client

    from xinyong.accounts.services import api_client_create

    counter = iter(range(1, 10_000))

    def factory(organization, roles):
        issued = api_client_create(
            username=f"api{next(counter)}", organization=organization, roles=set(roles)
        )
        return Client(headers={"Authorization": f"Bearer {issued.secret}"})

    return factory


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_use_migrations,
                    django_db_keepdb, django_db_createdb, django_db_modify_db_settings):
    """The test database, created and migrated by the owner role; the suite then runs as the application role.

    With `XINYONG_MIGRATE_DATABASE_URL` set (scripts/test.sh sets it) and PostgreSQL, the owner creates the test
    database, migrates it and grants the application role (DATABASE_URL) its privileges, as `xinyong db
    migrate` does in production (docs/operations/database.md); the tests connect as the application role, so
    every test runs with the privileges production has. Otherwise (SQLite) pytest-django's own set-up.
    """
    from contextlib import nullcontext

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from xinyong.core.database_roles import OWNER_URL_ENV, owner_connection, privileges_grant

    two_roles = bool(os.environ.get(OWNER_URL_ENV)) and connection.vendor == "postgresql"
    application_role = connection.settings_dict["USER"]
    as_owner = owner_connection if two_roles else nullcontext
    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock(), as_owner():
        db_cfg = setup_databases(verbosity=request.config.option.verbose, interactive=False, keepdb=keepdb,
                                 aliases=aliases, serialized_aliases=serialized_aliases)
        if two_roles:
            privileges_grant(connection, application_role=application_role)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock(), as_owner():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


# Tables whose triggers refuse DELETE or TRUNCATE: the test runner's flush passes them as the owner.
GUARDED_TABLES = (
    "audit_auditevent", "audit_objectchange", "audit_auditcheckpoint", "audit_auditchainhead",
    "records_recordrevision", "disclosure_querylogentry", "rights_caseevent", "rights_casefile",
    "notifications_notice", "notifications_outboxmessage",
)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_append_only_triggers():
    """Let the test runner empty append-only tables between transactional tests (PostgreSQL).

    The flush runs as the owner role (the application role may neither empty these tables nor disable their
    triggers: tests/core/test_database_roles.py), briefly disables the tables' own triggers, and puts the
    audit chain head back at its genesis, as the migration created it. It deletes rows instead of truncating
    tables (a tenth of the time on these small tables; constraints are checked once, at the end).
    """
    from django.db.backends.postgresql.base import DatabaseWrapper

    from xinyong.audit.chain import GENESIS_HASH
    from xinyong.core.database_roles import OWNER_URL_ENV, owner_connection

    DatabaseOperations = DatabaseWrapper.ops_class

    original = DatabaseOperations.sql_flush
    original_execute = DatabaseOperations.execute_sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not statements:
            return statements
        guarded = [t for t in GUARDED_TABLES if t in tables]
        disable = [f'ALTER TABLE "{t}" DISABLE TRIGGER USER;' for t in guarded]
        enable = [f'ALTER TABLE "{t}" ENABLE TRIGGER USER;' for t in guarded]
        if not reset_sequences:
            statements = ["SET CONSTRAINTS ALL DEFERRED;", *(f'DELETE FROM "{t}";' for t in tables),
                          "SET CONSTRAINTS ALL IMMEDIATE;"]
        head = []
        if "audit_auditchainhead" in tables:
            head = [f"INSERT INTO audit_auditchainhead (id, seq, chain_hash) VALUES (1, 0, '{GENESIS_HASH}');"]
        return disable + statements + enable + head

    def execute_sql_flush(self, sql_list):
        if not os.environ.get(OWNER_URL_ENV):
            return original_execute(self, sql_list)
        with owner_connection(self.connection.alias):
            return original_execute(self, sql_list)

    DatabaseOperations.sql_flush = sql_flush
    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.sql_flush = original
    DatabaseOperations.execute_sql_flush = original_execute


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_past_append_only_triggers():
    """Let transactional tests empty the append-only audit tables on SQLite too (the fixture above does
    PostgreSQL). SQLite cannot disable a trigger, so the flush drops the tables' triggers, empties the
    tables and creates the same triggers again from their stored definitions."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        with self.connection.cursor() as cursor:
            placeholders = ", ".join("%s" for _ in tables)
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                f"({placeholders})",
                list(tables),
            )
            triggers = cursor.fetchall()
        drop = [f'DROP TRIGGER "{name}";' for name, _ in triggers]
        return drop + statements + [sql for _, sql in triggers]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original
