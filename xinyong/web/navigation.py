"""Console navigation: each app contributes entries here; a staff member sees those its permissions allow."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from xinyong.accounts.permissions import Permission, has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: Permission | None = None


CONSOLE_NAVIGATION: list[NavItem] = [
    NavItem(_("Console home"), "web:console-home"),
    NavItem(_("Credit subjects"), "web:console-subjects", Permission.VIEW_SUBJECTS),
    NavItem(_("Organizations"), "web:console-organizations", Permission.VIEW_ORGANIZATIONS),
]


def console_navigation_for(user) -> list[NavItem]:
    return [
        item
        for item in CONSOLE_NAVIGATION
        if item.permission is None or has_permission(user, item.permission)
    ]
