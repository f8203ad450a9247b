"""The OpenAPI description is complete and truthful (security req. 25): one schema per name, every error
answer documented, and every error in the platform's body `{code, field, message}`."""

from __future__ import annotations

import enum
import typing

import pytest
from django.test import Client
from ninja import Schema

pytestmark = pytest.mark.smoke


def _platform_types():
    """Every API schema class of the platform and every enum its fields use."""
    seen, stack = set(), list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
    schemas = {cls for cls in seen if cls.__module__.startswith("xinyong.")}
    enums = set()

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            enums.add(annotation)
        for argument in typing.get_args(annotation):
            walk(argument)

    for cls in schemas:
        for field in cls.model_fields.values():
            walk(field.annotation)
    return schemas | enums


def test_no_two_api_types_share_a_name():
    """The description names components by class name: two classes of one name would silently merge."""
    from xinyong.api import api  # noqa: F401  (registers every router)

    by_name: dict[str, set[str]] = {}
    for cls in _platform_types():
        by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    duplicates = {name: sorted(places) for name, places in by_name.items() if len(places) > 1}
    assert not duplicates


def test_every_operation_documents_the_platforms_error_answers(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["components"]["schemas"]["ErrorOut"]["required"] == ["code", "message"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "404", "422", "429"} | ({"401", "403"} if operation.get("security") else set())
            documented = {status for status in operation["responses"] if status.startswith("4")}
            assert expected <= documented, f"{method.upper()} {path}"
            for status in expected:
                content = operation["responses"][status]["content"]["application/json"]
                name = content["schema"]["$ref"].rsplit("/", 1)[-1]
                body = spec["components"]["schemas"][name]
                # The platform's error body, or one that extends it (a rate limit adds its Retry-After seconds).
                assert {"code", "message"} <= set(body["required"]), f"{method} {path} {status}"


def test_an_anonymous_post_is_unauthenticated_not_a_csrf_failure():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/api/v1/subjects", {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "field": None, "message": "需要登录。"}


def test_a_logged_in_post_without_its_csrf_token_is_refused_in_the_platforms_error_body(make_staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_staff(roles=("data_submitter",)))
    response = browser.post("/api/v1/subjects", {}, content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "detail" not in body
    assert body["message"] == "安全校验失败：请刷新页面后重试。"


def test_a_logged_in_post_with_its_csrf_token_is_served(make_staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_staff(roles=("data_submitter",)))
    browser.get("/console/")
    token = browser.cookies["csrftoken"].value
    response = browser.post("/api/v1/identifiers/validate", {"type": "uscc", "values": ["91110000600037341L"]},
                            content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200
