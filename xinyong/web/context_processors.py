"""Template context: the console navigation of a logged-in staff member and the layout pages extend."""

from xinyong.accounts.choices import AccountKind
from xinyong.web.navigation import console_links_for

PORTAL_LAYOUT = "web/base.html"
CONSOLE_LAYOUT = "web/console_base.html"


def navigation(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.kind == AccountKind.STAFF:
        # Error pages (403, 404) extend `layout_template`, so staff keep their console around them.
        return {
            "console_navigation": console_links_for(user, request.path),
            "layout_template": CONSOLE_LAYOUT,
        }
    return {"console_navigation": [], "layout_template": PORTAL_LAYOUT}
