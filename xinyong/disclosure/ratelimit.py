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
The window is `disclosure.rate_limit_window` minutes.
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
from xinyong.regulation.parameters import parameter

PUBLIC = "public"
QUERY = "query"
LIMIT_PARAMETERS = {PUBLIC: "disclosure.public_rate_limit", QUERY: "disclosure.query_rate_limit"}
WINDOW_PARAMETER = "disclosure.rate_limit_window"
KEEP_WINDOWS = 60  # counters older than this many windows are deleted (by the purge command and lazily)

_UPSERT = (
    "INSERT INTO disclosure_ratelimitcounter (key, window_number, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (key, window_number) DO UPDATE SET count = disclosure_ratelimitcounter.count + 1 RETURNING count"
)

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
    return int(now.timestamp()) // window_seconds() - KEEP_WINDOWS


def client_key(request, scope: str) -> str:
    """Who is counted: the account for queries (token or session), the client address for public reads."""
    if scope == QUERY:
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return f"{scope}:user:{user.pk}"
    return f"{scope}:addr:{client_address(request)}"


def rate_limit_hit(request, scope: str, *, now: dt.datetime | None = None) -> Verdict:
    """Count this request in its window; `allowed` False once the window's count passes the limit."""
    now = now or timezone.now()
    seconds = window_seconds()
    epoch = now.timestamp()
    window = int(epoch) // seconds
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [client_key(request, scope)[:120], window])
        count = cursor.fetchone()[0]
        if count == 1:
            # The first request of a client in a window sweeps counters of long-past windows (an index range).
            cursor.execute(_SWEEP, [window - KEEP_WINDOWS])
    limit = limit_for(scope)
    retry_after = max(1, math.ceil((window + 1) * seconds - epoch))
    return Verdict(count <= limit, count, limit, retry_after)


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
