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


APPEND_ONLY_TABLES = (
    "audit_auditevent", "audit_objectchange", "audit_auditcheckpoint", "records_recordrevision",
    "disclosure_querylogentry", "rights_caseevent", "rights_casefile",
)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_append_only_triggers():
    """Let the test runner empty append-only tables between transactional tests (PostgreSQL only).

    The flush briefly disables the tables' own triggers, which the table owner may do; the application never
    does this (tests/audit/test_append_only.py shows its ordinary statements fail).
    """
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        guarded = [t for t in APPEND_ONLY_TABLES if t in tables]
        if not statements or not guarded:
            return statements
        disable = [f'ALTER TABLE "{t}" DISABLE TRIGGER USER;' for t in guarded]
        enable = [f'ALTER TABLE "{t}" ENABLE TRIGGER USER;' for t in guarded]
        return disable + statements + enable

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


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
