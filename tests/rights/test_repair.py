"""Credit repair (Art 31), through the services: eligibility from the repair rules, materials, decisions.

The company's penalty was decided on 5 March 2026 (the ingestion tests' DECISION); under the national rule in
force from 1 April 2026 the minimum publication period of a general penalty is 3 months, so a repair may be
applied for on 2 November 2026 (FILED).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import FILED, PNG, Upload, audit_events, org_uscc, publish_entry

from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.core.errors import ServiceError
from xinyong.core.workdays import add_working_days
from xinyong.disclosure.access import access_public_profile, access_subject_information
from xinyong.regulation.parameters import parameter
from xinyong.rights.choices import CaseStatus, Outcome
from xinyong.rights.selectors import repair_eligibility
from xinyong.rights.services import case_extend, repair_apply, repair_decide

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 31")]



def both():
    return {"commitment": [Upload(name="承诺书.pdf")], "rectification": [Upload(PNG, "罚款缴纳凭证.png")]}


def all_four():
    return {kind: [Upload()] for kind in ("commitment", "rectification", "training", "credit_report")}


def apply(target, account, materials=None, on=FILED, **kw):
    key = "record" if target.__class__.__name__ == "CreditRecord" else "entry"
    return repair_apply(subject=target.subject, reasons="已缴清罚款并完成整改。", applicant=account,
                        materials=materials if materials is not None else both(), on=on, **{key: target}, **kw)


@pytest.mark.smoke
def test_a_penalty_is_repairable_after_its_minimum_period_with_a_commitment_and_proof_of_rectification(
    record, account, provider,
):
    eligibility = repair_eligibility(subject=record.subject, record=record, on=FILED)
    assert eligibility.ok and eligibility.materials == ("commitment", "rectification")
    assert eligibility.rule.minimum_period == "publication.general_penalty_minimum"
    case = apply(record, account)

    record.refresh_from_db()
    assert record.under_repair is True and case.organization == provider and case.number.startswith("XF2026")
    assert case.due_on == add_working_days(FILED, int(parameter("repair.decision_deadline", FILED).value))
    assert access_public_profile(record.subject).records[0].under_repair is True
    assert sorted(f.kind for f in case.files.all()) == ["commitment", "rectification"]
    (event,) = audit_events(AuditEventType.REPAIR_APPLIED)
    assert event.articles == ["Art 28", "Art 31"]
    assert event.details["repair_rule"]["target"] == "item:admin-penalty"
    assert event.details["parameters"]["publication.general_penalty_minimum"] == 3


def test_repair_is_refused_the_day_before_the_minimum_period_ends_and_accepted_on_the_day(file_penalty, account):
    record = file_penalty(uscc=org_uscc(4350), **{"处罚决定日期": "2026-08-02"})
    ends = dt.date(2026, 11, 2)  # three months after the decision
    before = repair_eligibility(subject=record.subject, record=record, on=ends - dt.timedelta(days=1))
    assert (before.ok, before.code, before.minimum_ends_on) == (False, "minimum_period_not_passed", ends)
    assert "2026-11-02" in before.message
    with pytest.raises(ServiceError) as raised:
        apply(record, None, on=ends - dt.timedelta(days=1))
    assert raised.value.code == "minimum_period_not_passed"
    (refused,) = audit_events(AuditEventType.REPAIR_REFUSED)
    assert refused.outcome == AuditOutcome.DENIED and refused.details["minimum_ends_on"] == "2026-11-02"
    assert record.rights_cases.count() == 0
    assert apply(record, None, on=ends).status == CaseStatus.OPEN


def test_information_outside_its_disclosure_period_is_not_repaired(file_penalty):
    # Decided in June 2023: the 36-month window of the rule then in force ended on 1 June 2026.
    record = file_penalty(uscc=org_uscc(4351), **{"处罚决定日期": "2023-06-01", "处罚有效期": "2024-06-01"})
    found = repair_eligibility(subject=record.subject, record=record, on=FILED)
    assert (found.ok, found.code, found.disclosure_ends_on) == (False, "disclosure_period_ended", dt.date(2026, 6, 1))


def test_court_enforcement_listings_are_not_repairable_and_the_legal_reason_is_given(record, clerk):
    entry = publish_entry(record.subject, clerk, code="court-enforcement")
    found = repair_eligibility(subject=record.subject, entry=entry, on=FILED)
    assert (found.ok, found.code) == (False, "not_repairable")
    assert "人民法院" in found.message and "第三十一条" in found.message
    with pytest.raises(ServiceError) as raised:
        apply(entry, None)
    assert raised.value.code == "not_repairable" and "人民法院" in str(raised.value.message)


def test_positive_information_is_not_open_to_repair(record, clerk):
    entry = publish_entry(record.subject, clerk, code="honor")
    assert repair_eligibility(subject=record.subject, entry=entry, on=FILED).code == "not_dishonesty_information"


def test_each_required_material_is_named_when_missing(record, account):
    with pytest.raises(ServiceError) as raised:
        apply(record, account, materials={"commitment": [Upload()]})
    assert (raised.value.code, raised.value.field) == ("material_required", "materials.rectification")
    record.refresh_from_db()
    assert record.under_repair is False


def test_an_approved_repair_stops_publication_at_once_and_keeps_the_record_for_official_use(
    record, account, submitter, make_staff, make_org,
):
    case = repair_decide(case=apply(record, account), outcome="approved", reasons="已纠正失信行为，准予修复。",
                         actor=submitter, on=FILED)

    assert (case.status, case.outcome) == (CaseStatus.DECIDED, Outcome.APPROVED)
    record.refresh_from_db()
    assert (record.status, record.under_repair, record.revision) == ("repaired", False, 2)
    assert access_public_profile(record.subject).records == []
    own = access_subject_information(requester=account, subject=record.subject, mode="self")
    (view,) = own.records
    assert view.repaired is True and view.revisions[-1].source == "repair"
    official = make_staff(roles=("case_handler",), organization=make_org(name="承德市发展和改革委员会"))
    seen = access_subject_information(requester=official, subject=record.subject, mode="official",
                                      purpose="行政许可审查")
    assert [v.repaired for v in seen.records] == [True]
    assert len(audit_events(AuditEventType.RECORD_REPAIRED)) == 1
    (decided,) = audit_events(AuditEventType.REPAIR_DECIDED)
    assert decided.details["outcome"] == "approved" and decided.details["revision"] == 2


def test_an_approved_repair_removes_the_listing_it_founded_and_checks_stop_returning_the_subject(
    record, account, submitter, clerk, make_staff, make_org,
):
    from xinyong.lists.choices import EntryState, RemovalReason
    from xinyong.measures.services import check_subjects

    entry = publish_entry(record.subject, clerk)
    entry.cited_records.set([record])
    implementer = make_staff(roles=("measure_implementer",), organization=make_org(name="承德市财政局"))

    def status():
        return check_subjects(requester=implementer, scenario="procurement",
                              identifiers=[("uscc", record.subject.identifier)], on=FILED).results[0].status

    assert status() == "hit"
    repair_decide(case=apply(record, account), outcome="approved", reasons="准予修复。", actor=submitter, on=FILED)
    entry.refresh_from_db()
    assert (entry.state, entry.removal_reason) == (EntryState.REMOVED, RemovalReason.REPAIR)
    assert status() == "clear"


def test_a_list_entry_is_repaired_after_its_minimum_period_with_all_four_materials(record, clerk, account):
    from xinyong.lists.choices import EntryState, RemovalReason

    entry = publish_entry(record.subject, clerk, served=dt.date(2025, 6, 2))
    found = repair_eligibility(subject=record.subject, entry=entry, on=FILED)
    assert found.ok and found.materials == ("commitment", "rectification", "training", "credit_report")
    with pytest.raises(ServiceError) as raised:
        apply(entry, account)
    assert raised.value.field == "materials.training"
    case = apply(entry, account, materials=all_four())
    entry.refresh_from_db()
    assert entry.under_repair is True and case.organization == clerk.organization
    repair_decide(case=case, outcome="approved", reasons="准予提前移出。", actor=clerk, on=FILED)
    entry.refresh_from_db()
    assert (entry.state, entry.removal_reason, entry.under_repair) == (EntryState.REMOVED, RemovalReason.REPAIR, False)


def test_a_refused_repair_changes_nothing_but_the_mark(record, account, submitter):
    case = repair_decide(case=apply(record, account), outcome="refused", reasons="未提交罚款缴纳凭证原件。",
                         actor=submitter, on=FILED)
    record.refresh_from_db()
    assert (case.outcome, record.status, record.under_repair, record.revision) == (Outcome.REFUSED, "active", False, 1)


def test_an_objection_outcome_does_not_decide_a_repair(record, account, submitter):
    from xinyong.rights.services import objection_decide

    with pytest.raises(ServiceError) as raised:
        objection_decide(case=apply(record, account), outcome="maintained", reasons="x", actor=submitter, on=FILED)
    assert raised.value.field == "outcome"


def test_the_repair_deadline_is_extended_once_by_the_registry_extension(record, account, submitter):
    case = apply(record, account)
    extension = int(parameter("repair.decision_extension", FILED).value)
    with pytest.raises(ServiceError):
        case_extend(case=case, days=extension + 1, reason="需现场核查", actor=submitter, on=FILED)
    case = case_extend(case=case, days=extension, reason="需现场核查", actor=submitter, on=FILED)
    assert case.due_on == add_working_days(add_working_days(FILED, 3), extension)
    assert len(audit_events(AuditEventType.REPAIR_EXTENDED)) == 1


def test_a_repaired_record_leaves_the_subjects_reports_at_once(record, account, submitter):
    from xinyong.reports.services import report_issue

    before = report_issue(subject=record.subject, variant="full", requester=account, purpose="本人查询")
    assert record.document_number in before.content
    repair_decide(case=apply(record, account), outcome="approved", reasons="准予修复。", actor=submitter, on=FILED)
    after = report_issue(subject=record.subject, variant="full", requester=account, purpose="本人查询")
    assert record.document_number not in after.content
