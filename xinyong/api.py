"""The REST API under /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json).

Every operation is authenticated (a staff session or an API client's bearer token) and checks a named
permission. Errors are `{"code", "field", "message"}`: the code is machine-readable English, the message
is in the request's language (Chinese by default).
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from xinyong.accounts.choices import AccountKind
from xinyong.accounts.services import api_token_authenticate
from xinyong.core.errors import ServiceError
from xinyong.core.schemas import ErrorOut
from xinyong.core.text import REASONS as TEXT_REFUSALS
from xinyong.core.uploads import request_refusal


class _AccountSessionAuth(SessionAuth):
    """A logged-in session of one account kind, CSRF-protected for unsafe methods.

    The CSRF check runs only for a logged-in session: an anonymous caller is unauthenticated (401), not a
    CSRF failure (403), so every operation answers an anonymous request the same way."""

    account_kind: str

    def _get_key(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.kind != self.account_kind:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user and user.kind == self.account_kind:
            return user
        return None


class StaffSessionAuth(_AccountSessionAuth):
    """A logged-in staff session (CSRF-protected for unsafe methods)."""

    account_kind = AccountKind.STAFF


class SubjectSessionAuth(_AccountSessionAuth):
    """A citizen's or business's portal session (CSRF-protected for unsafe methods)."""

    account_kind = AccountKind.SUBJECT


class ApiClientBearer(HttpBearer):
    """A department system's bearer token (`Authorization: Bearer xy_...`)."""

    openapi_description = "API client token issued by the security administrator"

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# Statuses every operation may answer with the platform's error body, documented on each operation so that
# the description is complete (security req. 25): refusals of a service, unknown or forbidden objects (one
# answer for both), invalid input, rate limits, and for authenticated operations 401/403.
_COMMON_ERRORS = {
    "400": _("The request was refused (see code and message)."),
    "404": _("Not found, or not yours to see."),
    "422": _("Invalid input."),
    "429": _("Too many requests; retry later."),
}
_AUTH_ERRORS = {
    "401": _("Authentication required."),
    "403": _("Not permitted."),
}


class PlatformAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI description documents the platform's error answers on every operation."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ErrorOut.model_json_schema())
        error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                statuses = dict(_COMMON_ERRORS)
                if operation.get("security"):
                    statuses |= _AUTH_ERRORS
                for status, description in statuses.items():
                    responses = operation.setdefault("responses", {})
                    if int(status) not in responses and status not in responses:
                        responses[status] = {"description": str(description), "content": error_ref}
        return schema


api = PlatformAPI(
    title="Xinyong public credit information platform API",
    version="1.0.0",
    description="信用信息平台接口. Errors: {code, field, message}.",
    urls_namespace="api",
    auth=[ApiClientBearer(), StaffSessionAuth()],
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)  # a rate limit inside a service (security req. 26)
    return response


@api.exception_handler(SuspiciousOperation)
def request_refused(request, exc: SuspiciousOperation):
    """A body too large outside its files, or too many files or fields (xinyong.core.uploads)."""
    status, code, message = request_refusal(exc) or (400, "bad_request", str(_("The request cannot be processed.")))
    return api.create_response(request, {"code": code, "field": None, "message": message}, status=status)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "field": None, "message": str(_("Authentication required."))},
        status=401,
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"code": "not_found", "field": None, "message": str(_("Not found."))}, status=404
    )


# Any other refusal raised by the framework (a CSRF failure of a logged-in session, a bad body) answers in
# the platform's error body, never `{"detail": ...}`.
_HTTP_ERROR_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
                     413: "too_large", 429: "rate_limited"}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    code = _HTTP_ERROR_CODES.get(exc.status_code, "error")
    message = _("CSRF check failed: reload the page and try again.") if "CSRF" in str(exc) else str(exc)
    return api.create_response(
        request, {"code": code, "field": None, "message": str(message)}, status=exc.status_code
    )


# Messages for the commonest schema errors in the request's language (a bound of a paging parameter, a number
# that is not one); other errors keep the validator's own message.
_VALIDATION_MESSAGES = {
    "less_than_equal": (_("Must be at most %(limit)s."), "le"),
    "greater_than_equal": (_("Must be at least %(limit)s."), "ge"),
    "int_parsing": (_("Must be a whole number."), None),
}


def _validation_message(error: dict) -> str:
    known = _VALIDATION_MESSAGES.get(error.get("type", ""))
    if known is None:
        return error.get("msg", "Invalid input.")
    template, bound = known
    return str(template) % {"limit": (error.get("ctx") or {}).get(bound)} if bound else str(template)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    location = [str(p) for p in first.get("loc", ()) if p not in ("body", "payload", "query", "path")]
    return api.create_response(
        request,
        {
            "code": first.get("type") if first.get("type") in TEXT_REFUSALS else "invalid_input",
            "field": ".".join(location) or None,
            "message": _validation_message(first),
            "errors": [
                {"loc": list(map(str, e.get("loc", ()))), "msg": e.get("msg"), "type": e.get("type")}
                for e in exc.errors
            ],
        },
        status=422,
    )


def _register_routers() -> None:
    from xinyong.accounts.api import router as accounts_router
    from xinyong.audit.api import router as audit_router
    from xinyong.core.api import router as core_router
    from xinyong.disclosure.api import router as disclosure_router
    from xinyong.ingestion.api import router as submissions_router
    from xinyong.lists.api import router as lists_router
    from xinyong.measures.api import router as measures_router
    from xinyong.notifications.api import router as notifications_router
    from xinyong.records.api import router as records_router
    from xinyong.reports.api import router as reports_router
    from xinyong.rights.api import router as rights_router
    from xinyong.subjects.api import router as subjects_router

    api.add_router("/identifiers", core_router)
    api.add_router("/", accounts_router)
    api.add_router("/subjects", subjects_router)
    api.add_router("/audit", audit_router)
    api.add_router("/submissions", submissions_router)
    api.add_router("/records", records_router)
    # Public search and profiles (anonymous, tagged "public"), official and authorized queries (Art 21).
    api.add_router("/", disclosure_router)
    # Credit reports: issue and download (authenticated), verification (public, tagged "public").
    api.add_router("/reports", reports_router)
    # Lists (public reads; the listing procedure, Art 22, 24), measures, credit checks and cases (Art 22–26).
    api.add_router("/lists", lists_router)
    api.add_router("/", measures_router)
    # Objection and credit repair cases for the deciding departments (Art 28–31, 33).
    api.add_router("/rights", rights_router)
    # Notices addressed to the caller's organization (Art 24, 29).
    api.add_router("/notices", notifications_router)


_register_routers()
