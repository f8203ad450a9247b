"""Logging in: lockout, per-address throttling, the staff second factor (TOTP) and session limits.

Art 15 (the classified protection scheme, MLPS 2.0 level 3 身份鉴别: login-failure handling, two combined
authentication factors, automatic logout after a timeout) and Art 17 (no illegal access to credit
information); security requirements 1–4 and 12.

* Every attempt is a `LoginAttempt` row, so the counts hold across processes and servers.
* An address with too many failures in the window is refused before any credential is checked
  (`accounts.address_throttle_threshold`): one client can neither keep guessing nor lock out many accounts.
* An account with `accounts.lockout_threshold` failures (wrong password or wrong code) within
  `accounts.lockout_window` is locked for `accounts.lockout_duration`; while locked, the right password gets
  exactly the answer of a wrong one.
* Unknown user, wrong password, locked, inactive and wrong-kind accounts all get the same answer and cost
  the same time: the password hasher runs for each of them.
* Staff need a TOTP code after the password (RFC 6238, 30-second steps, ±1 step); until then the session
  only holds a pending-login marker, never an authenticated user. A code's time step is used once.
* Sessions end after the idle limit of their account kind and the absolute limit since login
  (`sessions.*` parameters); `SessionSecurityMiddleware` applies them on every request.

Every outcome is audited (security requirement 12); passwords and codes never reach the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Max
from django.dispatch import receiver
from django.utils import timezone

from xinyong.accounts.choices import (
    ACCOUNT_FAILURE_OUTCOMES,
    ADDRESS_FAILURE_OUTCOMES,
    AccountKind,
    LoginOutcome,
)
from xinyong.accounts.models import AccountLock, LoginAttempt, TotpDevice, User
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import audit_record
from xinyong.core.crypto import blind_index, get_provider
from xinyong.regulation.parameters import decision_basis, parameter

IMPLEMENTS = ("Art 15: login_password_check, login_second_factor_check, session_end_reason",)

LOCKOUT_THRESHOLD = "accounts.lockout_threshold"
LOCKOUT_WINDOW = "accounts.lockout_window"
LOCKOUT_DURATION = "accounts.lockout_duration"
ADDRESS_THROTTLE_THRESHOLD = "accounts.address_throttle_threshold"
SECOND_FACTOR_TIMEOUT = "accounts.second_factor_timeout"
STAFF_IDLE_TIMEOUT = "sessions.staff_idle_timeout"
CITIZEN_IDLE_TIMEOUT = "sessions.citizen_idle_timeout"
ABSOLUTE_TIMEOUT = "sessions.absolute_timeout"

# RFC 6238 protocol constants, not rules: every authenticator app uses 6 digits and 30-second steps.
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
TOTP_VALID_WINDOW = 1  # accept the previous and the next step too: phone clocks drift
TOTP_SECRET_BYTES = 20  # 160 bits, the key length RFC 4226 recommends for HMAC-SHA-1
TOTP_ISSUER = "承德市公共信用信息平台"

# Session keys (server-side sessions: the browser holds only the session id).
SESSION_LOGIN_AT = "xy_login_at"
SESSION_SEEN_AT = "xy_seen_at"
SESSION_FACTORS = "xy_factors"
SESSION_PENDING = "xy_pending_login"

FACTOR_PASSWORD = "password"  # noqa: S105 - the name of a factor, not a secret
FACTOR_TOTP = "totp"


def _minutes(name: str) -> dt.timedelta:
    return dt.timedelta(minutes=parameter(name).value)


def normalize_username(raw: str) -> str:
    """The user name as accounts store it (NFKC, no surrounding space), cut to the column's length."""
    return User.normalize_username((raw or "").strip())[:150]


def client_address(request) -> str:
    """The client's address for throttling and the audit log.

    REMOTE_ADDR is the peer the server sees. Behind a reverse proxy, set `CLIENT_ADDRESS_HEADER` (e.g.
    "HTTP_X_REAL_IP") to the header that proxy overwrites; a header a client could set itself must never be
    trusted, or an attacker would pick a fresh address for every guess.
    """
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    address = (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR") or ""
    return address.split(",")[0].strip()[:45] or "unknown"


# ---------- counting ----------------------------------------------------------------------------------------


def address_throttled(address: str, *, now: dt.datetime) -> bool:
    """Whether `address` has had too many refused attempts in the lockout window (security req. 1)."""
    since = now - _minutes(LOCKOUT_WINDOW)
    failures = LoginAttempt.objects.filter(
        address=address, attempted_at__gt=since, attempted_at__lte=now, outcome__in=ADDRESS_FAILURE_OUTCOMES
    ).count()
    return failures >= parameter(ADDRESS_THROTTLE_THRESHOLD).value


def account_locked_until(user: User, *, now: dt.datetime) -> dt.datetime | None:
    """The end of the lock in force on `user`, or None when the account is not locked."""
    return (
        AccountLock.objects.filter(user=user, locked_at__lte=now, locked_until__gt=now)
        .aggregate(until=Max("locked_until"))
        .get("until")
    )


def _account_failures(user: User, *, now: dt.datetime) -> int:
    """Failures of this account that count towards a lock: in the window, after its last completed login
    and after the end of its last lock (an expired lock starts a fresh count)."""
    since = now - _minutes(LOCKOUT_WINDOW)
    last_success = (
        LoginAttempt.objects.filter(
            username=user.username, outcome=LoginOutcome.SUCCESS, attempted_at__lte=now
        )
        .aggregate(t=Max("attempted_at"))
        .get("t")
    )
    last_lock_end = (
        AccountLock.objects.filter(user=user, locked_until__lte=now).aggregate(t=Max("locked_until")).get("t")
    )
    for moment in (last_success, last_lock_end):
        if moment is not None and moment > since:
            since = moment
    return LoginAttempt.objects.filter(
        username=user.username,
        attempted_at__gt=since,
        attempted_at__lte=now,
        outcome__in=ACCOUNT_FAILURE_OUTCOMES,
    ).count()


def _username_fingerprint(username: str) -> str:
    """A keyed fingerprint of a name that matches no account: repeated tries of one name can be linked in
    the audit log without writing the text itself, which is often a password typed in the wrong box."""
    return blind_index("login.username", username)[:16]


def _target(user: User | None, username: str) -> dict:
    if user is not None:
        return {"target": user, "target_label": user.username, "organization": user.organization}
    return {"target_label": ""}


def _audit_refusal(
    *,
    event_type: AuditEventType,
    reason: str,
    stage: str,
    user: User | None,
    username: str,
    address: str,
    account_kind: str,
    outcome: AuditOutcome = AuditOutcome.FAILURE,
) -> None:
    details = {"reason": reason, "stage": stage, "address": address, "login_page": account_kind}
    if user is None:
        details["account"] = "unknown"
        details["username_fingerprint"] = _username_fingerprint(username)
    audit_record(
        event_type,
        actor=None,
        articles=["Art 15"],
        outcome=outcome,
        details=details,
        **_target(user, username),
    )


def _lock_if_due(user: User, *, address: str, now: dt.datetime) -> None:
    """Lock `user` when its failures reached the threshold; called after a failure was recorded."""
    if account_locked_until(user, now=now) is not None:
        return
    if _account_failures(user, now=now) < parameter(LOCKOUT_THRESHOLD).value:
        return
    until = now + _minutes(LOCKOUT_DURATION)
    AccountLock.objects.create(user=user, locked_at=now, locked_until=until)
    audit_record(
        AuditEventType.ACCOUNT_LOCKED,
        actor=None,
        target=user,
        target_label=user.username,
        organization=user.organization,
        articles=["Art 15"],
        outcome=AuditOutcome.DENIED,
        details={
            "locked_until": until.isoformat(),
            "address": address,
            **decision_basis(LOCKOUT_THRESHOLD, LOCKOUT_WINDOW, LOCKOUT_DURATION),
        },
    )


def _record(username: str, address: str, now: dt.datetime, outcome: LoginOutcome) -> None:
    LoginAttempt.objects.create(username=username, address=address, attempted_at=now, outcome=outcome)


def _run_hasher_for_timing(password: str) -> None:
    """Hash the password once for nothing, as Django's ModelBackend does for an unknown user, so refusals
    that need no check (unknown user, locked account) take as long as a real check (security req. 2)."""
    User().set_password(password)


# ---------- the password step ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordCheck:
    """The result of the password step. `user` is set only when the password was accepted."""

    user: User | None
    reason: str  # "ok", "bad_credentials", "locked" or "throttled" (for logs and tests; never shown)

    @property
    def ok(self) -> bool:
        return self.user is not None

    @property
    def needs_second_factor(self) -> bool:
        return self.user is not None and self.user.kind == AccountKind.STAFF


def login_password_check(*, username: str, password: str, address: str, account_kind: str) -> PasswordCheck:
    """Check a user name and password at the login page for `account_kind` (security req. 1, 2, 4, 12).

    A subject account whose password is right is logged in (audited LOGIN_SUCCEEDED). A staff account whose
    password is right has passed the first factor only: the attempt is recorded but nothing is granted.
    Every refusal is recorded, audited with its reason, and may lock the account.
    """
    now = timezone.now()
    name = normalize_username(username)

    if address_throttled(address, now=now):
        # Refused before any credential is checked: the answer says nothing about the account.
        with transaction.atomic():
            _record(name, address, now, LoginOutcome.THROTTLED)
            user = User.objects.select_related("organization").filter(username=name).first()
            _audit_refusal(
                event_type=AuditEventType.LOGIN_FAILED,
                reason="throttled",
                stage="password",
                user=user,
                username=name,
                address=address,
                account_kind=account_kind,
                outcome=AuditOutcome.DENIED,
            )
        return PasswordCheck(None, "throttled")

    user = User.objects.select_related("organization").filter(username=name).first()
    locked = user is not None and account_locked_until(user, now=now) is not None
    if user is None or locked or not user.has_usable_password():
        _run_hasher_for_timing(password)
        accepted = False
    elif user.is_active and user.kind == account_kind:
        accepted = user.check_password(password)  # re-hashes with the current work factor when it changed
    else:
        # Inactive, or the other login page: verify anyway (same time) and refuse like a wrong password.
        check_password(password, user.password)
        accepted = False

    with transaction.atomic():
        if not accepted:
            reason = "locked" if locked else "bad_credentials"
            _record(name, address, now, LoginOutcome.LOCKED if locked else LoginOutcome.BAD_CREDENTIALS)
            _audit_refusal(
                event_type=AuditEventType.LOGIN_FAILED,
                reason=reason,
                stage="password",
                user=user,
                username=name,
                address=address,
                account_kind=account_kind,
            )
            if user is not None and not locked:
                _lock_if_due(user, address=address, now=now)
            return PasswordCheck(None, reason)
        if user.kind == AccountKind.STAFF:
            # First factor only: no audit event yet (nothing was granted) and no reset of the failure count,
            # or a holder of the password could alternate it with guesses of the code for ever.
            _record(name, address, now, LoginOutcome.PASSWORD_ACCEPTED)
        else:
            _record(name, address, now, LoginOutcome.SUCCESS)
            _audit_login_succeeded(user, address=address, factors=[FACTOR_PASSWORD])
    return PasswordCheck(user, "ok")


def _audit_login_succeeded(user: User, *, address: str, factors: list[str]) -> None:
    audit_record(
        AuditEventType.LOGIN_SUCCEEDED,
        actor=user,
        target=user,
        target_label=user.username,
        organization=user.organization,
        articles=["Art 15"],
        details={"address": address, "factors": factors, "account_kind": user.kind},
    )


# ---------- TOTP devices -----------------------------------------------------------------------------------


def _new_totp_secret() -> str:
    # The platform's crypto provider draws the key (an HSM in production), never the `random` module
    # (security requirement 20).
    raw = get_provider().random_bytes(TOTP_SECRET_BYTES)
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(device.secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)


def totp_step(moment: dt.datetime) -> int:
    """The RFC 6238 time step (counter) of a moment."""
    return int(moment.timestamp()) // TOTP_STEP_SECONDS


def totp_device_enrollment(user: User) -> TotpDevice:
    """The unconfirmed device a staff member is enrolling, created on first need (req. 4).

    The same secret is shown until it is confirmed, so reloading the page does not invalidate the entry the
    staff member has just added to the app. A confirmed device is never returned here.
    """
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None:
            if device.is_confirmed:
                raise ValueError("this account already has a confirmed authenticator")
            return device
        return TotpDevice.objects.create(user=user, secret=_new_totp_secret(), created_at=timezone.now())


def totp_provisioning_uri(device: TotpDevice) -> str:
    """The otpauth:// URI authenticator apps read (Key Uri Format)."""
    return _totp(device).provisioning_uri(name=device.user.username, issuer_name=TOTP_ISSUER)


def totp_has_confirmed_device(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def _matching_step(device: TotpDevice, code: str, now: dt.datetime) -> int | None:
    """The time step within ±TOTP_VALID_WINDOW whose code equals `code` (compared in constant time)."""
    totp = _totp(device)
    current = totp_step(now)
    found = None
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        # Check every candidate: the time taken does not depend on which one matched.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


@dataclass(frozen=True)
class SecondFactorCheck:
    ok: bool
    reason: str  # "ok", "bad_code", "replayed", "locked", "throttled", "no_device", "inactive"


def login_second_factor_check(*, user: User, code: str, address: str, enrolling: bool) -> SecondFactorCheck:
    """Check a staff member's TOTP code after the password step; completes the login when right (req. 4).

    `enrolling` confirms a new device with its first code (audited MFA_ENROLLED). A code whose time step is
    not later than the device's last used step is a replay and is refused. Wrong and replayed codes count
    towards the account's lockout like wrong passwords; the caller shows one message for every refusal.
    """
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        user = User.objects.select_related("organization").get(pk=user.pk)
        if address_throttled(address, now=now):
            _record(user.username, address, now, LoginOutcome.THROTTLED)
            _audit_refusal(
                event_type=AuditEventType.LOGIN_FAILED,
                reason="throttled",
                stage="second_factor",
                user=user,
                username=user.username,
                address=address,
                account_kind=user.kind,
                outcome=AuditOutcome.DENIED,
            )
            return SecondFactorCheck(False, "throttled")
        if account_locked_until(user, now=now) is not None:
            _record(user.username, address, now, LoginOutcome.LOCKED)
            _audit_refusal(
                event_type=AuditEventType.LOGIN_FAILED,
                reason="locked",
                stage="second_factor",
                user=user,
                username=user.username,
                address=address,
                account_kind=user.kind,
            )
            return SecondFactorCheck(False, "locked")
        if not user.is_active or user.kind != AccountKind.STAFF:
            return SecondFactorCheck(False, "inactive")
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None or device.is_confirmed == enrolling:
            return SecondFactorCheck(False, "no_device")

        step = _matching_step(device, code, now) if code.isdigit() and len(code) == TOTP_DIGITS else None
        if step is None or (device.last_used_step is not None and step <= device.last_used_step):
            reason = "bad_code" if step is None else "replayed"
            _record(user.username, address, now, LoginOutcome.BAD_SECOND_FACTOR)
            audit_record(
                AuditEventType.MFA_FAILED,
                actor=None,
                target=user,
                target_label=user.username,
                organization=user.organization,
                articles=["Art 15"],
                outcome=AuditOutcome.FAILURE,
                details={"reason": reason, "address": address, "enrolling": enrolling},
            )
            _lock_if_due(user, address=address, now=now)
            return SecondFactorCheck(False, reason)

        device.last_used_step = step
        update_fields = ["last_used_step"]
        if enrolling:
            device.confirmed_at = now
            update_fields.append("confirmed_at")
        device.save(update_fields=update_fields)
        if enrolling:
            audit_record(
                AuditEventType.MFA_ENROLLED,
                actor=user,
                target=user,
                target_label=user.username,
                organization=user.organization,
                articles=["Art 15"],
                details={"method": "totp", "address": address},
            )
        _record(user.username, address, now, LoginOutcome.SUCCESS)
        _audit_login_succeeded(user, address=address, factors=[FACTOR_PASSWORD, FACTOR_TOTP])
    return SecondFactorCheck(True, "ok")


# ---------- pending logins and sessions --------------------------------------------------------------------


def pending_login_begin(request, user: User, *, next_url: str) -> None:
    """Remember that `user` passed the password step; grants nothing (security req. 4).

    The session key changes here already, so an id planted before the password step is worthless.
    """
    request.session.cycle_key()
    request.session[SESSION_PENDING] = {
        "user_id": user.pk,
        "started_at": timezone.now().timestamp(),
        "next": next_url,
    }


def pending_login_get(request) -> tuple[User, str] | None:
    """The user waiting for its second factor and where to go next; None (and forgotten) when expired."""
    pending = request.session.get(SESSION_PENDING)
    if not isinstance(pending, dict):
        return None
    started = pending.get("started_at")
    limit = _minutes(SECOND_FACTOR_TIMEOUT).total_seconds()
    if not isinstance(started, int | float) or timezone.now().timestamp() - started > limit:
        pending_login_clear(request)
        return None
    user = User.objects.select_related("organization").filter(pk=pending.get("user_id")).first()
    if user is None or not user.is_active or user.kind != AccountKind.STAFF:
        pending_login_clear(request)
        return None
    return user, pending.get("next") or ""


def pending_login_clear(request) -> None:
    request.session.pop(SESSION_PENDING, None)


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def login_complete(request, user: User, *, factors: list[str]) -> None:
    """Open the authenticated session once every factor the account needs has been checked.

    Django's `login` gives the session a new key (security req. 3: rotated at login); the `user_logged_in`
    receiver below stamps it with the factors named here.
    """
    pending_login_clear(request)
    request._xinyong_login_factors = list(factors)
    login(request, user, backend=MODEL_BACKEND)


@receiver(user_logged_in, dispatch_uid="xinyong.accounts.session_stamp")
def session_stamp(sender, request, user, **kwargs):
    """Stamp every new session: when it began, when it was last used, and the factors that opened it.

    It runs for every `login()`, also one a test makes with `Client.force_login` (whose session records no
    factors).
    """
    if request is None or not hasattr(request, "session"):
        return
    stamp = timezone.now().timestamp()
    request.session[SESSION_LOGIN_AT] = stamp
    request.session[SESSION_SEEN_AT] = stamp
    request.session[SESSION_FACTORS] = list(getattr(request, "_xinyong_login_factors", ()))


def session_limits(kind: str) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle limit, absolute limit) of a session of an account of `kind` (security req. 3)."""
    idle = STAFF_IDLE_TIMEOUT if kind == AccountKind.STAFF else CITIZEN_IDLE_TIMEOUT
    return _minutes(idle), _minutes(ABSOLUTE_TIMEOUT)


def session_end_reason(session, user: User, *, now: dt.datetime) -> str | None:
    """Why an authenticated session must end now, or None while it may go on.

    A session without its stamps predates this check (every `login()` stamps its session) and ends. The
    second factor is enforced where sessions are opened: `login_complete` is the only caller of `login()`
    (tests/web/test_security_login.py checks every login view), so `Client.force_login` stays usable in tests.
    """
    login_at, seen_at = session.get(SESSION_LOGIN_AT), session.get(SESSION_SEEN_AT)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return "not_stamped"
    idle, absolute = session_limits(user.kind)
    current = now.timestamp()
    if current - login_at >= absolute.total_seconds():
        return "absolute_timeout"
    if current - seen_at >= idle.total_seconds():
        return "idle_timeout"
    return None


def audit_session_end(*, user: User | None, reason: str, address: str) -> None:
    """Audit a session the platform ended (timeout, disabled account, missing factor)."""
    with transaction.atomic():
        audit_record(
            AuditEventType.SESSION_EXPIRED,
            actor=None,
            articles=["Art 15"],
            details={
                "reason": reason,
                "address": address,
                **(
                    decision_basis(STAFF_IDLE_TIMEOUT, CITIZEN_IDLE_TIMEOUT, ABSOLUTE_TIMEOUT)
                    if reason in ("idle_timeout", "absolute_timeout")
                    else {}
                ),
            },
            **(_target(user, "") if user is not None else {}),
        )


def audit_logout(user: User, *, address: str) -> None:
    with transaction.atomic():
        audit_record(
            AuditEventType.LOGOUT,
            actor=user,
            target=user,
            target_label=user.username,
            organization=user.organization,
            articles=["Art 15"],
            details={"address": address},
        )
