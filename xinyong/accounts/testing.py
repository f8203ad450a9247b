"""Test helpers for any app: log a staff member in through the real pages, second factor included.

Staff need a TOTP code after their password (security requirement 4), so a test that logs in through
`/staff/login/` uses `staff_log_in(client, user)`: it posts the password, enrols an authenticator on the
first login (or uses the enrolled one) and posts a valid code, exactly as a person would. Tests that only need
a logged-in session may keep using `client.force_login(user)`.

Only tests import this module; it reads the sealed secret the way the login check does.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyotp
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.authentication import TOTP_DIGITS, TOTP_STEP_SECONDS, totp_step
from xinyong.accounts.models import TotpDevice


def totp_code(user, *, step: int | None = None) -> str:
    """The code of `user`'s authenticator for a time step (the current one by default)."""
    device = TotpDevice.objects.get(user=user)
    totp = pyotp.TOTP(device.secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    return totp.generate_otp(totp_step(timezone.now()) if step is None else step)


def fresh_totp_code(user) -> str:
    """A code the platform will accept now: of the current or the next step, and not used before.

    A code is accepted once per 30-second step, so two logins of one account within a step need the next
    step's code (accepted too: clocks drift). A third within the same step has none left.
    """
    device = TotpDevice.objects.get(user=user)
    current = totp_step(timezone.now())
    for step in (current, current + 1):
        if device.last_used_step is None or step > device.last_used_step:
            return totp_code(user, step=step)
    raise AssertionError("no unused TOTP step left: advance the clock between logins of the same account")


def staff_log_in(client, user, password: str | None = None, *, next_url: str | None = None):
    """Log `user` in at the staff login with password and code; returns the last response.

    When the password step refuses (wrong password, wrong kind of account, lock) its page is returned.
    """
    url = reverse("web:staff-login")
    data = {"username": user.username, "password": password or user.plain_password}
    if next_url is not None:
        url = f"{url}?{urlencode({'next': next_url})}"
        data["next"] = next_url
    response = client.post(url, data)
    second_step = response.get("Location") if response.status_code == 302 else None
    if second_step not in (reverse("web:staff-login-verify"), reverse("web:staff-login-enroll")):
        return response
    client.get(second_step)  # the enrolment page creates the authenticator it shows
    return client.post(second_step, {"code": fresh_totp_code(user)})


def staff_session(client, user):
    """`client` logged in as `user` with both factors recorded, without going through the login pages.

    For tests of console pages that are not about logging in; tests of the login itself use `staff_log_in`.
    """
    from xinyong.accounts.authentication import FACTOR_PASSWORD, FACTOR_TOTP, SESSION_FACTORS

    client.force_login(user)
    session = client.session
    session[SESSION_FACTORS] = [FACTOR_PASSWORD, FACTOR_TOTP]
    session.save()
    return client
