"""Logging in through the pages: lockout, throttling, no enumeration, the staff second factor, session limits.

Security requirements 1–4 and 12 (Art 15). The clock is moved with the `clock` fixture, which replaces
`django.utils.timezone.now` (attempt times, locks, TOTP steps and session stamps all read it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.views import LoginView
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

import xinyong
from xinyong.accounts.authentication import SESSION_PENDING, totp_step
from xinyong.accounts.choices import LoginOutcome
from xinyong.accounts.models import AccountLock, LoginAttempt, TotpDevice
from xinyong.accounts.services import password_set, user_disable
from xinyong.accounts.testing import fresh_totp_code, staff_log_in, totp_code
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.models import AuditEvent
from xinyong.core.crypto.hashers import PBKDF2SM3PasswordHasher
from xinyong.subjects.services import SubjectData, subject_account_create, subject_register

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 15")]

STAFF_LOGIN = "/staff/login/"
SUBJECT_LOGIN = "/login/"
ENROLL = "/staff/login/enroll/"
VERIFY = "/staff/login/verify/"
WRONG = "not-the-password"
INVALID_LOGIN = "用户名或密码不正确。"
INVALID_CODE = "验证码不正确或已被使用。"


# ---------- helpers ----------


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    # Start in the middle of a TOTP step, so a step boundary never falls between a code and its check.
    start = timezone.now().replace(microsecond=0)
    start -= dt.timedelta(seconds=start.timestamp() % 30 - 10)
    fake = Clock(start)
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def without_tokens(body: bytes, *typed: str) -> str:
    """The page with what differs by design removed: CSRF tokens and the typed user name."""
    text = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', body.decode()
    )
    for value in typed:
        text = text.replace(value, "USERNAME")
    return text


def post_password(client, user_or_name, password, url=STAFF_LOGIN):
    username = getattr(user_or_name, "username", user_or_name)
    return client.post(url, {"username": username, "password": password})


def events(event_type, **filters):
    return list(AuditEvent.objects.filter(event_type=event_type, **filters).order_by("seq"))


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(make_staff):
    return make_staff(roles=("case_handler",), username="caseworker")


@pytest.fixture
def enrolled_staff(staff):
    """A staff member who has set up the authenticator at an earlier login (and logged out)."""
    client = Client()
    assert staff_log_in(client, staff)["Location"] == "/console/"
    client.post("/logout/")
    return staff


@pytest.fixture
def citizen_account(divisions):
    from datetime import date

    from xinyong.core.identifiers import make_citizen_id

    subject = subject_register(
        data=SubjectData(
            kind="natural_person",
            identifier_type="id",
            identifier=make_citizen_id("130802", date(1990, 1, 1), 123),
            name="张三",
            division_code="130802",
        ),
        source="test",
    )
    account = subject_account_create(subject=subject, username="zhangsan")
    account.user.plain_password = account.password
    return account.user


@pytest.fixture
def hasher_calls(monkeypatch):
    """How often the password hasher ran: refusals that need no check must still cost one hash."""
    calls = []
    original = PBKDF2SM3PasswordHasher.encode

    def counting(self, password, salt, iterations=None):
        calls.append(1)
        return original(self, password, salt, iterations)

    monkeypatch.setattr(PBKDF2SM3PasswordHasher, "encode", counting)
    return calls


# ---------- requirement 2: no user enumeration ----------


@pytest.mark.parametrize("url", [STAFF_LOGIN, SUBJECT_LOGIN])
def test_an_unknown_user_and_a_wrong_password_get_the_same_status_and_page(
    client, staff, citizen_account, url
):
    user = staff if url == STAFF_LOGIN else citizen_account
    wrong = post_password(client, user, WRONG, url)
    unknown = post_password(client, "nobody-here", WRONG, url)
    assert wrong.status_code == unknown.status_code == 200
    assert without_tokens(wrong.content, user.username) == without_tokens(unknown.content, "nobody-here")
    assert INVALID_LOGIN in wrong.content.decode()


def test_an_unknown_user_costs_the_same_password_hashing_as_a_wrong_password(client, staff, hasher_calls):
    post_password(client, staff, WRONG)
    wrong_password_hashes = len(hasher_calls)
    hasher_calls.clear()
    post_password(client, "nobody-here", WRONG)
    assert wrong_password_hashes == len(hasher_calls) == 1


# ---------- requirement 1: lockout ----------


def test_five_failures_lock_the_account_and_then_the_right_password_gets_the_wrong_passwords_answer(
    client, staff, hasher_calls
):
    for _ in range(4):
        post_password(client, staff, WRONG)
    assert not AccountLock.objects.filter(user=staff).exists()
    fifth = post_password(client, staff, WRONG)
    assert AccountLock.objects.filter(user=staff).count() == 1

    hasher_calls.clear()
    right = post_password(client, staff, staff.plain_password)
    wrong = post_password(client, staff, WRONG)
    assert right.status_code == wrong.status_code == fifth.status_code == 200
    assert without_tokens(right.content) == without_tokens(wrong.content) == without_tokens(fifth.content)
    assert len(hasher_calls) == 2, "a locked account's refusal costs a hash like any other"
    assert SESSION_PENDING not in client.session and not is_logged_in(client)
    assert client.get("/console/").status_code == 302


def test_the_lockout_is_audited_with_its_reason_and_the_rules_it_applied(client, staff):
    for _ in range(5):
        post_password(client, staff, WRONG)
    post_password(client, staff, staff.plain_password)

    failed = events(AuditEventType.LOGIN_FAILED, target_id=str(staff.pk))
    assert [e.details["reason"] for e in failed] == ["bad_credentials"] * 5 + ["locked"]
    assert {e.outcome for e in failed} == {AuditOutcome.FAILURE}
    assert all(e.details["address"] == "127.0.0.1" for e in failed)
    (locked,) = events(AuditEventType.ACCOUNT_LOCKED)
    assert locked.target_label == staff.username
    assert locked.details["parameters"] == {
        "accounts.lockout_threshold": 5,
        "accounts.lockout_window": 15,
        "accounts.lockout_duration": 30,
    }
    assert locked.details["rule_version"]
    assert events(AuditEventType.LOGIN_SUCCEEDED) == []


def test_no_password_ever_reaches_the_audit_log_or_the_attempt_table(client, staff):
    post_password(client, staff, "Guess-number-one-1")
    post_password(client, "Typed-a-password-here-9", "Guess-number-two-2")
    staff_log_in(client, staff)
    stored = json.dumps([e.details for e in AuditEvent.objects.all()]) + " ".join(
        AuditEvent.objects.values_list("target_label", flat=True)
    )
    for secret in (
        "Guess-number-one-1",
        "Guess-number-two-2",
        staff.plain_password,
        "Typed-a-password-here-9",
    ):
        assert secret not in stored
    assert not LoginAttempt.objects.filter(username__icontains="Guess").exists()
    (unknown,) = events(AuditEventType.LOGIN_FAILED, target_id="")
    assert unknown.details["account"] == "unknown"
    assert len(unknown.details["username_fingerprint"]) == 16


def test_the_lock_ends_after_its_duration_and_attempts_during_it_do_not_extend_it(client, staff, clock):
    for _ in range(5):
        post_password(client, staff, WRONG)
    clock.advance(minutes=29)
    post_password(client, staff, staff.plain_password)
    assert SESSION_PENDING not in client.session
    clock.advance(minutes=1, seconds=1)
    response = post_password(client, staff, staff.plain_password)
    assert response.status_code == 302
    assert response["Location"] == ENROLL
    assert AccountLock.objects.filter(user=staff).count() == 1


def test_failures_older_than_the_window_do_not_count(client, staff, clock):
    for _ in range(4):
        post_password(client, staff, WRONG)
    clock.advance(minutes=15, seconds=1)
    post_password(client, staff, WRONG)
    assert not AccountLock.objects.filter(user=staff).exists()
    assert post_password(client, staff, staff.plain_password).status_code == 302


def test_a_completed_login_starts_a_fresh_count(client, citizen_account):
    for _ in range(4):
        post_password(client, citizen_account, WRONG, SUBJECT_LOGIN)
    assert (
        post_password(client, citizen_account, citizen_account.plain_password, SUBJECT_LOGIN).status_code
        == 302
    )
    client.post("/logout/")
    post_password(client, citizen_account, WRONG, SUBJECT_LOGIN)
    assert not AccountLock.objects.filter(user=citizen_account).exists()


def test_a_lock_refuses_the_second_factor_too(client, enrolled_staff, clock):
    staff = enrolled_staff
    assert post_password(client, staff, staff.plain_password)["Location"] == VERIFY
    other = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        post_password(other, staff, WRONG)
    response = client.post(VERIFY, {"code": fresh_totp_code(staff)})
    assert response.status_code == 200
    assert INVALID_CODE in response.content.decode()
    assert not is_logged_in(client)
    assert events(AuditEventType.LOGIN_FAILED, target_id=str(staff.pk))[-1].details == {
        "reason": "locked",
        "stage": "second_factor",
        "address": "127.0.0.1",
        "login_page": "staff",
    }


def test_wrong_codes_count_towards_the_lockout(client, enrolled_staff):
    staff = enrolled_staff
    post_password(client, staff, staff.plain_password)
    right = fresh_totp_code(staff)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert INVALID_CODE in client.post(VERIFY, {"code": wrong}).content.decode()
    assert AccountLock.objects.filter(user=staff).count() == 1
    assert INVALID_CODE in client.post(VERIFY, {"code": right}).content.decode()
    assert not is_logged_in(client)
    assert [e.details["reason"] for e in events(AuditEventType.MFA_FAILED)] == ["bad_code"] * 5


# ---------- requirement 1: per-address throttling ----------


def test_too_many_failures_from_one_address_are_refused_before_the_password_is_checked(staff, hasher_calls):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(20):
        post_password(attacker, f"guess{n}", WRONG)
    hasher_calls.clear()
    refused = post_password(attacker, staff, staff.plain_password)
    assert refused.status_code == 200
    assert INVALID_LOGIN in refused.content.decode()
    assert hasher_calls == [], "a throttled attempt checks no credentials"
    assert LoginAttempt.objects.filter(address="203.0.113.7", outcome=LoginOutcome.THROTTLED).count() == 1
    (throttled,) = events(AuditEventType.LOGIN_FAILED, target_id=str(staff.pk))
    assert throttled.details["reason"] == "throttled"
    assert throttled.outcome == AuditOutcome.DENIED

    # The account itself is not locked: its owner, at another address, logs in.
    assert not AccountLock.objects.filter(user=staff).exists()
    assert staff_log_in(Client(REMOTE_ADDR="198.51.100.1"), staff)["Location"] == "/console/"


def test_one_address_cannot_lock_out_many_accounts(make_staff):
    victims = [make_staff(username=f"victim{n}") for n in range(6)]
    attacker = Client(REMOTE_ADDR="203.0.113.8")
    for victim in victims:
        for _ in range(5):
            post_password(attacker, victim, WRONG)
    assert AccountLock.objects.count() == 4  # 20 failures, then the address is refused
    for victim in victims[4:]:
        response = staff_log_in(Client(REMOTE_ADDR="198.51.100.2"), victim)
        assert response["Location"] == "/console/"


def test_the_throttle_lifts_after_the_window(staff, clock):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        post_password(attacker, f"guess{n}", WRONG)
    assert SESSION_PENDING not in attacker.session
    post_password(attacker, staff, staff.plain_password)
    assert SESSION_PENDING not in attacker.session
    clock.advance(minutes=15, seconds=1)
    assert post_password(attacker, staff, staff.plain_password)["Location"] == ENROLL


# ---------- requirement 4: the staff second factor ----------


def test_a_staff_password_alone_opens_no_session(client, staff):
    response = post_password(client, staff, staff.plain_password)
    assert response.status_code == 302
    assert response["Location"] == ENROLL
    assert not is_logged_in(client)
    assert client.session[SESSION_PENDING]["user_id"] == staff.pk
    assert client.get("/console/")["Location"] == "/staff/login/?next=/console/"
    assert client.get("/api/v1/organizations").status_code == 401
    assert events(AuditEventType.LOGIN_SUCCEEDED) == []


def test_a_staff_member_enrols_an_authenticator_and_logs_in(client, staff):
    post_password(client, staff, staff.plain_password)
    page = client.get(ENROLL)
    body = page.content.decode()
    assert page.status_code == 200
    assert "绑定身份验证器" in body
    device = TotpDevice.objects.get(user=staff)
    assert device.confirmed_at is None
    assert "otpauth://totp/" in body and f"secret={device.secret}" in body
    assert device.secret[:4] in body
    assert client.get(ENROLL).content.decode().count(device.secret[:4]) >= 1, "a reload shows the same key"
    assert TotpDevice.objects.get(user=staff).secret == device.secret

    wrong = client.post(ENROLL, {"code": "000000" if totp_code(staff) != "000000" else "111111"})
    assert INVALID_CODE in wrong.content.decode()
    assert not is_logged_in(client)

    done = client.post(ENROLL, {"code": totp_code(staff)})
    assert done["Location"] == "/console/"
    assert is_logged_in(client)
    assert client.get("/console/").status_code == 200
    assert TotpDevice.objects.get(user=staff).confirmed_at is not None
    (enrolled,) = events(AuditEventType.MFA_ENROLLED)
    assert enrolled.actor_id == staff.pk
    (succeeded,) = events(AuditEventType.LOGIN_SUCCEEDED)
    assert succeeded.details["factors"] == ["password", "totp"]


def test_the_authenticator_key_is_stored_sealed(client, staff):
    staff_log_in(client, staff)
    secret = TotpDevice.objects.get(user=staff).secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice")
        (stored,) = cursor.fetchone()
    assert stored.startswith("sm4gcm1:")
    assert secret not in stored


def test_an_enrolled_staff_member_logs_in_with_password_and_code(client, enrolled_staff):
    staff = enrolled_staff
    response = post_password(client, staff, staff.plain_password)
    assert response["Location"] == VERIFY
    assert client.get(ENROLL)["Location"] == VERIFY, "an enrolled account cannot enrol another device"
    page = client.get(VERIFY)
    assert "动态验证码" in page.content.decode()
    done = client.post(VERIFY, {"code": fresh_totp_code(staff)})
    assert done["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_a_code_is_accepted_with_spaces_and_within_one_step_of_drift(client, enrolled_staff, clock):
    staff = enrolled_staff
    clock.advance(minutes=2)
    post_password(client, staff, staff.plain_password)
    previous = totp_code(staff, step=totp_step(clock.now) - 1)
    assert client.post(VERIFY, {"code": f"{previous[:3]} {previous[3:]}"})["Location"] == "/console/"


def test_a_code_two_steps_away_is_refused(client, enrolled_staff, clock):
    staff = enrolled_staff
    clock.advance(minutes=2)
    post_password(client, staff, staff.plain_password)
    for step in (totp_step(clock.now) - 2, totp_step(clock.now) + 2):
        response = client.post(VERIFY, {"code": totp_code(staff, step=step)})
        assert INVALID_CODE in response.content.decode()
    assert not is_logged_in(client)


def test_a_replayed_code_is_refused(client, enrolled_staff, clock):
    staff = enrolled_staff
    clock.advance(minutes=2)
    code = totp_code(staff)
    post_password(client, staff, staff.plain_password)
    assert client.post(VERIFY, {"code": code})["Location"] == "/console/"
    client.post("/logout/")

    post_password(client, staff, staff.plain_password)
    replay = client.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert INVALID_CODE in replay.content.decode()
    earlier = client.post(VERIFY, {"code": totp_code(staff, step=totp_step(clock.now) - 1)})
    assert INVALID_CODE in earlier.content.decode(), "a code older than the last used one is a replay too"
    assert not is_logged_in(client)
    assert [e.details["reason"] for e in events(AuditEventType.MFA_FAILED)] == ["replayed", "replayed"]


def test_the_second_step_expires_and_sends_back_to_the_password(client, enrolled_staff, clock):
    staff = enrolled_staff
    post_password(client, staff, staff.plain_password)
    clock.advance(minutes=5, seconds=1)
    response = client.post(VERIFY, {"code": fresh_totp_code(staff)})
    assert response["Location"] == STAFF_LOGIN
    assert "登录已超时" in client.get(STAFF_LOGIN).content.decode()
    assert not is_logged_in(client)


def test_the_second_step_pages_need_a_password_first(client):
    assert client.get(VERIFY)["Location"] == STAFF_LOGIN
    assert client.get(ENROLL)["Location"] == STAFF_LOGIN


def test_the_login_returns_to_the_page_that_asked_for_it_after_the_code(client, enrolled_staff):
    response = staff_log_in(client, enrolled_staff, next_url="/console/organizations/")
    assert response["Location"] == "/console/organizations/"


def test_a_subject_logs_in_with_the_password_alone(client, citizen_account):
    response = post_password(client, citizen_account, citizen_account.plain_password, SUBJECT_LOGIN)
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    (succeeded,) = events(AuditEventType.LOGIN_SUCCEEDED)
    assert succeeded.details["factors"] == ["password"]


def test_every_login_view_opens_sessions_only_through_the_platforms_login(client):
    """Django's LoginView.form_valid would log in after the password alone: every login view replaces it,
    and no module but xinyong.accounts.authentication imports Django's `login`."""

    def callbacks(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    login_views = [
        cb.view_class
        for cb in callbacks(get_resolver())
        if issubclass(getattr(cb, "view_class", object), LoginView)
    ]
    assert len(login_views) >= 2
    for view in login_views:
        assert view.form_valid is not LoginView.form_valid, view

    package = Path(xinyong.__file__).parent
    imports = re.compile(r"from django\.contrib\.auth import (\([^)]*\)|[^\n]*)")
    for path in package.rglob("*.py"):
        if path.name == "authentication.py" and path.parent.name == "accounts":
            continue
        text = path.read_text(encoding="utf-8")
        for names in imports.findall(text):
            assert not re.search(r"\blogin\b", names), path
        assert "auth_login(" not in text and "auth.login(" not in text, path


# ---------- requirement 3: sessions ----------


def test_the_session_key_changes_at_login(client, enrolled_staff):
    session = client.session
    session["before"] = True
    session.save()
    before = session.session_key
    staff_log_in(client, enrolled_staff)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_staff_session_ends_after_fifteen_idle_minutes(client, staff, clock):
    staff_log_in(client, staff)
    clock.advance(minutes=14)
    assert client.get("/console/").status_code == 200
    clock.advance(minutes=14)
    assert client.get("/console/").status_code == 200, "activity keeps the session alive"
    clock.advance(minutes=15)
    response = client.get("/console/organizations/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/console/organizations/"
    assert not is_logged_in(client)
    assert "15 分钟未操作" in client.get(response["Location"]).content.decode()
    (ended,) = events(AuditEventType.SESSION_EXPIRED)
    assert ended.details["reason"] == "idle_timeout"
    assert ended.target_id == str(staff.pk)
    assert ended.details["parameters"]["sessions.staff_idle_timeout"] == 15


def test_a_citizen_session_ends_after_thirty_idle_minutes(client, citizen_account, clock):
    post_password(client, citizen_account, citizen_account.plain_password, SUBJECT_LOGIN)
    clock.advance(minutes=29)
    assert client.get("/account/").status_code == 200
    clock.advance(minutes=30)
    response = client.get("/account/")
    assert response["Location"] == "/login/?next=/account/"
    assert "30 分钟未操作" in client.get(response["Location"]).content.decode()


def test_a_session_ends_eight_hours_after_login_however_active(client, staff, clock):
    staff_log_in(client, staff)
    for _ in range(34):  # a request every 14 minutes: 7 h 56 min
        clock.advance(minutes=14)
        assert client.get("/console/").status_code == 200
    clock.advance(minutes=4)
    response = client.get("/console/")
    assert response["Location"] == "/staff/login/?next=/console/"
    assert "8 小时上限" in client.get(response["Location"]).content.decode()
    (ended,) = events(AuditEventType.SESSION_EXPIRED)
    assert ended.details["reason"] == "absolute_timeout"


def test_an_expired_session_answers_the_api_with_401_not_a_redirect(client, staff, clock):
    staff_log_in(client, staff)
    assert client.get("/api/v1/organizations").status_code == 200
    clock.advance(minutes=16)
    assert client.get("/api/v1/organizations").status_code == 401


def test_a_disabled_account_is_logged_out_at_its_next_request(client, staff):
    staff_log_in(client, staff)
    assert client.get("/console/").status_code == 200
    user_disable(user=staff)
    response = client.get("/console/")
    assert response["Location"] == "/staff/login/?next=/console/"
    assert not is_logged_in(client)
    assert "您的登录已失效" in client.get(response["Location"]).content.decode()
    (ended,) = events(AuditEventType.SESSION_EXPIRED)
    assert ended.details["reason"] == "account_disabled"
    assert events(AuditEventType.USER_DISABLED)[0].target_id == str(staff.pk)
    # and it cannot log in again: the same answer as a wrong password
    right = post_password(client, staff, staff.plain_password)
    wrong = post_password(client, staff, WRONG)
    assert without_tokens(right.content) == without_tokens(wrong.content)


def test_a_new_password_ends_the_accounts_other_sessions(client, staff):
    staff_log_in(client, staff)
    password_set(user=staff)
    assert client.get("/console/").status_code == 302
    assert not is_logged_in(client)
    assert events(AuditEventType.PASSWORD_SET)[0].target_id == str(staff.pk)


def test_logout_is_audited_and_deletes_the_session(client, staff):
    staff_log_in(client, staff)
    key = client.session.session_key
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/console/").status_code == 302
    (logout,) = events(AuditEventType.LOGOUT)
    assert logout.actor_id == staff.pk


def test_a_session_without_the_platforms_stamps_is_ended(client, staff):
    staff_log_in(client, staff)
    session = client.session
    del session["xy_login_at"]
    session.save()
    assert client.get("/console/").status_code == 302
    assert events(AuditEventType.SESSION_EXPIRED)[0].details["reason"] == "not_stamped"


@pytest.mark.parametrize("url", [ENROLL, VERIFY])
def test_the_second_factor_pages_label_the_code_field_and_have_one_heading(
    client, enrolled_staff, staff, url
):
    post_password(client, staff, staff.plain_password)
    if url == ENROLL:
        TotpDevice.objects.filter(user=staff).delete()
    body = client.get(url).content.decode()
    assert body.count("<h1") == 1
    assert '<html lang="zh-hans">' in body
    assert '<label class="field__label" for="id_code">动态验证码</label>' in body
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body
