"""Errors raised by services: a machine code (English) plus a user message (Chinese by default).

The API returns `{"code", "field", "message"}`; forms show `message`; logs use `code`.
"""

from __future__ import annotations

from django.utils.translation import get_language


class ServiceError(Exception):
    """A refused operation. Nothing was written: services raise before or inside their transaction."""

    status = 400

    def __init__(self, code: str, message, *, field: str | None = None, row: int | None = None):
        self.code = code
        self.message = message
        self.field = field
        self.row = row
        super().__init__(f"{code}: {field or '-'}")

    def as_dict(self) -> dict:
        data = {"code": self.code, "field": self.field, "message": str(self.message)}
        if self.row is not None:
            data["row"] = self.row
        return data


class NotFoundOrForbidden(ServiceError):
    """Same answer for "does not exist" and "not allowed": a refusal reveals nothing (security req. 7)."""

    status = 404

    def __init__(self, message=None):
        from django.utils.translation import gettext_lazy as _

        super().__init__("not_found", message or _("Not found."))


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message=None):
        from django.utils.translation import gettext_lazy as _

        super().__init__("permission_denied", message or _("You do not have permission to do this."))


def bilingual(message_zh: str, message_en: str) -> str:
    """Pick the Chinese or English text of a message defined in both (identifier rules carry both)."""
    language = (get_language() or "zh-hans").lower()
    return message_en if language.startswith("en") else message_zh
