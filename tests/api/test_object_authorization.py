"""Object-level authorization, generated from the OpenAPI description (security req. 7): for every operation
that names an object in its path, an account of another organization (or another subject) trying the
object gets exactly the answer of an object that does not exist, while the owner is served. An operation
with a path parameter that has neither a scenario here nor a stated exemption fails the test, so a new
endpoint cannot go unchecked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import count

import pytest
from django.test import Client
from ingestion_fixtures import org_uscc, penalty_row, write_csv
from lists_fixtures import publish_entry, register_org

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MISSING_ID = 987_654_321
_numbers = count(7000)


def _operations_with_path_parameters() -> list[str]:
    from xinyong.api import api

    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if "public" in operation.get("tags", []):
                continue  # open to anyone by law (Art 18, 21); tests/subjects/test_subjects_api.py pins them
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                found.append(f"{method.upper()} {path}")
    return found


# Path parameters that do not name an object of an organization or a subject, with the reason.
EXEMPT = {
    "GET /api/v1/organizations/{uscc}": "the directory of organizations using the platform, shared with all staff",
    "GET /api/v1/audit/proofs/inclusion/{seq}": "a proof about the whole audit log, for audit administrators",
    "POST /api/v1/submissions/{item_code}/records": "a catalog item code; a provider not allowed to file under "
                                                    "the item gets 404 (tests/ingestion/test_ingestion_api.py)",
    "POST /api/v1/submissions/{item_code}/batches": "a catalog item code, as above",
}


@dataclass
class Attempt:
    """The owner's object and a missing one, the owner's and the intruder's clients, and the request body."""

    owner: Client
    intruder: Client
    params: dict
    missing: dict
    body: dict | None = None
    owner_statuses: tuple = (200, 201)


@dataclass
class World:
    """Two organizations (A owns, B intrudes) and two subjects, built lazily per scenario."""

    make_org: Callable
    make_staff: Callable
    tmp_path: object
    _done: dict = field(default_factory=dict)

    def token_client(self, organization, roles) -> Client:
        from xinyong.accounts.services import api_client_create

        issued = api_client_create(username=f"client{next(_numbers)}", organization=organization, roles=set(roles))
        return Client(headers={"Authorization": f"Bearer {issued.secret}"})

    def session_client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    # ---- organizations
    def seed_catalog(self) -> None:
        from xinyong.catalog.seed import catalog_seed

        if not self._done.get("catalog"):
            catalog_seed()
            self._done["catalog"] = True

    @cached_property
    def provider_a(self):
        self.seed_catalog()
        return self.make_org(name="承德市市场监督管理局", division="130802")

    @cached_property
    def provider_b(self):
        self.seed_catalog()
        return self.make_org(name="兴隆县市场监督管理局", division="130822")

    @cached_property
    def authority(self):
        return self.make_org(name="承德市行政审批局", kind="authority")

    @cached_property
    def clerk(self):
        return self.make_staff(roles=("case_handler",), organization=self.authority)

    # ---- objects of organization A
    @cached_property
    def batch(self):
        from xinyong.ingestion.pipeline import ingest_file

        row = penalty_row(self.provider_a.uscc, **{"统一社会信用代码": org_uscc(next(_numbers))})
        result = ingest_file(path_or_stream=write_csv(self.tmp_path / "a.csv", [row]), item_code="admin-penalty",
                             provider=self.provider_a)
        assert result.rejected == 0, result.errors
        return result.batch

    @cached_property
    def record(self):
        from xinyong.records.models import CreditRecord

        return CreditRecord.objects.select_related("subject").get(batch_id=self.batch)

    @cached_property
    def objection(self):
        from xinyong.rights.services import objection_file

        return objection_file(subject=self.record.subject, record=self.record, reasons="处罚决定已被撤销。",
                              on=dt.date(2026, 11, 2))

    @cached_property
    def entry(self):
        return publish_entry(register_org("承德市失信测试工程有限公司"), self.clerk, publish=False)

    @cached_property
    def measure_case(self):
        from xinyong.measures.models import MeasureCase
        from xinyong.measures.services import check_subjects

        listed = register_org("承德市列入测试工程有限公司")
        publish_entry(listed, self.clerk)
        implementer = self.make_staff(roles=("measure_implementer",), organization=self.department_a)
        result = check_subjects(requester=implementer, scenario="procurement",
                                identifiers=[("uscc", listed.identifier)])
        return MeasureCase.objects.get(pk=result.results[0].measures[0].case_id)

    @cached_property
    def department_a(self):
        return self.make_org(name="承德市财政局")

    @cached_property
    def department_b(self):
        return self.make_org(name="承德市住房和城乡建设局")

    @cached_property
    def notice(self):
        from xinyong.notifications.services import notice_send

        return notice_send(organization=self.provider_a, kind="other", title="测试通知", body="通知正文。",
                           link="/console/", articles=["Art 29"])

    # ---- two subjects with portal accounts
    def subject_account(self, name):
        from xinyong.subjects.services import subject_account_create

        subject = register_org(name)
        return subject, subject_account_create(subject=subject, username=f"subject{next(_numbers)}").user

    @cached_property
    def subject_a(self):
        return self.subject_account("承德市甲测试商贸有限公司")

    @cached_property
    def subject_b(self):
        return self.subject_account("承德市乙测试商贸有限公司")


def _provider_clients(w: World, roles=("data_submitter",)):
    return w.token_client(w.provider_a, roles), w.token_client(w.provider_b, roles)


def subject_detail(w: World) -> Attempt:
    w.seed_catalog()
    mine = register_org("承德市双桥区测试商贸有限公司")  # in 130802, the jurisdiction of A
    owner, intruder = _provider_clients(w)
    return Attempt(owner, intruder, {"subject_id": mine.pk}, {"subject_id": MISSING_ID})


def batch(w: World) -> Attempt:
    owner, intruder = _provider_clients(w)
    return Attempt(owner, intruder, {"batch_id": w.batch}, {"batch_id": MISSING_ID})


def record_change(body) -> Callable[[World], Attempt]:
    def build(w: World) -> Attempt:
        owner, intruder = _provider_clients(w)
        return Attempt(owner, intruder, {"record_id": w.record.pk}, {"record_id": MISSING_ID}, body)

    return build


def credit_information(w: World) -> Attempt:
    """A bank holding the subject's written authorization reads; another bank does not."""
    from django.utils import timezone

    from xinyong.disclosure.services import authorization_confirm, authorization_draft

    subject, account = w.subject_a
    bank_a = w.make_org(name="承德银行股份有限公司", kind="bank")
    bank_b = w.make_org(name="河北银行股份有限公司承德分行", kind="bank")
    draft = authorization_draft(account=account, grantee_uscc=bank_a.uscc, categories=["basic"], purpose="贷款审查",
                                valid_until=timezone.localdate() + dt.timedelta(days=30))
    authorization = authorization_confirm(account=account, authorization_id=draft.pk)
    owner, intruder = w.token_client(bank_a, ["analyst"]), w.token_client(bank_b, ["analyst"])
    query = f"?mode=authorized&purpose=贷款审查&authorization={authorization.pk}"
    return Attempt(owner, intruder, {"key": subject.identifier, "_query": query},
                   {"key": org_uscc(999_001), "_query": query})


def report_pdf(w: World) -> Attempt:
    from xinyong.reports.services import report_issue

    subject, account = w.subject_a
    _, other = w.subject_b
    report = report_issue(subject=subject, variant="public", requester=account, purpose="本人查询")
    missing = re.sub(r"\d(?=\D*$)", lambda m: str((int(m.group()) + 1) % 10), report.number)
    return Attempt(w.session_client(account), w.session_client(other), {"number": report.number},
                   {"number": missing})


def list_entry(body=None, owner_statuses=(200, 201)) -> Callable[[World], Attempt]:
    def build(w: World) -> Attempt:
        owner = w.token_client(w.authority, ["case_handler"])
        intruder = w.token_client(w.department_b, ["case_handler"])
        return Attempt(owner, intruder, {"entry_id": w.entry.pk}, {"entry_id": MISSING_ID}, body,
                       owner_statuses=owner_statuses)

    return build


def measure_feedback(w: World) -> Attempt:
    owner = w.token_client(w.department_a, ["measure_implementer"])
    intruder = w.token_client(w.department_b, ["measure_implementer"])
    return Attempt(owner, intruder, {"case_id": w.measure_case.pk}, {"case_id": MISSING_ID},
                   {"applied": True, "note": "已拒绝其参与本次采购。"})


def rights_case(body=None, owner_statuses=(200, 201)) -> Callable[[World], Attempt]:
    def build(w: World) -> Attempt:
        owner, intruder = _provider_clients(w)
        return Attempt(owner, intruder, {"case_id": w.objection.pk}, {"case_id": MISSING_ID}, body,
                       owner_statuses=owner_statuses)

    return build


def notice(w: World) -> Attempt:
    owner, intruder = _provider_clients(w)
    return Attempt(owner, intruder, {"notice_id": w.notice.pk}, {"notice_id": MISSING_ID})


# A business refusal (400: wrong state or kind) shows the owner reached the object; only 404 would not.
STATE_REFUSAL = (200, 400)
SCENARIOS: dict[str, Callable[[World], Attempt]] = {
    "GET /api/v1/subjects/{subject_id}": subject_detail,
    "GET /api/v1/submissions/batches/{batch_id}": batch,
    "GET /api/v1/submissions/batches/{batch_id}/rejections": batch,
    "POST /api/v1/records/{record_id}/corrections": record_change(
        {"data": {"CF_NR": "罚款人民币二万元"}, "reason": "金额录入错误，依决定书更正。"}),
    "POST /api/v1/records/{record_id}/withdrawal": record_change({"reason": "处罚决定已被依法撤销。"}),
    "GET /api/v1/subjects/{key}/credit-information": credit_information,
    "GET /api/v1/reports/{number}/pdf": report_pdf,
    "GET /api/v1/lists/entries/{entry_id}": list_entry(),
    "POST /api/v1/lists/entries/{entry_id}/notify": list_entry({"served_on": "2026-03-02"}, STATE_REFUSAL),
    "POST /api/v1/lists/entries/{entry_id}/decide": list_entry(
        {"decision": "listed", "reasons": "经审查，事实清楚，决定列入。"}, STATE_REFUSAL),
    "POST /api/v1/lists/entries/{entry_id}/publish": list_entry(None, STATE_REFUSAL),
    "POST /api/v1/lists/entries/{entry_id}/remove": list_entry({"reason": "revocation", "note": "决定已撤销。"},
                                                               STATE_REFUSAL),
    "POST /api/v1/lists/entries/{entry_id}/extend": list_entry(
        {"court_term_end": "2030-01-01", "note": "人民法院决定延长失信期限。"}, STATE_REFUSAL),
    "POST /api/v1/cases/{case_id}/feedback": measure_feedback,
    "GET /api/v1/rights/cases/{case_id}": rights_case(),
    "POST /api/v1/rights/cases/{case_id}/extension": rights_case({"days": 3, "reason": "需向相关单位核实。"},
                                                                  STATE_REFUSAL),
    "POST /api/v1/rights/cases/{case_id}/objection-decision": rights_case(
        {"outcome": "maintained", "reasons": "经核查，信息准确。"}, STATE_REFUSAL),
    "POST /api/v1/rights/cases/{case_id}/repair-decision": rights_case(
        {"outcome": "refused", "reasons": "不符合修复条件。"}, STATE_REFUSAL),
    "GET /api/v1/notices/{notice_id}": notice,
    "POST /api/v1/notices/{notice_id}/read": notice,
}

OPERATIONS = _operations_with_path_parameters()


def test_every_operation_on_an_object_has_a_scenario_or_a_stated_exemption():
    uncovered = [op for op in OPERATIONS if op not in SCENARIOS and op not in EXEMPT]
    assert not uncovered, f"add an object-authorization scenario for: {uncovered}"
    assert not (set(SCENARIOS) | set(EXEMPT)) - set(OPERATIONS), "scenarios for operations that no longer exist"


def _request(client: Client, method: str, path: str, params: dict, body):
    params = dict(params)
    query = params.pop("_query", "")
    url = path.format(**params) + query
    if method == "GET":
        return client.get(url)
    return client.post(url, body or {}, content_type="application/json")


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op in SCENARIOS])
def test_another_organizations_object_looks_exactly_like_a_missing_one(operation, make_org, make_staff, tmp_path,
                                                                       divisions, render_notices_fast):
    method, path = operation.split(" ", 1)
    attempt = SCENARIOS[operation](World(make_org, make_staff, tmp_path))

    forbidden = _request(attempt.intruder, method, path, attempt.params, attempt.body)
    missing = _request(attempt.intruder, method, path, attempt.missing, attempt.body)
    assert forbidden.status_code == missing.status_code == 404, (forbidden.content, missing.content)
    assert forbidden.json() == missing.json()

    served = _request(attempt.owner, method, path, attempt.params, attempt.body)
    assert served.status_code in attempt.owner_statuses, served.content
