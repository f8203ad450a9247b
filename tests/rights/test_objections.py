"""Objections (Art 28, 30) and wrongful punishment (Art 30 ¶2), through the services.

Dates: filed on Monday 2 November 2026, due 5 working days later on Monday 9 November (the registry's
`objection.decision_deadline` in force that day).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import DUE, FILED, PNG, Upload, audit_events, org_uscc, publish_entry

from xinyong.audit.choices import AuditEventType
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.workdays import add_working_days
from xinyong.disclosure.access import access_public_profile, access_subject_information
from xinyong.regulation.parameters import parameter
from xinyong.rights.choices import CaseAction, CaseStatus, Outcome
from xinyong.rights.services import case_cancel, case_extend, objection_decide, objection_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 28", "Art 30")]


def notices_of(subject=None, organization=None):
    from xinyong.notifications.models import Notice

    queryset = Notice.objects.filter(subject=subject) if subject is not None else Notice.objects.filter(
        organization=organization)
    return list(queryset.order_by("id"))


def file(record, account, **extra):
    return objection_file(subject=record.subject, record=record, reasons="处罚决定已被复议机关撤销。",
                          requested_change="删除该条处罚信息", applicant=account, on=FILED, **extra)


@pytest.mark.smoke
def test_an_objection_marks_the_record_at_once_and_goes_to_its_provider_art_28(record, account, provider):
    case = file(record, account, evidence=[Upload()])

    record.refresh_from_db()
    assert record.under_objection is True
    assert case.organization == provider and case.status == CaseStatus.OPEN
    assert case.number.startswith("YY2026")
    # The public page and the subject's own view mark it at once.
    (view,) = access_public_profile(record.subject).records
    assert view.under_objection is True
    own = access_subject_information(requester=account, subject=record.subject, mode="self")
    assert [v.under_objection for v in own.records] == [True]
    # The deadline is the registry's, counted in working days from the filing date.
    deadline = parameter("objection.decision_deadline", FILED)
    assert case.deadline_days == deadline.value == 5
    assert case.due_on == add_working_days(FILED, 5) == DUE
    (event,) = audit_events(AuditEventType.OBJECTION_FILED)
    assert event.articles == ["Art 28", "Art 30"] and event.target_id == str(case.pk)
    assert event.details["parameters"] == {"objection.decision_deadline": 5, "objection.mark_deadline": 0}
    assert [e.action for e in case.events.all()] == [CaseAction.FILED]
    (evidence,) = case.files.all()
    assert evidence.kind == "evidence" and evidence.content_type == "application/pdf" and len(evidence.digest) == 64
    # The subject hears that it was received; the provider finds it in its inbox.
    assert [n.kind for n in notices_of(subject=record.subject)] == ["case_update"]
    assert case.number in notices_of(organization=provider)[0].title


def test_a_second_objection_about_the_same_record_waits_for_the_first(record, account):
    file(record, account)
    with pytest.raises(ServiceError) as raised:
        file(record, account)
    assert raised.value.code == "case_already_open"
    assert len(audit_events(AuditEventType.OBJECTION_FILED)) == 1


def test_an_agent_must_attach_the_power_of_attorney(record, account):
    with pytest.raises(ServiceError) as raised:
        file(record, account, filed_by="agent", agent_name="李律师")
    assert (raised.value.code, raised.value.field) == ("power_of_attorney_required", "power_of_attorney")
    assert "授权委托书" in str(raised.value.message) or "power of attorney" in str(raised.value.message)
    case = file(record, account, filed_by="agent", agent_name="李律师",
                power_of_attorney=Upload(PNG, "委托书.png"))
    assert case.agent_name == "李律师"
    assert [(f.kind, f.content_type) for f in case.files.all()] == [("power_of_attorney", "image/png")]


def test_files_other_than_pdf_png_or_jpeg_are_refused_and_nothing_is_filed(record, account):
    with pytest.raises(ServiceError) as raised:
        file(record, account, evidence=[Upload(b"MZ\x90\x00 not a document", "证据.pdf")])
    assert (raised.value.code, raised.value.field) == ("file_type_not_allowed", "evidence")
    record.refresh_from_db()
    assert record.under_objection is False and record.rights_cases.count() == 0


def test_another_subjects_record_answers_like_a_missing_one(record, account, file_penalty):
    other = file_penalty(name="承德市别家商贸有限公司", uscc=org_uscc(4344))
    assert other.subject != record.subject
    with pytest.raises(NotFoundOrForbidden):
        objection_file(subject=record.subject, record=other, reasons="不是我的", applicant=account, on=FILED)
    with pytest.raises(NotFoundOrForbidden):
        objection_file(subject=other.subject, record=other, reasons="代别人提", applicant=account, on=FILED)


def test_the_deadline_is_extended_once_with_a_written_reason(record, account, submitter):
    case = file(record, account)
    with pytest.raises(ServiceError) as raised:
        case_extend(case=case, days=3, reason="  ", actor=submitter, on=FILED)
    assert raised.value.field == "reason"
    maximum = int(parameter("objection.extension_maximum", FILED).value)
    with pytest.raises(ServiceError) as raised:
        case_extend(case=case, days=maximum + 1, reason="需向复议机关核实", actor=submitter, on=FILED)
    assert raised.value.code == "extension_too_long"

    case = case_extend(case=case, days=3, reason="需向复议机关核实", actor=submitter, on=DUE)
    assert case.due_on == add_working_days(DUE, 3) and case.extensions == 1
    with pytest.raises(ServiceError) as raised:
        case_extend(case=case, days=1, reason="仍需核实", actor=submitter, on=DUE)
    assert raised.value.code == "extension_limit"
    (event,) = audit_events(AuditEventType.OBJECTION_EXTENDED)
    assert event.details["days"] == 3 and event.details["parameters"]["objection.extensions_allowed"] == 1


def test_an_extension_after_the_deadline_is_refused(record, account, submitter):
    case = file(record, account)
    with pytest.raises(ServiceError) as raised:
        case_extend(case=case, days=2, reason="核实", actor=submitter, on=DUE + dt.timedelta(days=1))
    assert raised.value.code == "deadline_passed"


def test_only_the_deciding_department_decides(record, account, make_staff, make_org):
    case = file(record, account)
    outsider = make_staff(roles=("data_submitter",), organization=make_org(name="承德市税务局"))
    with pytest.raises(NotFoundOrForbidden):
        objection_decide(case=case, outcome="maintained", reasons="无误", actor=outsider, on=DUE)
    with pytest.raises(NotFoundOrForbidden):
        case_extend(case=case, days=1, reason="核实", actor=outsider, on=FILED)


def test_a_correction_writes_a_new_revision_removes_the_mark_and_tells_the_subject_art_30(record, account, submitter):
    case = file(record, account)
    case = objection_decide(case=case, outcome="corrected", reasons="处罚内容录入有误，已更正。",
                            corrections={"CF_NR": "警告"}, actor=submitter, on=DUE)

    assert (case.status, case.outcome, case.corrected_revision, case.decided_late) == (
        CaseStatus.DECIDED, Outcome.CORRECTED, 2, False)
    record.refresh_from_db()
    assert record.under_objection is False and record.revision == 2
    own = access_subject_information(requester=account, subject=record.subject, mode="self")
    (view,) = own.records
    assert {f.code: f.value for f in view.fields}["CF_NR"] == "警告"
    assert [r.source for r in view.revisions] == ["submission", "correction"]
    assert case.number in view.revisions[-1].reason
    decided = notices_of(subject=record.subject)[-1]
    assert "处罚内容录入有误，已更正。" in decided.body and "行政复议" in decided.body
    (event,) = audit_events(AuditEventType.OBJECTION_DECIDED)
    assert event.details["outcome"] == "corrected" and event.details["revision"] == 2
    assert len(audit_events(AuditEventType.RECORD_CORRECTED)) == 1
    assert [e.action for e in case.events.all()] == [CaseAction.FILED, CaseAction.DECIDED]


def test_a_correction_that_fails_validation_changes_nothing(record, account, submitter):
    from xinyong.ingestion.validation import RowsRejected

    case = file(record, account)
    with pytest.raises(RowsRejected):
        objection_decide(case=case, outcome="corrected", reasons="改日期", corrections={"CF_JDRQ": "明天"},
                         actor=submitter, on=DUE)
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == CaseStatus.OPEN and record.under_objection is True and record.revision == 1


def test_a_maintained_objection_keeps_the_record_and_gives_reasons(record, account, submitter):
    case = file(record, account)
    with pytest.raises(ServiceError) as raised:
        objection_decide(case=case, outcome="maintained", reasons="", actor=submitter, on=DUE)
    assert raised.value.field == "reasons"
    case = objection_decide(case=case, outcome="maintained", reasons="经核查，处罚决定合法有效。", actor=submitter,
                            on=DUE)
    record.refresh_from_db()
    assert record.revision == 1 and record.under_objection is False and record.status == "active"
    assert "经核查，处罚决定合法有效。" in notices_of(subject=record.subject)[-1].body


def test_a_withdrawn_record_leaves_the_public_page(record, account, submitter):
    case = file(record, account)
    objection_decide(case=case, outcome="withdrawn", reasons="处罚决定已被撤销。", actor=submitter, on=DUE)
    record.refresh_from_db()
    assert record.status == "withdrawn"
    assert access_public_profile(record.subject).records == []


def test_a_decision_after_the_deadline_is_counted_late(record, account, submitter):
    case = file(record, account)
    case = objection_decide(case=case, outcome="maintained", reasons="无误。", actor=submitter,
                            on=DUE + dt.timedelta(days=3))
    assert case.decided_late is True and case.is_overdue(DUE) is True


def test_the_applicant_may_withdraw_its_objection(record, account):
    case = file(record, account)
    case = case_cancel(case=case, user=account, reason="已与处罚机关沟通")
    record.refresh_from_db()
    assert case.status == CaseStatus.CANCELLED and record.under_objection is False
    assert len(audit_events(AuditEventType.OBJECTION_CANCELLED)) == 1


# --- list entries and wrongful punishment (Art 30 ¶2) --------------------------------------------------------


@pytest.fixture
def listed(record, clerk):
    """The company on the serious dishonesty list, the listing citing the penalty; a department checked it."""
    from xinyong.lists.services import list_entry_propose

    entry = publish_entry(record.subject, clerk)
    entry.cited_records.set([record])
    assert list_entry_propose  # the procedure itself is the lists tests' concern
    return entry


@pytest.fixture
def implementer(make_staff, make_org):
    return make_staff(roles=("measure_implementer",), organization=make_org(name="承德市财政局"))


def check(implementer, subject, on=FILED):
    from xinyong.measures.services import check_subjects

    (answer,) = check_subjects(requester=implementer, scenario="procurement",
                               identifiers=[("uscc", subject.identifier)], on=on).results
    return answer


def test_an_objection_to_a_list_entry_is_marked_in_checks_and_on_the_portal(listed, account, implementer):
    from xinyong.lists.selectors import public_list_entries

    case = objection_file(subject=listed.subject, entry=listed, reasons="列入依据的处罚已撤销。", applicant=account,
                          on=FILED)
    assert case.entry == listed
    answer = check(implementer, listed.subject)
    assert answer.measures and all(e.under_objection for m in answer.measures for e in m.entries)
    (shown,) = public_list_entries(listed.subject, FILED)
    assert shown.under_objection is True


def test_a_correction_showing_the_listing_wrong_lifts_it_publishes_a_notice_and_informs_departments(
    listed, record, account, submitter, implementer,
):
    from xinyong.lists.choices import EntryState, RemovalReason
    from xinyong.rights.selectors import public_reputation_notices

    hit = check(implementer, record.subject)  # the department applies a measure: a case is opened
    assert hit.status == "hit" and hit.measures[0].case_id is not None
    case = file(record, account)
    objection_decide(case=case, outcome="corrected", reasons="违法事实认定错误，已更正。",
                     corrections={"CF_SY": "经复核，未销售不合格产品"}, punishment_wrongful=True, actor=submitter,
                     on=DUE)

    listed.refresh_from_db()
    assert (listed.state, listed.removal_reason) == (EntryState.REMOVED, RemovalReason.REVOCATION)
    (notice,) = public_reputation_notices()
    assert notice.subject == record.subject and notice.is_public
    assert notice.entries_lifted[0]["id"] == listed.pk
    assert [d["name"] for d in notice.departments_informed] == ["承德市财政局"]
    informed = notices_of(organization=implementer.organization)
    assert [n.kind for n in informed] == ["measure_lifted"]
    assert check(implementer, record.subject, on=DUE).status == "clear"
    assert len(audit_events(AuditEventType.REPUTATION_RESTORED)) == 1
    assert "reputation_restored" in [n.kind for n in notices_of(subject=record.subject)]


def test_a_maintained_objection_cannot_find_a_punishment_wrongful(listed, record, account, submitter):
    case = file(record, account)
    with pytest.raises(ServiceError) as raised:
        objection_decide(case=case, outcome="maintained", reasons="无误", punishment_wrongful=True,
                         actor=submitter, on=DUE)
    assert raised.value.field == "punishment_wrongful"
