"""Template context: the console navigation of the logged-in staff member."""

from xinyong.accounts.choices import AccountKind
from xinyong.web.navigation import console_navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.kind == AccountKind.STAFF:
        return {"console_navigation": console_navigation_for(user)}
    return {"console_navigation": []}
