"""Services for divisions, organizations and accounts (Art 6, 7).

Each runs in one transaction and writes its audit record inside it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import (
    ADMINISTRATOR_ROLES,
    AccountKind,
    DivisionLevel,
    OrganizationKind,
    Role,
)
from xinyong.accounts.models import ApiToken, Division, Organization, RoleAssignment, TotpDevice, User
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record, audited_denial
from xinyong.core.errors import PermissionDenied, ServiceError, bilingual
from xinyong.core.identifiers import IdentifierType, validate

IMPLEMENTS = (
    "Art 6: division_create, organization_add, divisions_load_chengde",
    "Art 15: require_account_manager, staff_create, role_grant, password_set, user_disable, totp_device_reset, api_client_create, api_token_issue",
)

# Letters and digits that cannot be mistaken for each other when a password is read out.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105
GENERATED_PASSWORD_LENGTH = 16


def generate_password() -> str:
    """A random password for a new account: there are no default passwords (security requirement 6)."""
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))
        if any(c.isdigit() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


def division_get(code: str) -> Division:
    try:
        return Division.objects.get(code=code)
    except Division.DoesNotExist:
        raise ServiceError(
            "unknown_division", _("Unknown division code %(code)s.") % {"code": code}, field="division"
        ) from None


def division_create(
    *, code: str, name: str, level: DivisionLevel, parent: Division | None, actor=None
) -> Division:
    """Add a division to the jurisdiction tree (GB/T 2260)."""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ServiceError("invalid_division_code", _("A division code has 6, 9 or 12 digits."), field="code")
    if parent is not None and not code.startswith(parent.prefix):
        raise ServiceError(
            "division_outside_parent", _("The code does not lie inside the parent division."), field="code"
        )
    with transaction.atomic():
        if Division.objects.filter(code=code).exists():
            raise ServiceError("duplicate_division", _("This division code already exists."), field="code")
        division = Division.objects.create(code=code, name=name, level=level, parent=parent)
        audit_record(
            AuditEventType.DIVISION_CREATED,
            actor=actor,
            target=division,
            target_label=str(division),
            articles=["Art 6"],
        )
    return division


def _organization_snapshot(org: Organization) -> dict:
    return {
        "uscc": org.uscc,
        "name": org.name,
        "kind": org.kind,
        "division": org.division.code,
        "is_provider": org.is_provider,
        "is_implementer": org.is_implementer,
    }


def validated_uscc(value: str, *, field: str = "uscc") -> str:
    """The normalized USCC, or a ServiceError naming the field and the rule that failed (Art 20)."""
    result = validate(IdentifierType.USCC, value)
    if not result.ok:
        raise ServiceError(
            f"uscc_{result.error.code}",
            bilingual(f"统一社会信用代码{result.error.message_zh}", f"USCC: {result.error.message_en}"),
            field=field,
        )
    return result.value


@dataclass(frozen=True)
class OrganizationAddResult:
    organization: Organization
    created: bool
    changed: bool


def organization_add(
    *,
    uscc: str,
    name: str,
    kind: OrganizationKind | str,
    division_code: str,
    is_provider: bool | None = None,
    is_implementer: bool | None = None,
    parent: Organization | None = None,
    actor=None,
) -> OrganizationAddResult:
    """Create an organization or bring an existing one (same USCC) up to date; idempotent (Art 6)."""
    code = validated_uscc(uscc)
    name = name.strip()
    if not name:
        raise ServiceError("required", _("The name is required."), field="name")
    try:
        kind = OrganizationKind(kind)
    except ValueError:
        raise ServiceError("invalid_choice", _("Unknown organization kind."), field="kind") from None
    division = division_get(division_code)
    defaults = {
        "name": name,
        "kind": kind,
        "division": division,
        "is_provider": kind
        in (OrganizationKind.DEPARTMENT, OrganizationKind.COURT, OrganizationKind.PROCURATORATE)
        if is_provider is None
        else is_provider,
        "is_implementer": kind == OrganizationKind.DEPARTMENT if is_implementer is None else is_implementer,
    }
    if parent is not None:
        defaults["parent"] = parent
    with transaction.atomic():
        existing = Organization.objects.select_for_update().filter(uscc=code).first()
        if existing is None:
            org = Organization.objects.create(uscc=code, **defaults)
            audit_record(
                AuditEventType.ORGANIZATION_CREATED,
                actor=actor,
                target=org,
                target_label=org.name,
                articles=["Art 6"],
                changes=[
                    Change("accounts.organization", str(org.pk), "create", None, _organization_snapshot(org))
                ],
            )
            return OrganizationAddResult(org, created=True, changed=True)
        before = _organization_snapshot(existing)
        for attr, value in defaults.items():
            setattr(existing, attr, value)
        after = _organization_snapshot(existing)
        if before == after:
            return OrganizationAddResult(existing, created=False, changed=False)
        existing.save()
        audit_record(
            AuditEventType.ORGANIZATION_UPDATED,
            actor=actor,
            target=existing,
            target_label=existing.name,
            articles=["Art 6"],
            changes=[Change("accounts.organization", str(existing.pk), "update", before, after)],
        )
        return OrganizationAddResult(existing, created=False, changed=True)


def organization_get_by_uscc(uscc: str) -> Organization:
    try:
        return Organization.objects.select_related("division").get(uscc=validated_uscc(uscc))
    except Organization.DoesNotExist:
        raise ServiceError(
            "unknown_organization", _("No organization has this USCC."), field="organization"
        ) from None


def require_account_manager(
    actor, event_type: AuditEventType, *, target: User | None = None, label: str = ""
):
    """三员分立: only the security administrator changes accounts, roles and credentials (security req. 6).

    `actor` None is the operator at the server's command line (`xinyong accounts ...`). A refusal is audited
    in its own transaction, so it is kept although nothing changed.
    """
    if actor is None or has_permission(actor, Permission.MANAGE_ACCOUNTS):
        return
    audited_denial(
        event_type,
        actor=actor,
        target=target,
        target_label=label or (target.username if target is not None else ""),
        articles=["Art 15"],
        details={"reason": "permission_denied", "permission": str(Permission.MANAGE_ACCOUNTS)},
    )
    raise PermissionDenied()


def _validated_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("weak_password", " ".join(exc.messages), field="password") from None


def check_role_combination(roles: set[Role]) -> None:
    """三员分立: an administrator role is held alone (security requirement 6)."""
    admin_roles = roles & ADMINISTRATOR_ROLES
    if admin_roles and len(roles) > 1:
        raise ServiceError(
            "separation_of_duties",
            _("The system, security and audit administrator roles cannot be combined with any other role."),
            field="roles",
        )


@dataclass(frozen=True)
class NewAccount:
    user: User
    password: str


def staff_create(
    *,
    username: str,
    organization: Organization,
    roles: set[Role],
    display_name: str = "",
    password: str | None = None,
    actor=None,
) -> NewAccount:
    """Create a staff account with a generated (or given, validated) password and its roles.

    Weak passwords are refused by the configured validators (security req. 5); the account has no
    authenticator yet and enrols one at its first login (req. 4). Only the security administrator (or the
    server's command line) creates accounts (req. 6).
    """
    require_account_manager(actor, AuditEventType.USER_CREATED, label=username)
    roles = {Role(r) for r in roles}
    check_role_combination(roles)
    password = password or generate_password()
    _validated_password(password, User(username=username, display_name=display_name))
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ServiceError("duplicate_username", _("This user name is taken."), field="username")
        user = User(
            username=username, display_name=display_name, organization=organization, kind=AccountKind.STAFF
        )
        user.set_password(password)
        user.save()
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=r) for r in sorted(roles))
        audit_record(
            AuditEventType.USER_CREATED,
            actor=actor,
            target=user,
            target_label=username,
            organization=organization,
            articles=["Art 15"],
            details={"roles": sorted(roles), "kind": AccountKind.STAFF},
        )
    return NewAccount(user, password)


def role_grant(*, user: User, role: Role, actor=None) -> None:
    """Grant a role, refusing combinations that break the separation of duties (security req. 6)."""
    require_account_manager(actor, AuditEventType.ROLE_GRANTED, target=user)
    role = Role(role)
    with transaction.atomic():
        current = set(
            RoleAssignment.objects.select_for_update().filter(user=user).values_list("role", flat=True)
        )
        current = {Role(r) for r in current}
        if role in current:
            return
        check_role_combination(current | {role})
        RoleAssignment.objects.create(user=user, role=role)
        user._role_cache = None
        audit_record(
            AuditEventType.ROLE_GRANTED,
            actor=actor,
            target=user,
            target_label=user.username,
            organization=user.organization,
            articles=["Art 15"],
            details={"role": role},
        )


def password_set(*, user: User, password: str | None = None, actor=None) -> str:
    """Give an account a new password (given and validated, or generated) and return it (req. 5, 12).

    A staff or subject account may change its own password; anyone else's needs the security administrator.
    The new hash changes the session hash, so the account's other sessions end at their next request.
    """
    if actor is None or actor.pk != user.pk:
        require_account_manager(actor, AuditEventType.PASSWORD_SET, target=user)
    password = password or generate_password()
    _validated_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            AuditEventType.PASSWORD_SET,
            actor=actor,
            target=user,
            target_label=user.username,
            organization=user.organization,
            articles=["Art 15"],
            details={"by": "self" if actor is not None and actor.pk == user.pk else "administrator"},
        )
    return password


def user_disable(*, user: User, actor=None) -> None:
    """Disable an account; its sessions end at their next request and its tokens stop working (req. 3)."""
    require_account_manager(actor, AuditEventType.USER_DISABLED, target=user)
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, is_active=True).update(is_active=False):
            return
        user.is_active = False
        audit_record(
            AuditEventType.USER_DISABLED,
            actor=actor,
            target=user,
            target_label=user.username,
            organization=user.organization,
            articles=["Art 15"],
        )


def totp_device_reset(*, user: User, actor=None) -> bool:
    """Remove a staff member's authenticator (lost or replaced phone); returns whether one existed.

    The next login after the password takes the staff member to enrolment again (security req. 4). Only the
    security administrator, and never for their own account, may do this: a stolen session must not be able
    to re-bind the second factor. Hand the account back in person, since whoever logs in next with the
    password enrols the new authenticator.
    """
    require_account_manager(actor, AuditEventType.MFA_RESET, target=user)
    if actor is not None and actor.pk == user.pk:
        audited_denial(
            AuditEventType.MFA_RESET,
            actor=actor,
            target=user,
            target_label=user.username,
            articles=["Art 15"],
            details={"reason": "own_account"},
        )
        raise ServiceError(
            "own_authenticator",
            _("Another security administrator must reset your own authenticator."),
            field="user",
        )
    with transaction.atomic():
        deleted, _by_model = TotpDevice.objects.filter(user=user).delete()
        audit_record(
            AuditEventType.MFA_RESET,
            actor=actor,
            target=user,
            target_label=user.username,
            organization=user.organization,
            articles=["Art 15"],
            details={"had_device": bool(deleted)},
        )
    return bool(deleted)


def user_get_by_username(username: str) -> User:
    try:
        return User.objects.select_related("organization").get(username=username)
    except User.DoesNotExist:
        raise ServiceError("unknown_user", _("No account has this user name."), field="username") from None


def token_digest(token: str) -> str:
    """Tokens are high-entropy secrets: a fast digest is enough and lets the lookup use an index."""
    from xinyong.core.crypto import get_provider

    return get_provider().sm3(token.encode()).hex()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def api_client_create(
    *,
    username: str,
    organization: Organization,
    roles: set[Role],
    token_name: str = "default",  # noqa: S107
    actor=None,
) -> IssuedToken:
    """Create an API client account for a department system and issue its first token."""
    require_account_manager(actor, AuditEventType.USER_CREATED, label=username)
    roles = {Role(r) for r in roles}
    check_role_combination(roles)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ServiceError("duplicate_username", _("This user name is taken."), field="username")
        user = User(username=username, organization=organization, kind=AccountKind.API)
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=r) for r in sorted(roles))
        audit_record(
            AuditEventType.USER_CREATED,
            actor=actor,
            target=user,
            target_label=username,
            organization=organization,
            articles=["Art 15"],
            details={"roles": sorted(roles), "kind": AccountKind.API},
        )
        return api_token_issue(user=user, name=token_name, actor=actor)


def api_token_issue(*, user: User, name: str, expires_at=None, actor=None) -> IssuedToken:
    """Issue a bearer token; the secret is shown once and only its digest is kept."""
    require_account_manager(actor, AuditEventType.API_TOKEN_ISSUED, target=user)
    secret = "xy_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:10], digest=token_digest(secret), expires_at=expires_at
        )
        audit_record(
            AuditEventType.API_TOKEN_ISSUED,
            actor=actor,
            target=user,
            target_label=user.username,
            organization=user.organization,
            articles=["Art 15"],
            details={"token_prefix": token.prefix},
        )
    return IssuedToken(token, secret)


def api_token_authenticate(secret: str) -> User | None:
    """The active API client for a bearer token, or None."""
    if not secret or not secret.startswith("xy_"):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


CHENGDE_DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "chengde_divisions.json"


def divisions_load_chengde(*, actor=None) -> int:
    """Load Chengde's jurisdiction tree (idempotent); returns the number of divisions added (Art 6)."""
    rows = json.loads(CHENGDE_DIVISIONS_FILE.read_text(encoding="utf-8"))["divisions"]
    added = 0
    with transaction.atomic():
        existing = {d.code: d for d in Division.objects.all()}
        for code, name, level, parent_code, valid_until in rows:
            if code in existing:
                continue
            division = Division.objects.create(
                code=code,
                name=name,
                level=level,
                parent=existing.get(parent_code) if parent_code else None,
                valid_until=dt.date.fromisoformat(valid_until) if valid_until else None,
            )
            existing[code] = division
            added += 1
        if added:
            audit_record(
                AuditEventType.DIVISION_CREATED,
                actor=actor,
                articles=["Art 6"],
                target_label="承德市行政区划",
                details={"added": added, "source": CHENGDE_DIVISIONS_FILE.name},
            )
    return added
