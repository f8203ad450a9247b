"""Account security through services, commands, the API and pages: separation of duties (三员分立), no default
account, password storage and strength, the authenticator reset (security requirements 4–6, 12; Art 15)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

import xinyong.regulation.parameters as registry
from xinyong.accounts.choices import ADMINISTRATOR_ROLES, Role
from xinyong.accounts.models import TotpDevice, User
from xinyong.accounts.permissions import ROLE_PERMISSIONS, Permission, has_permission
from xinyong.accounts.services import (
    check_role_combination,
    password_set,
    role_grant,
    staff_create,
    totp_device_reset,
    user_disable,
)
from xinyong.accounts.testing import staff_log_in
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import PermissionDenied, ServiceError
from xinyong.web.navigation import CONSOLE_NAVIGATION

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 15")]

BUSINESS_ROLES = sorted(set(Role) - ADMINISTRATOR_ROLES)
# Permission families by what they reach. A new permission joins a family by its prefix.
AUDIT_FAMILY = "audit."
PERSONAL_DATA_FAMILIES = ("subjects.",)


def permissions(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


def changes_something(permission: Permission) -> bool:
    """Every permission but reading (".view") and validating changes users, roles, keys or data."""
    return not permission.value.endswith((".view", ".validate"))


# ---------- requirement 6: no default account ----------


def test_no_account_exists_after_migrate():
    assert User.objects.count() == 0


def test_the_demo_free_install_has_no_password_anywhere_in_the_migrations():
    from pathlib import Path

    import xinyong

    for migration in Path(xinyong.__file__).parent.glob("*/migrations/*.py"):
        text = migration.read_text(encoding="utf-8")
        assert "set_password" not in text and "create_user" not in text and "create_superuser" not in text


# ---------- requirement 6: separation of duties in the permission table ----------


def test_every_role_has_an_entry_in_the_permission_table():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_the_system_administrator_reads_no_audit_record_and_no_personal_data_and_manages_no_account():
    granted = permissions(Role.SYSTEM_ADMIN)
    assert not [p for p in granted if p.value.startswith(AUDIT_FAMILY)]
    assert not [p for p in granted if p.value.startswith(PERSONAL_DATA_FAMILIES)]
    assert Permission.MANAGE_ACCOUNTS not in granted


def test_the_security_administrator_reads_no_personal_data_and_no_audit_record():
    granted = permissions(Role.SECURITY_ADMIN)
    assert not [p for p in granted if p.value.startswith(PERSONAL_DATA_FAMILIES)]
    assert Permission.VIEW_AUDIT not in granted
    assert Permission.MANAGE_ACCOUNTS in granted


def test_the_audit_administrator_changes_no_user_role_or_data():
    granted = permissions(Role.AUDIT_ADMIN)
    assert Permission.VIEW_AUDIT in granted
    assert all(p.value.startswith(AUDIT_FAMILY) for p in granted), granted
    outside_audit = [p for p in granted if changes_something(p) and not p.value.startswith(AUDIT_FAMILY)]
    assert outside_audit == []


def test_only_the_security_administrator_manages_accounts():
    assert [r for r in Role if Permission.MANAGE_ACCOUNTS in permissions(r)] == [Role.SECURITY_ADMIN]


def test_only_the_audit_administrator_reads_the_audit_log():
    assert [r for r in Role if Permission.VIEW_AUDIT in permissions(r)] == [Role.AUDIT_ADMIN]


@pytest.mark.parametrize("admin", sorted(ADMINISTRATOR_ROLES))
@pytest.mark.parametrize("other", sorted(Role))
def test_an_administrator_role_is_never_combined_with_another_role(admin, other):
    if admin == other:
        check_role_combination({admin})
        return
    with pytest.raises(ServiceError) as refused:
        check_role_combination({admin, other})
    assert refused.value.code == "separation_of_duties"


def test_granting_a_second_role_to_an_administrator_is_refused_and_changes_nothing(make_staff):
    auditor = make_staff(roles=("audit_admin",))
    with pytest.raises(ServiceError):
        role_grant(user=auditor, role=Role.SYSTEM_ADMIN)
    assert auditor.role_set() == {Role.AUDIT_ADMIN}
    with pytest.raises(ServiceError):
        staff_create(
            username="both", organization=auditor.organization, roles={"security_admin", "audit_admin"}
        )
    assert not User.objects.filter(username="both").exists()


# ---------- requirement 6: separation of duties through the API and the pages ----------


@pytest.fixture
def org(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


def test_the_audit_administrator_cannot_change_organizations_through_the_api(api_client_for, org):
    client = api_client_for(org, ["audit_admin"])
    response = client.post(
        "/api/v1/organizations",
        {"uscc": org.uscc, "name": "改名", "kind": "authority", "division": "130800"},
        content_type="application/json",
    )
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "承德市行政审批局"


def test_the_security_administrator_cannot_list_subjects_through_the_api(api_client_for, org):
    assert api_client_for(org, ["security_admin"]).get("/api/v1/subjects").status_code == 403


def test_the_system_administrator_cannot_read_audit_proofs_through_the_api(api_client_for, org):
    response = api_client_for(org, ["system_admin"]).get("/api/v1/audit/checkpoints/latest")
    assert response.status_code == 403


def test_the_staff_session_api_applies_the_same_separation(make_staff, org):
    auditor = make_staff(roles=("audit_admin",), organization=org)
    client = Client()
    staff_log_in(client, auditor)
    response = client.post(
        "/api/v1/organizations",
        {"uscc": org.uscc, "name": "改名", "kind": "authority", "division": "130800"},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("admin", sorted(ADMINISTRATOR_ROLES))
def test_each_administrator_gets_the_permission_page_for_every_console_page_its_role_lacks(
    make_staff, org, admin
):
    user = make_staff(roles=(admin,), organization=org)
    client = Client()
    staff_log_in(client, user)
    checked = 0
    for item in CONSOLE_NAVIGATION:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        allowed = item.permission is None or has_permission(user, item.permission)
        if allowed:
            continue
        response = client.get(url)
        assert response.status_code == 403, (admin, url)
        checked += 1
    assert checked >= 1


def test_the_system_administrator_cannot_open_the_audit_log_page(make_staff, org):
    try:
        url = reverse("audit:event-list")
    except NoReverseMatch:
        pytest.skip("no audit log page yet")
    sysadmin = make_staff(roles=("system_admin",), organization=org)
    client = Client()
    staff_log_in(client, sysadmin)
    assert client.get(url).status_code == 403


def test_the_security_administrator_cannot_open_the_subjects_page(make_staff, org):
    secadmin = make_staff(roles=("security_admin",), organization=org)
    client = Client()
    staff_log_in(client, secadmin)
    assert client.get("/console/subjects/").status_code == 403


@pytest.mark.parametrize(
    ("action", "event_type"),
    [
        (
            lambda actor, target: role_grant(user=target, role=Role.ANALYST, actor=actor),
            AuditEventType.ROLE_GRANTED,
        ),
        (lambda actor, target: password_set(user=target, actor=actor), AuditEventType.PASSWORD_SET),
        (lambda actor, target: user_disable(user=target, actor=actor), AuditEventType.USER_DISABLED),
        (lambda actor, target: totp_device_reset(user=target, actor=actor), AuditEventType.MFA_RESET),
        (
            lambda actor, target: staff_create(
                username="newcomer", organization=target.organization, roles={"analyst"}, actor=actor
            ),
            AuditEventType.USER_CREATED,
        ),
    ],
    ids=["role_grant", "password_set", "user_disable", "totp_device_reset", "staff_create"],
)
@pytest.mark.parametrize("actor_role", ["audit_admin", "system_admin", "case_handler"])
def test_only_the_security_administrator_changes_accounts_and_refusals_are_audited(
    make_staff, org, action, event_type, actor_role
):
    actor = make_staff(roles=(actor_role,), organization=org)
    target = make_staff(roles=("case_handler",), organization=org)
    password_before = User.objects.get(pk=target.pk).password
    with pytest.raises(PermissionDenied):
        action(actor, target)
    target.refresh_from_db()
    assert target.is_active and target.password == password_before
    assert target.role_set() == {Role.CASE_HANDLER}
    assert not User.objects.filter(username="newcomer").exists()
    denied = AuditEvent.objects.get(event_type=event_type, outcome=AuditOutcome.DENIED)
    assert denied.actor_id == actor.pk


def test_the_security_administrator_grants_roles_and_the_grant_is_audited(make_staff, org):
    secadmin = make_staff(roles=("security_admin",), organization=org)
    target = make_staff(roles=("case_handler",), organization=org)
    role_grant(user=target, role=Role.ANALYST, actor=secadmin)
    granted = AuditEvent.objects.get(event_type=AuditEventType.ROLE_GRANTED)
    assert granted.actor_id == secadmin.pk and granted.details == {"role": "analyst"}


# ---------- requirement 5: passwords ----------


@pytest.mark.parametrize(
    "weak",
    ["Short1a", "password12345", "123456789012", "caseworker2024", "qwertyuiop123"],
    ids=["too-short", "common", "numeric", "like-the-user-name", "keyboard-walk"],
)
def test_weak_passwords_are_refused_by_staff_create(org, weak):
    with pytest.raises(ServiceError) as refused:
        staff_create(username="caseworker2024", organization=org, roles={"case_handler"}, password=weak)
    assert refused.value.code == "weak_password"
    assert not User.objects.filter(username="caseworker2024").exists()


def test_passwords_are_stored_as_pbkdf2_sm3_with_the_registry_work_factor_and_a_random_salt(make_staff):
    first, second = make_staff(), make_staff()
    iterations = registry.parameter("accounts.password_pbkdf2_iterations").value
    assert iterations >= 100_000
    for user in (first, second):
        algorithm, stored_iterations, salt, digest = user.password.split("$")
        assert algorithm == "pbkdf2_sm3"
        assert int(stored_iterations) == iterations
        assert len(salt) >= 16 and len(digest) == 44
        assert user.plain_password not in user.password
    assert first.password.split("$")[2] != second.password.split("$")[2]


def _with_iterations(monkeypatch, value):
    real = registry.parameter

    def patched(name, on=None):
        result = real(name, on)
        if name == "accounts.password_pbkdf2_iterations":
            from dataclasses import replace

            return replace(result, value=value)
        return result

    monkeypatch.setattr(registry, "parameter", patched)


def test_a_higher_registry_work_factor_rehashes_the_password_at_the_next_login(monkeypatch, make_staff):
    user = make_staff()
    _with_iterations(monkeypatch, 160_000)
    staff_log_in(Client(), user)
    user.refresh_from_db()
    assert user.password.split("$")[1] == "160000"


def test_a_registry_work_factor_below_the_floor_stops_hashing(monkeypatch, org):
    _with_iterations(monkeypatch, 99_999)
    with pytest.raises(ImproperlyConfigured):
        staff_create(username="floor", organization=org, roles={"case_handler"})


def test_a_password_change_by_the_owner_is_validated_and_audited(make_staff):
    user = make_staff()
    with pytest.raises(ServiceError):
        password_set(user=user, password="123456789012", actor=user)
    new = password_set(user=user, password="Kx7-plenty-long-Qz", actor=user)
    user.refresh_from_db()
    assert user.check_password(new)
    event = AuditEvent.objects.get(event_type=AuditEventType.PASSWORD_SET)
    assert event.details == {"by": "self"}
    assert new not in str(event.details)


# ---------- requirement 4: resetting the authenticator ----------


def test_the_security_administrator_resets_an_authenticator_and_the_next_login_enrols_again(make_staff, org):
    secadmin = make_staff(roles=("security_admin",), organization=org)
    staff = make_staff(roles=("case_handler",), organization=org)
    staff_log_in(Client(), staff)
    assert TotpDevice.objects.filter(user=staff, confirmed_at__isnull=False).exists()

    assert totp_device_reset(user=staff, actor=secadmin) is True
    assert not TotpDevice.objects.filter(user=staff).exists()
    reset = AuditEvent.objects.get(event_type=AuditEventType.MFA_RESET)
    assert reset.actor_id == secadmin.pk and reset.target_id == str(staff.pk)
    client = Client()
    response = client.post("/staff/login/", {"username": staff.username, "password": staff.plain_password})
    assert response["Location"] == "/staff/login/enroll/"


def test_a_security_administrator_cannot_reset_their_own_authenticator(make_staff, org):
    secadmin = make_staff(roles=("security_admin",), organization=org)
    staff_log_in(Client(), secadmin)
    with pytest.raises(ServiceError) as refused:
        totp_device_reset(user=secadmin, actor=secadmin)
    assert refused.value.code == "own_authenticator"
    assert TotpDevice.objects.filter(user=secadmin).exists()
    assert AuditEvent.objects.get(event_type=AuditEventType.MFA_RESET).outcome == AuditOutcome.DENIED


# ---------- commands ----------


def test_create_staff_prints_a_generated_password_once_and_the_account_logs_in(org, capsys):
    call_command(
        "accounts",
        "create-staff",
        "--username",
        "clerk",
        "--org",
        org.uscc,
        "--role",
        "data_submitter",
        "--role",
        "analyst",
        "--display-name",
        "李四",
    )
    out = capsys.readouterr().out
    username, password = re.search(r"^(clerk)\t(\S+)$", out, re.M).groups()
    user = User.objects.get(username=username)
    assert user.display_name == "李四"
    assert user.role_set() == {Role.DATA_SUBMITTER, Role.ANALYST}
    assert user.check_password(password)
    user.plain_password = password
    assert staff_log_in(Client(), user)["Location"] == "/console/"
    created = AuditEvent.objects.get(event_type=AuditEventType.USER_CREATED, target_id=str(user.pk))
    assert password not in str(created.details)


def test_create_staff_refuses_two_administrator_roles(org):
    with pytest.raises(CommandError, match="separation_of_duties"):
        call_command(
            "accounts",
            "create-staff",
            "--username",
            "x",
            "--org",
            org.uscc,
            "--role",
            "system_admin",
            "--role",
            "audit_admin",
        )


def test_reset_totp_and_set_password_from_the_command_line(make_staff, capsys):
    staff = make_staff()
    staff_log_in(Client(), staff)
    call_command("accounts", "reset-totp", staff.username)
    assert not TotpDevice.objects.filter(user=staff).exists()
    call_command("accounts", "set-password", staff.username)
    new_password = capsys.readouterr().out.strip().splitlines()[-1].split("\t")[1]
    staff.refresh_from_db()
    assert staff.check_password(new_password)
    with pytest.raises(CommandError, match="unknown_user"):
        call_command("accounts", "reset-totp", "nobody")
