"""API schemas shared by every router: the platform's one error body (`{code, field, message}`)."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """An error answer: an English machine code, the field it concerns, and a message in the caller's
    language (Chinese by default)."""

    code: str
    field: str | None = None
    message: str
