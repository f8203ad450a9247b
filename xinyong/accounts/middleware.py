"""Session limits on every request (security requirement 3; Art 15: MLPS level 3 登录连接超时自动退出).

A logged-in session ends at the first request after:

* the idle limit of its account kind (`sessions.staff_idle_timeout`, `sessions.citizen_idle_timeout`);
* the absolute limit since login (`sessions.absolute_timeout`), however active it was;
* its account was disabled, deleted or given a new password (Django then no longer returns the user).

The session is flushed, the end is audited, and a page request is sent to the login page of the account's
kind with a notice in the user's language; an API request simply continues unauthenticated (answer 401).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyong.accounts.authentication import (
    SESSION_SEEN_AT,
    audit_session_end,
    client_address,
    session_end_reason,
    session_limits,
)
from xinyong.accounts.choices import AccountKind
from xinyong.accounts.models import User

# The last-seen stamp is rewritten at most this often: one session write per request would be wasteful, and
# a stamp that lags only makes the idle limit stricter, never looser.
SEEN_AT_GRANULARITY_SECONDS = 15
API_PREFIX = "/api/"


class SessionSecurityMiddleware:
    """Ends sessions past their limits before any view runs. Goes after the message middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._check(request)
        return response if response is not None else self.get_response(request)

    def _check(self, request):
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return None  # nobody logged in: nothing to check, no database query
        session_user_id = session.get(SESSION_KEY)
        user = request.user  # loads the user; None for a disabled account or after a password change
        now = timezone.now()
        if user.is_authenticated:
            reason = session_end_reason(session, user, now=now)
            if reason is None:
                seen_at = session.get(SESSION_SEEN_AT, 0)
                if now.timestamp() - seen_at >= SEEN_AT_GRANULARITY_SECONDS:
                    session[SESSION_SEEN_AT] = now.timestamp()
                return None
            ended = user
        else:
            # The session names an account that may no longer be used (Django checked is_active and the
            # password hash): end it on this request, not at its expiry date.
            ended = User.objects.select_related("organization").filter(pk=session_user_id).first()
            reason = "account_disabled" if ended is not None and not ended.is_active else "account_changed"
        return self._end(request, ended, reason)

    def _end(self, request, user, reason):
        audit_session_end(user=user, reason=reason, address=client_address(request))
        logout(request)  # flushes the session: the old id is deleted server-side
        if request.path.startswith(API_PREFIX):
            return None  # the API answers 401 itself; a redirect would only confuse a client
        messages.warning(request, _session_end_message(user, reason))
        kind = getattr(user, "kind", AccountKind.STAFF)
        login_url = reverse("web:subject-login" if kind == AccountKind.SUBJECT else "web:staff-login")
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), login_url)
        # A form posted after the end must not be replayed after the next login: back to the login page.
        return HttpResponseRedirect(login_url)


def _session_end_message(user, reason: str) -> str:
    if reason == "idle_timeout":
        idle, _absolute = session_limits(user.kind)
        return _(
            "You were logged out after %(minutes)d minutes without activity, to protect your account. "
            "Please log in again."
        ) % {"minutes": int(idle.total_seconds() // 60)}
    if reason == "absolute_timeout":
        _idle, absolute = session_limits(user.kind)
        return _(
            "You were logged out because your session reached its limit of %(hours)g hours. Please log in again."
        ) % {"hours": absolute.total_seconds() / 3600}
    return _("Your login is no longer valid. Please log in again.")
