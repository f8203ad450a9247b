"""Per-request context (request id, acting user) that services and the audit log read.

A context variable, not a thread local, so it follows the request through sync and async code alike.
"""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("xinyong_request_id", default=None)


def current_request_id() -> str:
    """The id of the request (or command run) in progress; commands get one per run."""
    value = _request_id.get()
    if value is None:
        value = new_request_id()
        _request_id.set(value)
    return value


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_context(request_id: str | None = None):
    token = _request_id.set(request_id or new_request_id())
    try:
        yield _request_id.get()
    finally:
        _request_id.reset(token)
