"""The application's database role owns nothing and cannot rewrite the append-only tables (Art 15, 32, 33;
security requirement 14). The suite itself runs as that role (scripts/test.sh, tests/conftest.py), so every
test exercises production's privileges; these tests prove the boundary directly."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from database_owner import owner_execute
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from xinyong.audit.models import AuditEvent
from xinyong.core.database_roles import OWNER_URL_ENV, RESTRICTED_TABLES, owner_settings, role_problems

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no database roles")
pytestmark = [pytest.mark.postgres, postgres_only]

APPEND_ONLY = [t for t in RESTRICTED_TABLES if t != "django_migrations"]


def refused(sql: str) -> str:
    """Run `sql` as the application role, expect the database to refuse it, and return its message."""
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(excinfo.value)


def user_trigger(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                       "ORDER BY tgname LIMIT 1", [table])
        return cursor.fetchone()[0]


@pytest.fixture
def log(db, make_org):
    make_org(name="承德市市场监督管理局")
    make_org(name="承德市税务局")
    return AuditEvent.objects.count()


def test_the_suite_runs_as_a_role_that_is_no_superuser_and_owns_no_table(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
                       "WHERE rolname = current_user")
        role, superuser, create_role, create_db = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                       "AND pg_has_role(current_user, tableowner, 'MEMBER')")
        (owned,) = cursor.fetchone()
    assert role == connection.settings_dict["USER"] != owner_settings()["USER"]
    assert (superuser, create_role, create_db, owned) == (False, False, False, 0)
    assert role_problems(connection) == []


def test_the_application_cannot_disable_drop_or_bypass_the_audit_triggers(log):
    trigger = user_trigger("audit_auditevent")
    assert "must be owner of table audit_auditevent" in refused("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    assert "must be owner of table audit_auditevent" in refused(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {trigger}")
    assert "must be owner of relation audit_auditevent" in refused(f"DROP TRIGGER {trigger} ON audit_auditevent")
    assert "must be owner of table audit_auditevent" in refused("DROP TABLE audit_auditevent CASCADE")
    assert "must be owner of table audit_auditevent" in refused(
        "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER")
    assert "permission denied to set parameter" in refused("SET session_replication_role = replica")
    # Refused by the privileges, before any trigger is reached.
    assert "permission denied for table audit_auditevent" in refused(
        "UPDATE audit_auditevent SET outcome = 'denied' WHERE seq = 1")
    assert "permission denied for table audit_auditevent" in refused("DELETE FROM audit_auditevent WHERE seq = 1")
    assert "permission denied for table audit_auditevent" in refused("TRUNCATE audit_auditevent CASCADE")
    assert AuditEvent.objects.count() == log
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith(f"ok size={log} ")


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_no_append_only_table_can_be_altered_truncated_or_rewritten_by_the_application(db, table):
    assert f"must be owner of table {table}" in refused(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    assert f"must be owner of relation {table}" in refused(f"DROP TRIGGER {user_trigger(table)} ON {table}")
    assert f"permission denied for table {table}" in refused(f"TRUNCATE {table} CASCADE")
    allowed = RESTRICTED_TABLES[table]
    if "UPDATE" not in allowed:
        assert f"permission denied for table {table}" in refused(f"UPDATE {table} SET id = id")
    if "DELETE" not in allowed:
        assert f"permission denied for table {table}" in refused(f"DELETE FROM {table}")


def test_the_chain_head_moves_only_with_an_appended_event(log):
    # The application role may lock the head (UPDATE privilege), but its trigger refuses a direct change.
    assert "it moves only with an appended event" in refused("UPDATE audit_auditchainhead SET seq = seq - 1")
    assert "it moves only with an appended event" in refused("UPDATE audit_auditchainhead SET seq = seq + 1")
    assert "permission denied for table audit_auditchainhead" in refused("DELETE FROM audit_auditchainhead")
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM audit_auditchainhead")
        assert cursor.fetchone()[0] == log


def test_every_table_with_a_trigger_is_restricted_and_the_privileges_match_the_registry(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE NOT t.tgisinternal")
        with_triggers = {row[0] for row in cursor.fetchall()}
    assert with_triggers <= set(RESTRICTED_TABLES), with_triggers - set(RESTRICTED_TABLES)
    assert role_problems(connection) == []


def owner_wrapper():
    from django.db.backends.postgresql.base import DatabaseWrapper

    owner = owner_settings()
    settings_dict = {**connection.settings_dict, "USER": owner["USER"], "PASSWORD": owner["PASSWORD"]}
    return DatabaseWrapper(settings_dict, alias="owner-check")


def test_the_role_check_reports_a_role_that_owns_the_append_only_tables(db):
    wrapper = owner_wrapper()
    try:
        problems = role_problems(wrapper)
    finally:
        wrapper.close()
    owner = owner_settings()["USER"]
    assert f"the application role {owner} owns audit_auditevent (owner {owner}), so it could alter the table and " \
           "drop its triggers" in problems
    assert len(problems) == len(RESTRICTED_TABLES)


@pytest.mark.django_db(transaction=True)
def test_db_check_finds_a_stray_privilege_and_db_grant_removes_it_idempotently():
    app = connection.settings_dict["USER"]
    owner_execute(f"GRANT UPDATE, TRUNCATE ON audit_auditevent TO {app}")
    with pytest.raises(CommandError) as excinfo:
        call_command("db", "check", stdout=io.StringIO())
    assert excinfo.value.returncode == 3
    assert f"the application role {app} holds TRUNCATE, UPDATE on audit_auditevent" in str(excinfo.value)
    for _ in range(2):
        out = io.StringIO()
        call_command("db", "grant", stdout=out)
        assert f"granted {app}" in out.getvalue() and "audit_auditevent" in out.getvalue()
    out = io.StringIO()
    call_command("db", "check", stdout=out)
    assert out.getvalue().strip() == "ok"


@pytest.mark.django_db(transaction=True)
def test_db_grant_refuses_without_the_owner_role(monkeypatch):
    monkeypatch.delenv(OWNER_URL_ENV)
    with pytest.raises(CommandError, match=f"{OWNER_URL_ENV} is not set"):
        call_command("db", "grant", stdout=io.StringIO())
    monkeypatch.setenv(OWNER_URL_ENV, os.environ["DATABASE_URL"])
    with pytest.raises(CommandError, match="name the same role"):
        call_command("db", "grant", stdout=io.StringIO())


PRODUCTION = {
    "XINYONG_ENV": "production",
    "XINYONG_SECRET_KEY": "k" * 20 + "R7v2Qp9Lx4Zt8Nw3Hy6Jb1Mc5Fd0Gs" + "q" * 10,
    "XINYONG_HTTPS": "on",
    "XINYONG_ALLOWED_HOSTS": "credit.chengde.gov.cn",
    "XINYONG_DEBUG": "off",
    "XINYONG_PUBLIC_URL": "https://credit.chengde.gov.cn",
}


def start_production(user: str, password: str, code: str) -> subprocess.CompletedProcess:
    s = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != OWNER_URL_ENV}
    env.update(PRODUCTION)
    env["DATABASE_URL"] = f"postgres://{user}:{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


WSGI = "import xinyong.wsgi"
CHECK = "from xinyong.cli import main; main(['xinyong', 'check'])"


def test_production_refuses_to_start_as_the_owner_of_the_append_only_tables(db):
    owner = owner_settings()
    served = start_production(owner["USER"], owner["PASSWORD"], WSGI)
    assert served.returncode != 0
    assert (f"Refusing to start in production: the application role {owner['USER']} owns audit_auditchainhead"
            in served.stderr)
    checked = start_production(owner["USER"], owner["PASSWORD"], CHECK)
    assert checked.returncode != 0
    assert "(core.E001) the application role" in checked.stderr and "owns audit_auditevent" in checked.stderr


def test_production_starts_as_the_application_role(db):
    s = connection.settings_dict
    served = start_production(s["USER"], s["PASSWORD"], WSGI)
    assert served.returncode == 0, served.stderr
    checked = start_production(s["USER"], s["PASSWORD"], CHECK)
    assert checked.returncode == 0, checked.stderr
    assert "core.E001" not in checked.stderr + checked.stdout
