"""The listing procedure of Art 24 through its services: proposal, written prior notice, objection window,
decision, publication, removal on expiry, repair (Art 31) or revocation — with each step's refusals, the
related persons recorded, and the rule version and articles each decision applied."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from lists_fixtures import (
    DECIDED,
    SERVED,
    WINDOW_END,
    audit_count,
    definition,
    publish_entry,
    register_org,
    register_person,
)
from pypdf import PdfReader

from xinyong.audit.choices import AuditEventType
from xinyong.core.errors import PermissionDenied, ServiceError
from xinyong.lists.choices import EntryAction, EntryState, RemovalReason
from xinyong.lists.models import ListEntry, ListEntryEvent
from xinyong.lists.services import (
    list_entries_expire,
    list_entry_decide,
    list_entry_notify,
    list_entry_propose,
    list_entry_publish,
    list_entry_remove,
)
from xinyong.regulation.parameters import rule_version
from xinyong.subjects.services import subject_relation_add

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 22", "Art 24")]

REASONS = "在政府采购活动中提供虚假材料谋取中标，情节严重。"


def propose(subject, clerk, code="serious-dishonesty", on=SERVED):
    return list_entry_propose(definition=definition(code), subject=subject, reasons=REASONS, actor=clerk, on=on)


def test_a_listing_goes_from_proposal_through_notice_and_window_to_decision_and_publication_art_24(
    clerk, company
):
    entry = propose(company, clerk)
    assert entry.state == EntryState.PROPOSED
    assert entry.basis == definition("serious-dishonesty").legal_basis

    entry = list_entry_notify(entry=entry, served_on=SERVED, actor=clerk)
    assert entry.state == EntryState.NOTIFIED
    assert entry.objection_window_days == 5
    assert entry.objection_window_end == WINDOW_END
    assert entry.notice_number == f"承信告〔2026〕{entry.pk}号"
    assert bytes(entry.notice_pdf).startswith(b"%PDF") and len(entry.notice_digest) == 64

    entry = list_entry_decide(entry=entry, decision="listed", reasons="事实清楚，证据确凿。",
                              statements="当事人未提出陈述申辩。", actor=clerk, on=DECIDED)
    assert entry.state == EntryState.LISTED
    assert entry.listed_from == DECIDED
    assert entry.expires_on == dt.date(2029, 3, 10)  # 36 months (lists.serious_dishonesty_duration)
    assert entry.basis_parameters == {"lists.notice_objection_window": 5, "lists.serious_dishonesty_duration": 36}
    assert entry.rule_version == rule_version()
    assert "Art 24" in entry.articles

    entry = list_entry_publish(entry=entry, actor=clerk, on=DECIDED)
    assert entry.state == EntryState.PUBLISHED and entry.published_at is not None

    steps = list(ListEntryEvent.objects.filter(entry=entry).order_by("id").values_list("action", "state_after"))
    assert steps == [
        (EntryAction.PROPOSED, EntryState.PROPOSED), (EntryAction.NOTIFIED, EntryState.NOTIFIED),
        (EntryAction.DECIDED, EntryState.LISTED), (EntryAction.PUBLISHED, EntryState.PUBLISHED),
    ]
    assert all(e.rule_version == rule_version() for e in entry.events.all())
    for event_type in (AuditEventType.LIST_ENTRY_PROPOSED, AuditEventType.LIST_ENTRY_NOTIFIED,
                       AuditEventType.LIST_ENTRY_DECIDED, AuditEventType.LIST_ENTRY_PUBLISHED):
        assert audit_count(event_type) == 1


def test_the_notice_is_a_chinese_pdf_stating_basis_reasons_measures_remedies_and_conditions_art_24(
    clerk, company
):
    from xinyong.lists.notices import notice_content, render_notice_html, render_notice_pdf

    entry = propose(company, clerk)
    content = notice_content(entry, number="承信告〔2026〕1号", served_on=SERVED, window_days=5,
                             window_end=WINDOW_END, duration_months=36)
    html = render_notice_html(content)
    for text in ("事先告知书", "列入依据", "事实和理由", REASONS, "限制参与政府采购活动", "《中华人民共和国政府采购法》",
                 "陈述、申辩或者异议", "2026年3月9日", "行政复议", "行政诉讼", "移出条件", "列入期限为36个月",
                 "法定代表人、主要负责人", "第三十一条"):
        assert text in html, text
    pdf = render_notice_pdf(content)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "事先告知书" in text and "限制参与政府采购活动" in text
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("Noto-Serif-CJK" in name for name in fonts)  # embedded, so it prints the same everywhere


@pytest.mark.parametrize("decided_on", [SERVED, dt.date(2026, 3, 6), WINDOW_END])
def test_a_decision_on_or_before_the_last_day_of_the_objection_window_is_refused_art_24(
    clerk, company, decided_on
):
    entry = list_entry_notify(entry=propose(company, clerk), served_on=SERVED, actor=clerk)
    with pytest.raises(ServiceError) as refused:
        list_entry_decide(entry=entry, decision="listed", reasons="决定列入。", actor=clerk, on=decided_on)
    assert refused.value.code == "objection_window_open"
    assert ListEntry.objects.get(pk=entry.pk).state == EntryState.NOTIFIED
    assert audit_count(AuditEventType.LIST_ENTRY_DECIDED) == 0


def test_the_objection_window_counts_working_days_across_a_holiday(clerk, company):
    # Served on 30 September 2026: the National Day holiday (1–7 October) does not count.
    entry = list_entry_notify(entry=propose(company, clerk, on=dt.date(2026, 9, 30)),
                              served_on=dt.date(2026, 9, 30), actor=clerk)
    assert entry.objection_window_end > dt.date(2026, 10, 8)


def test_a_dishonesty_list_decision_without_the_written_prior_notice_is_refused_art_24(clerk, company):
    with pytest.raises(ServiceError) as refused:
        list_entry_decide(entry=propose(company, clerk), decision="listed", reasons="决定列入。", actor=clerk,
                          on=DECIDED)
    assert refused.value.code == "notice_required"


def test_the_courts_list_records_the_courts_decision_without_a_notice_of_its_own(clerk, company):
    entry = publish_entry(company, clerk, "court-enforcement")
    assert entry.state == EntryState.PUBLISHED
    assert entry.notice_number == ""
    # The court's two-year term as the court decided it (lists_fixtures.publish_entry): last day 2028-03-01.
    assert (entry.court_term_end, entry.expires_on) == (dt.date(2028, 3, 1), dt.date(2028, 3, 2))


def test_steps_out_of_order_are_refused(clerk, company):
    entry = propose(company, clerk)
    with pytest.raises(ServiceError) as refused:
        list_entry_publish(entry=entry, actor=clerk, on=SERVED)
    assert refused.value.code == "invalid_state"
    entry = list_entry_notify(entry=entry, served_on=SERVED, actor=clerk)
    with pytest.raises(ServiceError):
        list_entry_notify(entry=entry, served_on=SERVED, actor=clerk)
    with pytest.raises(ServiceError) as refused:
        list_entry_remove(entry=entry, reason="revocation", note="认定错误", actor=clerk, on=DECIDED)
    assert refused.value.code == "invalid_state"


def test_acts_cannot_be_dated_in_the_future_or_before_the_previous_step(clerk, company):
    with pytest.raises(ServiceError) as refused:
        propose(company, clerk, on=dt.date.today() + dt.timedelta(days=2))
    assert refused.value.code == "future_date"
    entry = propose(company, clerk)
    with pytest.raises(ServiceError) as refused:
        list_entry_notify(entry=entry, served_on=SERVED - dt.timedelta(days=1), actor=clerk)
    assert refused.value.code == "dates_out_of_order"


def test_a_second_open_entry_on_the_same_list_is_refused_but_another_list_is_fine(clerk, company):
    propose(company, clerk)
    with pytest.raises(ServiceError) as refused:
        propose(company, clerk)
    assert refused.value.code == "already_on_list"
    assert propose(company, clerk, "key-supervision").state == EntryState.PROPOSED


def test_a_decision_not_to_list_ends_the_procedure_and_allows_a_new_proposal(clerk, company):
    entry = list_entry_notify(entry=propose(company, clerk), served_on=SERVED, actor=clerk)
    entry = list_entry_decide(entry=entry, decision="not_listed", reasons="当事人已提交证据，理由成立。",
                              statements="当事人提出异议并提交证据。", actor=clerk, on=DECIDED)
    assert entry.state == EntryState.NOT_LISTED
    assert entry.listed_from is None and entry.expires_on is None
    assert entry.related_persons.count() == 0
    with pytest.raises(ServiceError):
        list_entry_publish(entry=entry, actor=clerk, on=DECIDED)
    assert propose(company, clerk).state == EntryState.PROPOSED


def test_the_related_persons_on_the_decision_date_are_recorded_with_the_entry_art_24(clerk, company):
    former = register_person("赵一")
    legal_rep = register_person("钱二")
    principal = register_person("孙三")
    controller = register_person("李四")
    later = register_person("周五")
    day = dt.date(2025, 1, 1)
    subject_relation_add(organization=company, person=former, role="legal_representative", valid_from=day,
                         source="test")
    # The new legal representative from 1 March 2026 ends the former one's link on that day.
    subject_relation_add(organization=company, person=legal_rep, role="legal_representative",
                         valid_from=dt.date(2026, 3, 1), source="test")
    subject_relation_add(organization=company, person=principal, role="principal", valid_from=day, source="test")
    subject_relation_add(organization=company, person=controller, role="actual_controller", valid_from=day,
                         source="test")
    # A principal who only takes office after the decision is not recorded.
    subject_relation_add(organization=company, person=later, role="principal", valid_from=dt.date(2026, 4, 1),
                         source="test")

    entry = publish_entry(company, clerk)

    recorded = {(p.role, p.person_id, p.name) for p in entry.related_persons.all()}
    assert recorded == {
        ("legal_representative", legal_rep.pk, "钱二"),
        ("principal", principal.pk, "孙三"),
        ("actual_controller", controller.pk, "李四"),
    }
    assert all(p.identifier_masked == p.person.identifier_masked for p in entry.related_persons.all())
    # A list that does not record related persons does not copy them.
    assert publish_entry(company, clerk, "key-supervision").related_persons.count() == 0


@pytest.mark.articles("Art 30", "Art 31")
def test_removal_on_repair_or_revocation_needs_a_note_and_is_published_art_31(clerk, company):
    entry = publish_entry(company, clerk)
    with pytest.raises(ServiceError) as refused:
        list_entry_remove(entry=entry, reason="repair", actor=clerk)
    assert refused.value.code == "required"
    entry = list_entry_remove(entry=entry, reason="repair", note="已纠正失信行为并完成信用修复（修复决定第12号）。",
                              actor=clerk)
    assert entry.state == EntryState.REMOVED
    assert entry.removal_reason == RemovalReason.REPAIR
    assert entry.removal_published_at is not None
    assert "Art 31" in entry.articles
    other = publish_entry(register_org(), clerk)
    other = list_entry_remove(entry=other, reason="revocation", note="据以认定的行政处罚决定已被撤销。", actor=clerk)
    assert other.removal_reason == RemovalReason.REVOCATION and "Art 30" in other.articles
    assert audit_count(AuditEventType.LIST_ENTRY_REMOVED) == 2


@pytest.mark.articles("Art 31")
def test_credit_repair_does_not_apply_to_the_honor_list(clerk, company):
    entry = publish_entry(company, clerk, "honor")
    with pytest.raises(ServiceError) as refused:
        list_entry_remove(entry=entry, reason="repair", note="不适用", actor=clerk)
    assert refused.value.code == "repair_not_applicable"


def test_removal_on_expiry_before_the_listing_period_ends_is_refused(clerk, company):
    entry = publish_entry(company, clerk)
    with pytest.raises(ServiceError) as refused:
        list_entry_remove(entry=entry, reason="expiry", actor=clerk)
    assert refused.value.code == "not_expired"


def test_the_expiry_job_removes_every_ended_listing_with_one_audit_record(clerk):
    ended = [publish_entry(register_org(), clerk, "court-enforcement", served=dt.date(2024, 6, 3)) for _ in range(3)]
    running = publish_entry(register_org(), clerk, "court-enforcement", served=dt.date(2025, 6, 3))
    before = audit_count(AuditEventType.LIST_ENTRIES_EXPIRED)

    result = list_entries_expire(on=dt.date(2026, 6, 10))

    assert sorted(result.entry_ids) == sorted(e.pk for e in ended)
    assert audit_count(AuditEventType.LIST_ENTRIES_EXPIRED) == before + 1
    for entry in ended:
        entry.refresh_from_db()
        assert entry.state == EntryState.REMOVED and entry.removal_reason == RemovalReason.EXPIRY
        assert entry.removed_on == dt.date(2026, 6, 3) and entry.removal_published_at is not None
        assert entry.events.filter(action=EntryAction.REMOVED).count() == 1
    running.refresh_from_db()
    assert running.state == EntryState.PUBLISHED
    assert list_entries_expire(on=dt.date(2026, 6, 10)).removed == 0


def test_the_expire_command_runs_the_daily_job(clerk, capsys):
    from django.core.management import call_command

    publish_entry(register_org(), clerk, "court-enforcement", served=dt.date(2024, 6, 3))
    call_command("lists", "expire")
    assert "1 entries expired" in capsys.readouterr().out


def test_only_the_credit_authority_or_the_lists_responsible_body_keeps_a_list(make_staff, make_org, company):
    department_handler = make_staff(roles=("case_handler",))
    with pytest.raises(PermissionDenied):
        propose(company, department_handler)
    implementer = make_staff(roles=("measure_implementer",), organization=make_org(kind="authority",
                                                                                     name="承德市行政审批局"))
    with pytest.raises(PermissionDenied):
        propose(company, implementer)
    # A department made the responsible body of a list keeps that list.
    target = definition("key-supervision")
    target.responsible_body = department_handler.organization
    target.save()
    assert propose(company, department_handler, "key-supervision").state == EntryState.PROPOSED


def test_a_deceased_person_cannot_be_proposed(clerk, divisions):
    from xinyong.subjects.services import subject_change_status

    person = subject_change_status(subject=register_person(), status="deceased", effective_date=dt.date(2026, 1, 5), source="test")
    with pytest.raises(ServiceError) as refused:
        propose(person, clerk, "court-enforcement")
    assert refused.value.code == "subject_not_active"
