"""Credit checks are limited per organization: requests per window and identifiers per calendar day, both from the
registry (Art 15, 32; security requirement 26; issue 12 finding 6). Over a limit the answer is 429 with
`Retry-After` and the platform's error body, and no subject is looked up.

The clock is held still (`frozen`) so that every request of a test falls in one window.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from lists_fixtures import register_org

from xinyong.accounts.testing import staff_session
from xinyong.audit.models import AuditEvent
from xinyong.disclosure import ratelimit
from xinyong.measures.models import CheckLog
from xinyong.measures.services import check_subjects
from xinyong.regulation.parameters import parameter

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast")]

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def frozen(monkeypatch):
    """Now, held still: 12:00:05 Beijing time today (55 seconds before the next one-minute window)."""
    moment = timezone.now().astimezone(BEIJING).replace(hour=12, minute=0, second=5, microsecond=0)
    state = {"now": moment}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


def post_check(client, identifiers):
    body = {"scenario": "procurement", "subjects": [{"identifier_type": "uscc", "identifier": i} for i in identifiers]}
    return client.post("/api/v1/checks", json.dumps(body), content_type="application/json")


@pytest.fixture
def company(divisions):
    return register_org("承德市限流测试建材有限公司")


def test_the_limits_are_registry_parameters_under_the_chengde_regulation():
    for name in ("checks.request_limit", "checks.daily_identifier_limit"):
        value = parameter(name)
        assert {ref.article for ref in value.reference if ref.article} == {15, 32}
        assert "[ours]" in value.note
    assert parameter("checks.request_limit").value == 30
    assert parameter("checks.daily_identifier_limit").value == 20_000


def test_requests_past_the_window_limit_of_an_organization_answer_429_and_do_no_work(
    frozen, api_client_for, department, make_org, company
):
    limit = int(parameter("checks.request_limit").value)
    first, second = api_client_for(department, {"measure_implementer"}), api_client_for(department, {"measure_implementer"})
    for index in range(limit):  # two tokens of one department share its count
        response = post_check(first if index % 2 else second, [company.identifier])
        assert response.status_code == 200, response.content
    checks, events = CheckLog.objects.count(), AuditEvent.objects.count()

    refused = post_check(first, [company.identifier])
    assert refused.status_code == 429
    assert refused.json() == {"code": "rate_limited", "field": None, "message": "请求过于频繁，请稍后再试。"}
    assert refused["Retry-After"] == "55"
    assert (CheckLog.objects.count(), AuditEvent.objects.count()) == (checks, events)  # nothing looked up or logged

    other = api_client_for(make_org(name="承德市住房和城乡建设局"), {"measure_implementer"})
    assert post_check(other, [company.identifier]).status_code == 200  # another organization counts on its own

    frozen["now"] += dt.timedelta(seconds=55)  # the next window
    assert post_check(first, [company.identifier]).status_code == 200


@pytest.fixture
def daily_limit_of_five(monkeypatch):
    original = ratelimit.limit_for
    monkeypatch.setattr(ratelimit, "limit_for",
                        lambda scope: 5 if scope == ratelimit.CHECK_IDENTIFIERS else original(scope))


def test_identifiers_past_the_daily_limit_are_refused_whole_until_the_next_day(
    frozen, api_client_for, department, daily_limit_of_five
):
    api = api_client_for(department, {"measure_implementer"})
    codes = [register_org(f"承德市日限测试{n}有限公司").identifier for n in range(6)]
    assert post_check(api, codes[:3]).status_code == 200
    checks = CheckLog.objects.count()

    refused = post_check(api, codes[3:6])
    assert refused.status_code == 429
    assert refused.json() == {"code": "rate_limited", "field": "identifiers",
                              "message": "本单位今日已核查3个主体，本次3个将超过每日5个的上限，请于明日再核查"}
    assert refused["Retry-After"] == str(12 * 3600 - 5)  # seconds to midnight, Beijing time
    assert CheckLog.objects.count() == checks

    assert post_check(api, codes[3:5]).status_code == 200  # the refused check took nothing: exactly 5 today
    assert post_check(api, codes[5:6]).status_code == 429

    frozen["now"] += dt.timedelta(hours=12)  # the next day, 00:00:05
    assert post_check(api, codes[5:6]).status_code == 200


def test_the_service_counts_identifiers_for_every_channel(frozen, implementer, daily_limit_of_five, company):
    check_subjects(requester=implementer, scenario="procurement", identifiers=[("uscc", company.identifier)] * 5)
    with pytest.raises(ratelimit.RateLimited) as raised:
        check_subjects(requester=implementer, scenario="procurement", identifiers=[("uscc", company.identifier)])
    assert raised.value.status == 429 and raised.value.retry_after == 12 * 3600 - 5


def test_the_console_check_page_answers_429_with_the_reason(frozen, implementer, daily_limit_of_five, company):
    from django.test import Client

    client = staff_session(Client(), implementer)
    form = {"scenario": "procurement", "identifier_type": "uscc", "reference": "",
            "identifiers": "\n".join([company.identifier] * 6)}
    response = client.post("/console/measures/check/", form)
    assert response.status_code == 429
    assert response["Retry-After"] == str(12 * 3600 - 5)
    assert "本单位今日已核查0个主体，本次6个将超过每日5个的上限，请于明日再核查" in response.content.decode()
    assert not CheckLog.objects.exists()
