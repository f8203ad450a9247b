"""Request id middleware: every request gets an id that its audit records and responses carry."""

from __future__ import annotations

import re

from xinyong.core.context import new_request_id, request_context

_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        # An upstream proxy's id is kept only when it is well formed: it ends up in the audit log.
        request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        with request_context(request_id):
            request.request_id = request_id
            response = self.get_response(request)
        response["X-Request-Id"] = request_id
        return response


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response (Django's SecurityMiddleware sets nosniff and Referrer-Policy,
    django-csp the Content-Security-Policy): the browser features the platform never uses are off."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
