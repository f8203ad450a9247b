"""Permission checks for API operations (one function, used by every endpoint)."""

from __future__ import annotations

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import PermissionDenied


def require(request, permission: Permission) -> None:
    """Refuse with 403 unless the authenticated caller holds the permission."""
    user = getattr(request, "auth", None) or request.user
    if not has_permission(user, permission):
        raise PermissionDenied()


def caller(request):
    return getattr(request, "auth", None) or request.user
