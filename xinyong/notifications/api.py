"""API: the notices addressed to the caller's organization, and marking them read (Art 24, 29; security req. 7).

For staff sessions and API clients holding `VIEW_NOTICES`. Another organization's notice answers exactly like
a missing one (404). Subjects read their notices in the portal.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.core.paging import paging
from xinyong.notifications.choices import NoticeKind
from xinyong.notifications.selectors import notice_for_account, notices_for_account
from xinyong.notifications.services import notice_mark_read

router = Router(tags=["notifications"])


class NoticeOut(Schema):
    id: int
    kind: NoticeKind
    title: str
    body: str
    link: str
    target_type: str
    target_id: str
    articles: list[str]
    created_at: dt.datetime
    read_at: dt.datetime | None


class NoticeFilter(paging(default=50, maximum=200)):
    unread: bool = False


def _out(notice) -> dict:
    return {
        "id": notice.pk, "kind": notice.kind, "title": notice.title, "body": notice.body, "link": notice.link,
        "target_type": notice.target_type, "target_id": notice.target_id, "articles": list(notice.articles or []),
        "created_at": notice.created_at, "read_at": notice.read_at,
    }


@router.get("", response=list[NoticeOut], summary="The notices addressed to my organization, newest first")
def notices(request, filters: Query[NoticeFilter]):
    require(request, Permission.VIEW_NOTICES)
    found = notices_for_account(caller(request)).order_by("-created_at", "-id")
    if filters.unread:
        found = found.filter(read_at__isnull=True)
    return [_out(n) for n in filters.window(found)]


@router.get("/{notice_id}", response=NoticeOut, summary="One notice of my organization")
def notice(request, notice_id: int):
    require(request, Permission.VIEW_NOTICES)
    return _out(notice_for_account(caller(request), notice_id))


@router.post("/{notice_id}/read", response=NoticeOut, summary="Mark a notice of my organization as read")
def notice_read(request, notice_id: int):
    require(request, Permission.VIEW_NOTICES)
    user = caller(request)
    return _out(notice_mark_read(notice=notice_for_account(user, notice_id), user=user))
