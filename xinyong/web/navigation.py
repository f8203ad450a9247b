"""Console navigation: each app contributes entries here; a staff member sees those its permissions allow.

A later issue adds its page by appending a `NavItem` to `CONSOLE_NAVIGATION` (label, URL name, permission).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.permissions import Permission, has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: Permission | None = None


@dataclass(frozen=True)
class NavLink:
    """A navigation entry as rendered: `current` is "page" on its own page, "true" below it, else ""."""

    label: str
    url: str
    current: str


CONSOLE_NAVIGATION: list[NavItem] = [
    NavItem(_("Console home"), "web:console-home"),
    NavItem(_("Credit subjects"), "web:console-subjects", Permission.VIEW_SUBJECTS),
    NavItem(_("Organizations"), "web:console-organizations", Permission.VIEW_ORGANIZATIONS),
    NavItem(_("Working-day calendar"), "regulation:calendar", Permission.MANAGE_CALENDAR),
    NavItem(_("Audit log"), "audit:event-list", Permission.VIEW_AUDIT),
    NavItem(_("Credit information catalog"), "catalog_console:versions", Permission.MANAGE_CATALOG),
    NavItem(_("Submissions"), "ingestion:batches", Permission.SUBMIT_RECORDS),
    NavItem(_("Data quality"), "ingestion:quality", Permission.VIEW_QUALITY),
    NavItem(_("Official query"), "disclosure:console-official-query", Permission.QUERY_OFFICIAL),
    NavItem(_("Query statistics"), "disclosure:console-statistics", Permission.VIEW_QUERY_STATS),
    NavItem(_("What the public page showed"), "disclosure:console-public-view", Permission.VIEW_PUBLIC_HISTORY),
    NavItem(_("List management"), "lists_console:entries", Permission.MANAGE_LISTS),
    NavItem(_("Joint rewards and punishments"), "measures:catalog", Permission.MANAGE_MEASURES),
    NavItem(_("Credit check"), "measures:check", Permission.CHECK_SUBJECTS),
    NavItem(_("Measure cases"), "measures:cases", Permission.REPORT_FEEDBACK),
    NavItem(_("Measure statistics"), "measures:statistics", Permission.VIEW_MEASURE_STATS),
    NavItem(_("Notices"), "notifications:console-notices", Permission.VIEW_NOTICES),
    NavItem(_("Notification outbox"), "notifications:outbox", Permission.MANAGE_NOTIFICATIONS),
    NavItem(_("Objection and repair cases"), "rights_console:cases", Permission.HANDLE_RIGHTS_CASES),
    NavItem(_("Objection and repair deadlines"), "rights_dashboard:dashboard", Permission.VIEW_RIGHTS_CASES),
    NavItem(_("Bulk exports"), "exports:list", Permission.USE_EXPORTS),
]


def console_navigation_for(user) -> list[NavItem]:
    return [
        item
        for item in CONSOLE_NAVIGATION
        if item.permission is None or has_permission(user, item.permission)
    ]


def console_links_for(user, path: str) -> list[NavLink]:
    """The entries the user may see, marking the one for `path` (and the section `path` lies in)."""
    links = []
    home = reverse("web:console-home")
    for item in console_navigation_for(user):
        url = reverse(item.url_name)
        if path == url:
            current = "page"
        elif url != home and path.startswith(url):
            current = "true"
        else:
            current = ""
        links.append(NavLink(str(item.label), url, current))
    return links
