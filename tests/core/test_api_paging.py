"""Every list of the API pages with bounded `limit` and `offset` (issue 12 finding 7).

The test walks the OpenAPI description: a new list endpoint without the shared paging parameters fails it, and
every paging parameter past its bound (an offset beyond 2^63 once answered 500) is refused with 422 in the
platform's error format.
"""

from __future__ import annotations

import pytest

from xinyong.api import api
from xinyong.core.paging import MAX_OFFSET, MAX_PAGE

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

HUGE = 2**64 + 1
PREFIX = "/api/v1"  # the paths of the description carry it already


def _operations():
    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is not None:
            yield path, operation


def _returns_a_list(operation) -> bool:
    responses = operation["responses"]
    ok = responses.get(200) or responses.get("200") or {}
    content = ok.get("content", {}).get("application/json", {})
    return content.get("schema", {}).get("type") == "array"


def _parameters(operation) -> dict[str, dict]:
    return {p["name"]: p for p in operation.get("parameters", [])}


def _url(path: str, operation, **query) -> tuple[str, dict]:
    values = {}
    for name, parameter in _parameters(operation).items():
        kind = parameter.get("schema", {})
        if parameter["in"] == "path":
            path = path.replace("{" + name + "}", "1" if kind.get("type") == "integer" else "x")
        elif parameter.get("required"):
            values[name] = kind["enum"][0] if "enum" in kind else "承德市"
    values.update(query)
    return path, values


def test_every_list_operation_declares_bounded_paging():
    lists = [(path, op) for path, op in _operations() if _returns_a_list(op)]
    assert len(lists) >= 12
    for path, operation in lists:
        parameters = _parameters(operation)
        assert {"limit", "offset"} <= set(parameters), path
        offset, limit = parameters["offset"]["schema"], parameters["limit"]["schema"]
        assert offset["minimum"] == 0 and offset["maximum"] == MAX_OFFSET, path
        assert limit["minimum"] == 1 and 1 <= limit["maximum"] <= 5000, path


def test_a_paging_parameter_past_its_bound_is_refused_with_422_not_a_server_error(make_org, api_client_for):
    client = api_client_for(make_org(), ("case_handler",))
    walked = 0
    for path, operation in _operations():
        parameters = _parameters(operation)
        for name, bad_values in (("offset", (HUGE, -1, MAX_OFFSET + 1)), ("limit", (HUGE, 0)),
                                 ("page", (HUGE, 0, MAX_PAGE + 1))):
            if name not in parameters:
                continue
            for bad in bad_values:
                url, query = _url(path, operation, **{name: bad})
                response = client.get(url, query)
                assert response.status_code == 422, (url, name, bad, response.status_code)
                body = response.json()
                assert body["code"] == "invalid_input" and body["field"] == name, (url, body)
                walked += 1
    assert walked >= 12 * 5 + 3  # every list (offset and limit) and the numbered public search


def test_the_bound_is_told_in_chinese(make_org, api_client_for):
    client = api_client_for(make_org(), ("case_handler",))
    response = client.get(f"{PREFIX}/subjects", {"offset": HUGE})
    assert response.status_code == 422
    assert response.json()["message"] == f"不能大于{MAX_OFFSET}。"
    assert client.get(f"{PREFIX}/subjects", {"offset": -1}).json()["message"] == "不能小于0。"


def test_a_page_within_the_bounds_is_served(make_org, api_client_for):
    client = api_client_for(make_org(), ("case_handler",))
    response = client.get(f"{PREFIX}/organizations", {"offset": MAX_OFFSET, "limit": 500})
    assert response.status_code == 200 and response.json() == []
    everything = client.get(f"{PREFIX}/organizations").json()
    assert len(everything) == 1
    assert client.get(f"{PREFIX}/organizations", {"offset": 1}).json() == []
