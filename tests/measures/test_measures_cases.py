"""Measure cases (闭环, Art 22, 33): the implementing department reports each measure applied or why not;
cases past their deadline are flagged overdue, late answers are counted, statistics per department and
measure; and the console pages for implementing departments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from lists_fixtures import CHECKED, audit_count, publish_entry, register_org

from xinyong.audit.choices import AuditEventType
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.measures.choices import MeasureCaseStatus
from xinyong.measures.models import MeasureCase
from xinyong.measures.selectors import case_statistics, cases_for
from xinyong.measures.services import case_feedback, cases_set_deadlines, check_subjects

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 22")]


@pytest.fixture
def listed(clerk, divisions):
    subject = register_org("承德市失信测试工程有限公司")
    publish_entry(subject, clerk)
    return subject


def open_cases(implementer, subject, on=None, scenario="procurement"):
    result = check_subjects(requester=implementer, scenario=scenario, identifiers=[("uscc", subject.identifier)],
                            on=on)
    return [MeasureCase.objects.get(pk=m.case_id) for m in result.results[0].measures]


def test_the_department_reports_a_measure_applied_and_another_not_applied_with_its_reason(implementer, listed):
    exclusion, deduction = open_cases(implementer, listed)
    assert exclusion.feedback_due is None or exclusion.feedback_due > timezone.localdate()

    exclusion = case_feedback(case=exclusion, applied=True, note="资格审查不通过，已拒绝其参与本次采购。", actor=implementer)
    deduction = case_feedback(case=deduction, applied=False, note="本项目不适用综合评分法，无信用减分环节。",
                              actor=implementer)

    assert exclusion.status == MeasureCaseStatus.APPLIED and exclusion.applied_on == timezone.localdate()
    assert deduction.status == MeasureCaseStatus.NOT_APPLIED and deduction.applied_on is None
    assert not exclusion.feedback_late
    assert audit_count(AuditEventType.MEASURE_CASE_FEEDBACK) == 2
    with pytest.raises(ServiceError) as refused:
        case_feedback(case=exclusion, applied=False, note="改为不适用", actor=implementer)
    assert refused.value.code == "already_reported"


def test_feedback_needs_a_note(implementer, listed):
    (case, _) = open_cases(implementer, listed)
    with pytest.raises(ServiceError) as refused:
        case_feedback(case=case, applied=True, note=" ", actor=implementer)
    assert refused.value.code == "required"


def test_another_department_can_neither_see_nor_answer_a_case(implementer, listed, make_staff, make_org):
    (case, _) = open_cases(implementer, listed)
    other = make_staff(roles=("measure_implementer",), organization=make_org(name="承德市住房和城乡建设局"))
    with pytest.raises(NotFoundOrForbidden):
        case_feedback(case=case, applied=True, note="已实施", actor=other)
    assert cases_for(other) == []


@pytest.mark.articles("Art 33")
def test_a_case_past_its_deadline_is_flagged_overdue_and_a_late_answer_is_counted_art_33(
    implementer, listed, clerk
):
    (case, other) = open_cases(implementer, listed, on=CHECKED)
    assert case.feedback_due == dt.date(2026, 3, 25)  # 10 working days after 11 March 2026
    today = timezone.localdate()
    assert case.is_overdue(today)
    assert {c.pk for c in cases_for(implementer, overdue=True, on=today)} == {case.pk, other.pk}
    assert cases_for(implementer, overdue=True, on=dt.date(2026, 3, 25)) == []

    case = case_feedback(case=case, applied=True, note="已拒绝其参与采购。", applied_on=CHECKED, actor=implementer)
    assert case.feedback_late and case.is_overdue(today)

    (row,) = [r for r in case_statistics(clerk) if r.measure == "限制参与政府采购活动"]
    assert (row.total, row.open, row.applied, row.overdue, row.late) == (1, 0, 1, 0, 1)
    (row,) = [r for r in case_statistics(clerk) if r.measure == "公共资源交易中信用减分"]
    assert (row.total, row.open, row.overdue) == (1, 1, 1)
    assert row.organization == implementer.organization.name


def test_the_daily_job_gives_a_deadline_to_cases_opened_while_the_calendar_could_not(implementer, listed):
    cases = open_cases(implementer, listed, on=CHECKED)
    MeasureCase.objects.filter(pk__in=[c.pk for c in cases]).update(feedback_due=None)
    result = cases_set_deadlines()
    assert result.updated == 2 and result.pending == 0
    assert set(MeasureCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("feedback_due", flat=True)) == {
        dt.date(2026, 3, 25)
    }
    assert audit_count(AuditEventType.MEASURE_CASE_DEADLINES_SET) == 1


def test_statistics_show_a_department_its_own_cases_and_the_authority_all(implementer, listed, clerk, make_staff,
                                                                          make_org):
    open_cases(implementer, listed)
    other = make_staff(roles=("measure_implementer",), organization=make_org(name="承德市公共资源交易中心"))
    open_cases(other, listed, scenario="bidding")
    assert {r.organization for r in case_statistics(clerk)} == {implementer.organization.name,
                                                                   other.organization.name}
    supervisor = make_staff(roles=("supervisor",), organization=implementer.organization)
    assert {r.organization for r in case_statistics(supervisor)} == {implementer.organization.name}


# --- console pages -----------------------------------------------------------------------------------------


def test_an_implementing_department_checks_in_the_console_and_reports_back(client, implementer, listed):
    client.force_login(implementer)
    page = client.get("/console/measures/check/")
    assert page.status_code == 200
    response = client.post("/console/measures/check/", {
        "scenario": "procurement", "reference": "承采〔2026〕18号", "identifier_type": "uscc",
        "identifiers": f"{listed.identifier}\n91130802MA0000000X\n",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "限制参与政府采购活动" in body and "《中华人民共和国政府采购法》第二十二条" in body
    case = MeasureCase.objects.get(subject=listed, measure__code="procurement-exclusion")
    assert f'/console/measures/cases/{case.pk}/' in body

    cases = client.get("/console/measures/cases/")
    assert cases.status_code == 200 and "限制参与政府采购活动" in cases.content.decode()
    response = client.post(f"/console/measures/cases/{case.pk}/",
                           {"applied": "yes", "applied_on": timezone.localdate().isoformat(), "note": "已拒绝。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == MeasureCaseStatus.APPLIED


def test_a_check_file_is_uploaded_in_the_console(client, implementer, listed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(implementer)
    csv = f"证件类型,证件号码\n统一社会信用代码,{listed.identifier}\n".encode("gb18030")
    response = client.post("/console/measures/check/", {
        "scenario": "procurement", "identifier_type": "uscc", "identifiers": "",
        "file": SimpleUploadedFile("bidders.csv", csv, content_type="text/csv"),
    })
    assert response.status_code == 200 and "限制参与政府采购活动" in response.content.decode()


def test_the_measures_console_pages_need_their_permissions(client, implementer, clerk, listed):
    client.force_login(clerk)
    assert client.get("/console/measures/check/").status_code == 403
    assert client.get("/console/measures/catalog/").status_code == 200
    assert client.get("/console/measures/statistics/").status_code == 200
    assert client.get("/console/measures/catalog/new/").status_code == 200
    client.force_login(implementer)
    assert client.get("/console/measures/statistics/").status_code == 403
    assert client.get("/console/measures/catalog/new/").status_code == 403
    (case, _) = open_cases(implementer, listed)
    client.force_login(clerk)
    page = client.get(f"/console/measures/cases/{case.pk}/")
    assert page.status_code == 200 and 'name="note"' not in page.content.decode()  # the authority reads only


def test_a_measure_without_a_legal_basis_is_refused_in_the_console_next_to_the_field(client, clerk):
    from lists_fixtures import definition

    client.force_login(clerk)
    response = client.post("/console/measures/catalog/new/", {
        "code": "no-basis", "kind": "punishment", "name": "无依据措施", "content": "限制。", "basis_level": "law",
        "legal_basis": "", "implementing_bodies_note": "某部门", "scenarios": ["procurement"],
        "triggering_lists": [definition("serious-dishonesty").pk],
    })
    assert response.status_code == 200
    assert 'id="id_legal_basis_error"' in response.content.decode()
