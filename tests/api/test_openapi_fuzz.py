"""Schemathesis over the whole OpenAPI description (security req. 25): every operation, fuzzed as an
anonymous caller, a staff session and an API client's token, answers inside its documented statuses and
schemas and never with a server error. A new endpoint is fuzzed by default: the operations come from the
description itself."""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

pytestmark = pytest.mark.postgres

# Bounded: a few generated examples per operation and caller keep the run to about a minute.
EXAMPLES = 6
ALL_ROLES = ("catalog_manager", "data_submitter", "case_handler", "measure_implementer", "supervisor", "analyst")


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)



def _operations() -> list[str]:
    """"METHOD path" of every operation in the description (read at collection, so new ones join)."""
    from xinyong.api import api

    paths = api.get_openapi_schema()["paths"]
    return [f"{method.upper()} {path}" for path, operations in paths.items() for method in operations]


OPERATIONS = _operations()


@contextlib.contextmanager
def _connection_kept_open():
    """Like Django's test client: requests must not close the test's database connection at their end."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db):
    """The description loaded from the WSGI application itself, answering inside the test's transaction."""
    with _connection_kept_open():
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


# A schema-valid request may still break a business rule the description cannot express (an organization
# identified by an ID number, a missing query purpose): a documented 400 with its code is the right answer.
EXCLUDED_CHECKS = [positive_data_acceptance]


def fuzz(api_schema, label: str, *, excluded=(), **call) -> None:
    """Generate bounded examples for one operation and check each answer against the description."""
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(excluded_checks=EXCLUDED_CHECKS + list(excluded), **call)

    with _connection_kept_open():
        check()


@pytest.fixture
def staff_session(client, make_staff):
    """Cookies and headers of a logged-in staff session with every business role (CSRF token included)."""
    user = make_staff(roles=ALL_ROLES)
    client.force_login(user)
    client.get("/console/")  # sets the CSRF cookie
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return {"cookies": cookies, "headers": {"X-CSRFToken": cookies.get("csrftoken", "")}}


@pytest.fixture
def api_token(make_org):
    from xinyong.accounts.services import api_client_create

    issued = api_client_create(username="fuzz-client", organization=make_org(), roles=set(ALL_ROLES))
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_anonymous_callers_get_documented_answers(api_schema, operation):
    fuzz(api_schema, operation)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_staff_session_gets_documented_answers(api_schema, staff_session, operation):
    # The session cookie authenticates whatever Authorization header is tried beside it: the check that
    # "invalid authentication is refused" belongs to the anonymous and token runs.
    fuzz(api_schema, operation, excluded=[ignored_auth],
         headers=staff_session["headers"], cookies=staff_session["cookies"])


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_api_client_gets_documented_answers(api_schema, api_token, operation):
    fuzz(api_schema, operation, headers=api_token)
