"""`{% account_notices_link %}`: the account navigation's link to the inbox, with the unread count (one query)."""

from __future__ import annotations

from django import template

from xinyong.notifications.selectors import unread_count_for_account

register = template.Library()


@register.inclusion_tag("notifications/includes/account_notices_link.html", takes_context=True)
def account_notices_link(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    return {
        "unread": unread_count_for_account(user) if user is not None else 0,
        "current": bool(match and match.view_name in {"notifications:inbox", "notifications:notice"}),
    }
