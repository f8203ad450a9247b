"""Fixed-window rate limits on the query endpoints (Art 15, 21; security requirement 26).

A request is counted before any work: one atomic upsert of `(client, window)` in `RateLimitCounter`
(`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on PostgreSQL and SQLite alike), so the count holds across
processes and servers. Over the limit the caller gets 429 with `Retry-After` (seconds to the next window)
and nothing else runs: no subject is looked up, nothing is logged.

Scopes and their parameters (`xinyong/regulation/parameters/disclosure/`):
* public — organization search and public profiles, pages and API, per client address
  (`disclosure.public_rate_limit`);
* query — official and authorized queries and the grantees' authorization list, per account
  (`disclosure.query_rate_limit`).
* check — credit checks (`POST /checks`, `/checks/file`, the console's check page), per organization: every
  account and token of a department shares one count (`checks.request_limit` per window);
* check-identifiers — the identifiers those checks name, per organization and calendar day (Beijing time),
  `checks.daily_identifier_limit`: a check is counted with its number of identifiers, and one that would pass
  the day's total is refused whole without being counted (`rate_limit_take`).
The window is `disclosure.rate_limit_window` minutes; a counter's `window_number` is the Unix second its window
(or day) starts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyong.accounts.authentication import client_address
from xinyong.core.errors import ServiceError
from xinyong.regulation.parameters import parameter

PUBLIC = "public"
QUERY = "query"
CHECK = "check"
CHECK_IDENTIFIERS = "check-identifiers"
LIMIT_PARAMETERS = {
    PUBLIC: "disclosure.public_rate_limit",
    QUERY: "disclosure.query_rate_limit",
    CHECK: "checks.request_limit",
    CHECK_IDENTIFIERS: "checks.daily_identifier_limit",
}
DAILY_SCOPES = frozenset({CHECK_IDENTIFIERS})  # counted per calendar day, not per window
ORGANIZATION_SCOPES = frozenset({CHECK, CHECK_IDENTIFIERS})  # counted per organization
WINDOW_PARAMETER = "disclosure.rate_limit_window"
KEEP_WINDOWS = 60  # counters older than this many windows are deleted (by the purge command and lazily)
KEEP_SECONDS_AT_LEAST = 2 * 86400  # and never before the day counters of yesterday

_UPSERT = (
    "INSERT INTO disclosure_ratelimitcounter (key, window_number, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (key, window_number) DO UPDATE SET count = disclosure_ratelimitcounter.count + 1 RETURNING count"
)
# Adds `amount` only while the total stays within the limit: a refused request takes nothing (no row returned).
_TAKE = (
    "INSERT INTO disclosure_ratelimitcounter (key, window_number, count) VALUES (%s, %s, %s) "
    "ON CONFLICT (key, window_number) DO UPDATE SET count = disclosure_ratelimitcounter.count + excluded.count "
    "WHERE disclosure_ratelimitcounter.count + excluded.count <= %s RETURNING count"
)
_COUNT = "SELECT count FROM disclosure_ratelimitcounter WHERE key = %s AND window_number = %s"

_SWEEP = "DELETE FROM disclosure_ratelimitcounter WHERE window_number < %s"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds to the next window


def window_seconds() -> int:
    return max(1, int(parameter(WINDOW_PARAMETER).value * 60))


def limit_for(scope: str) -> int:
    return int(parameter(LIMIT_PARAMETERS[scope]).value)


def stale_windows_before(now: dt.datetime) -> int:
    """Counters of windows starting before this Unix second are past use."""
    return int(now.timestamp()) - max(KEEP_WINDOWS * window_seconds(), KEEP_SECONDS_AT_LEAST)


def _window(scope: str, now: dt.datetime) -> tuple[int, int]:
    """(start, end) of the window or day `now` falls in, in Unix seconds."""
    if scope in DAILY_SCOPES:
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        start = int(midnight.timestamp())
        following = (midnight + dt.timedelta(days=1)).replace(hour=0)  # a day of Beijing time (no DST)
        return start, int(following.timestamp())
    seconds = window_seconds()
    start = int(now.timestamp()) // seconds * seconds
    return start, start + seconds


def _retry_after(end: int, now: dt.datetime) -> int:
    return max(1, math.ceil(end - now.timestamp()))


def client_key(request, scope: str) -> str:
    """Who is counted: the organization for checks, the account for queries (token or session), the client
    address for public reads."""
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    if scope in ORGANIZATION_SCOPES and authenticated and getattr(user, "organization_id", None):
        return f"{scope}:org:{user.organization_id}"
    if scope in (QUERY, *ORGANIZATION_SCOPES) and authenticated:
        return f"{scope}:user:{user.pk}"
    return f"{scope}:addr:{client_address(request)}"


def _sweep(cursor, now: dt.datetime) -> None:
    cursor.execute(_SWEEP, [stale_windows_before(now)])


def rate_limit_hit(request, scope: str, *, now: dt.datetime | None = None) -> Verdict:
    """Count this request in its window; `allowed` False once the window's count passes the limit."""
    now = now or timezone.now()
    start, end = _window(scope, now)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [client_key(request, scope)[:120], start])
        count = cursor.fetchone()[0]
        if count == 1:
            # The first request of a client in a window sweeps counters of long-past windows (an index range).
            _sweep(cursor, now)
    limit = limit_for(scope)
    return Verdict(count <= limit, count, limit, _retry_after(end, now))


def organization_key(scope: str, organization) -> str:
    """The counter of an organization (every account and token of it), as `client_key` names it."""
    return f"{scope}:org:{organization.pk}"


def rate_limit_take(key: str, scope: str, amount: int, *, now: dt.datetime | None = None) -> Verdict:
    """Count `amount` units (identifiers) for `key` in the window or day if they fit within the limit; a request
    that would pass it is refused and takes nothing, so a smaller one may still fit."""
    now = now or timezone.now()
    start, end = _window(scope, now)
    limit = limit_for(scope)
    key = key[:120]
    with connection.cursor() as cursor:
        if amount > limit:
            cursor.execute(_COUNT, [key, start])
            row = cursor.fetchone()
            return Verdict(False, (row[0] if row else 0) + amount, limit, _retry_after(end, now))
        cursor.execute(_TAKE, [key, start, amount, limit])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_COUNT, [key, start])
            current = cursor.fetchone()
            return Verdict(False, (current[0] if current else 0) + amount, limit, _retry_after(end, now))
        if row[0] == amount:
            _sweep(cursor, now)
    return Verdict(True, row[0], limit, _retry_after(end, now))


class RateLimited(ServiceError):
    """A refusal by a rate limit inside a service (the identifiers of a day's checks): 429 with Retry-After."""

    status = 429

    def __init__(self, verdict: Verdict, message=None, *, field: str | None = None):
        self.verdict = verdict
        self.retry_after = verdict.retry_after
        super().__init__("rate_limited", message or _("Too many requests. Please try again later."), field=field)


def too_many_requests(verdict: Verdict, *, json: bool) -> HttpResponse:
    message = _("Too many requests. Please try again later.")
    if json:
        response = JsonResponse({"code": "rate_limited", "field": None, "message": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(verdict.retry_after)
    return response


def rate_limited(request, scope: str, *, json: bool = True) -> HttpResponse | None:
    """A 429 response when the caller is over its limit, else None (and the request was counted)."""
    verdict = rate_limit_hit(request, scope)
    return None if verdict.allowed else too_many_requests(verdict, json=json)
