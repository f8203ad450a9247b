"""The kinds of bulk export, registered by the apps that produce them (their AppConfig.ready).

A kind says who may export it (`allowed`: the requester and the approver alike, e.g. a named permission), checks a selection and says in words
what it holds (`describe`, raising ServiceError for a bad selection), and produces the file for the requester
(`produce`, which audits the export it writes). Lower apps cannot import the producers: they register here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xinyong.core.errors import NotFoundOrForbidden


@dataclass(frozen=True)
class ExportKind:
    code: str
    label: Any  # a lazy translation
    allowed: Callable[[Any], bool]  # may this staff member ask for, approve and download it
    describe: Callable[[Any, dict], str]
    produce: Callable[[Any, dict], Any]  # → an object with content, content_type, filename, rows
    articles: list[str] = field(default_factory=list)
    page_url_name: str = ""  # the page the export is asked for from


KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    KINDS[kind.code] = kind


def export_kind(code: str) -> ExportKind:
    try:
        return KINDS[code]
    except KeyError:
        raise NotFoundOrForbidden() from None
