"""The credit check (信用核查, Art 22–26): which measures apply to which subjects in a scenario, with their basis
and the entries that trigger them; only active entries trigger; batches answer as single checks do; every
check is logged and audited once, and reads set-based."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_fixtures import (
    audit_count,
    definition,
    org_uscc,
    person_id,
    publish_entry,
    register_org,
    register_person,
)

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import PermissionDenied, ServiceError
from xinyong.core.identifiers import IdentifierType, make_uscc, validate
from xinyong.lists.services import list_entry_notify, list_entry_propose, list_entry_remove
from xinyong.measures.choices import CheckStatus, MeasureCaseStatus
from xinyong.measures.models import CheckLog, MeasureCase
from xinyong.measures.services import canonical_identifier, check_subjects, measure_save
from xinyong.subjects.services import subject_relation_add

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast"), pytest.mark.articles("Art 22")]


class World:
    """Subjects whose entries are in every state an entry can be in."""

    def __init__(self, clerk):
        self.listed = register_org("承德市失信测试工程有限公司")
        self.listed_entry = publish_entry(self.listed, clerk)
        self.court = register_org("承德市被执行测试有限公司")
        publish_entry(self.court, clerk, "court-enforcement")
        self.honored = register_org("承德市守信示范企业有限公司")
        publish_entry(self.honored, clerk, "honor")
        # Expired by date (the expiry job has not run yet), repaired, revoked, decided but unpublished,
        # only notified: none of them triggers anything.
        self.expired = register_org("承德市期满测试有限公司")
        publish_entry(self.expired, clerk, "court-enforcement", served=dt.date(2024, 6, 3))
        self.repaired = register_org("承德市已修复测试有限公司")
        list_entry_remove(entry=publish_entry(self.repaired, clerk), reason="repair", note="已完成信用修复。",
                          actor=clerk)
        self.revoked = register_org("承德市已撤销测试有限公司")
        list_entry_remove(entry=publish_entry(self.revoked, clerk), reason="revocation", note="处罚决定已撤销。",
                          actor=clerk)
        self.unpublished = register_org("承德市未公布测试有限公司")
        publish_entry(self.unpublished, clerk, publish=False)
        self.notified = register_org("承德市已告知测试有限公司")
        list_entry_notify(entry=list_entry_propose(definition=definition("serious-dishonesty"),
                                                   subject=self.notified, reasons="拟列入", actor=clerk),
                          actor=clerk)
        self.clean = register_org("承德市无记录测试有限公司")
        self.person = register_person("张三")
        subject_relation_add(organization=self.listed, person=self.person, role="legal_representative",
                             valid_from=dt.date(2020, 1, 1), source="test")
        self.listed_with_person = register_org("承德市法定代表人测试有限公司")
        subject_relation_add(organization=self.listed_with_person, person=self.person, role="legal_representative",
                             valid_from=dt.date(2020, 1, 1), source="test")
        publish_entry(self.listed_with_person, clerk)

    @property
    def inactive(self):
        return [self.expired, self.repaired, self.revoked, self.unpublished, self.notified, self.clean]

    @property
    def organizations(self):
        return [self.listed, self.court, self.honored, *self.inactive, self.listed_with_person]


@pytest.fixture
def world(clerk):
    return World(clerk)


def uscc(subject) -> tuple[str, str]:
    return ("uscc", subject.identifier)


@pytest.mark.articles("Art 25")
def test_a_procurement_check_returns_the_measure_with_its_basis_and_the_triggering_entry(implementer, world):
    result = check_subjects(requester=implementer, scenario="procurement", identifiers=[uscc(world.listed)])
    (answer,) = result.results
    assert answer.status == CheckStatus.HIT and answer.name == world.listed.name
    codes = [m.code for m in answer.measures]
    assert codes == ["procurement-exclusion", "public-resource-credit-deduction"]
    exclusion = answer.measures[0]
    assert "《中华人民共和国政府采购法》第二十二条" in exclusion.legal_basis
    assert [e.entry_id for e in exclusion.entries] == [world.listed_entry.pk]
    assert exclusion.entries[0].list_code == "serious-dishonesty"
    case = MeasureCase.objects.get(pk=exclusion.case_id)
    assert case.organization == implementer.organization and case.status == MeasureCaseStatus.OPEN
    assert case.entry_id == world.listed_entry.pk and case.scenario == "procurement"


@pytest.mark.articles("Art 23", "Art 25")
def test_the_courts_list_triggers_the_bidding_restriction_and_the_honor_list_a_reward(implementer, world):
    result = check_subjects(requester=implementer, scenario="bidding",
                            identifiers=[uscc(world.court), uscc(world.honored)])
    court, honored = result.results
    assert [m.code for m in court.measures] == ["bidding-restriction"]
    assert [(m.code, m.kind) for m in honored.measures] == [("priority-selection", "reward")]


@pytest.mark.articles("Art 31")
@pytest.mark.parametrize("which", ["expired", "repaired", "revoked", "unpublished", "notified", "clean"])
def test_expired_repaired_revoked_and_unpublished_entries_never_trigger_a_measure_art_31(implementer, world, which):
    subject = getattr(world, which)
    for scenario in ("procurement", "bidding", "subsidies", "licensing"):
        result = check_subjects(requester=implementer, scenario=scenario, identifiers=[uscc(subject)])
        assert result.results[0].status == CheckStatus.CLEAR, (which, scenario)
        assert result.results[0].measures == () and result.results[0].name == ""
    assert not MeasureCase.objects.filter(subject=subject).exists()


def test_an_entry_stops_triggering_on_its_last_day_even_before_the_expiry_job(implementer, world):
    expired_on = dt.date(2026, 6, 3)
    before = check_subjects(requester=implementer, scenario="bidding", identifiers=[uscc(world.expired)],
                            on=expired_on - dt.timedelta(days=1))
    assert before.results[0].status == CheckStatus.HIT
    on_the_day = check_subjects(requester=implementer, scenario="bidding", identifiers=[uscc(world.expired)],
                                on=expired_on)
    assert on_the_day.results[0].status == CheckStatus.CLEAR


@pytest.mark.articles("Art 24")
def test_a_measure_for_related_persons_reaches_the_legal_representative_recorded_with_the_entry_art_24(
    implementer, clerk, world
):
    person = ("id", world.person.identifier)
    assert check_subjects(requester=implementer, scenario="honors", identifiers=[person]).results[0].status == "clear"
    measure_save(
        code="related-honor-restriction", kind="punishment", name="限制法定代表人参加表彰评选",
        content="严重失信主体的法定代表人在列入期间不得参加政府组织的表彰评选。", basis_level="national_document",
        legal_basis="《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）",
        implementing_bodies_note="组织表彰的行政机关", scenarios=["honors"],
        triggering_lists=[definition("serious-dishonesty")], applies_to_related_persons=True, actor=clerk,
    )
    (answer,) = check_subjects(requester=implementer, scenario="honors", identifiers=[person]).results
    assert answer.status == CheckStatus.HIT
    assert answer.name == "张**"  # a natural person's name is masked
    (measure,) = answer.measures
    assert measure.code == "related-honor-restriction"
    # Only the entry that recorded the person at its decision: `world.listed` was decided before the
    # relation was entered, and an entry keeps the persons of its decision date.
    assert [(e.via_role, e.organization_name) for e in measure.entries] == [
        ("legal_representative", world.listed_with_person.name)
    ]
    assert MeasureCase.objects.get(pk=measure.case_id).via_role == "legal_representative"


def test_invalid_identifiers_are_reported_and_unknown_ones_are_clear_without_saying_whether_they_exist(
    implementer, world
):
    unknown = make_uscc("9", "1", "130802", "99999999")
    result = check_subjects(requester=implementer, scenario="procurement", identifiers=[
        ("uscc", "91130802MA0000000X"), ("uscc", unknown), ("passport-ish", "E1234567"), ("id", "123"),
        uscc(world.clean),
    ])
    statuses = [(r.status, r.error_code) for r in result.results]
    assert statuses == [
        ("invalid", "bad_check_character"), ("clear", ""), ("invalid", "invalid_identifier_type"),
        ("invalid", "wrong_length"), ("clear", ""),
    ]
    assert result.results[1] == result.results[1].__class__(2, "uscc", unknown, "clear")
    assert result.invalid == 3 and result.subjects_hit == 0


def test_identifiers_are_matched_as_typed_in_a_file_full_width_lower_case_and_spaced(implementer, world):
    typed = " " + world.listed.identifier.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + " "
    (answer,) = check_subjects(requester=implementer, scenario="procurement", identifiers=[("统一社会信用代码", typed)]).results
    assert answer.status == CheckStatus.HIT and answer.identifier == world.listed.identifier


def test_every_check_is_logged_with_its_counts_and_audited_exactly_once_whatever_its_size(implementer, world):
    before = audit_count(AuditEventType.SUBJECTS_CHECKED)
    identifiers = [uscc(s) for s in world.organizations] * 3 + [("uscc", "bad")]
    result = check_subjects(requester=implementer, scenario="procurement", identifiers=identifiers,
                            reference="承采〔2026〕18号")
    assert audit_count(AuditEventType.SUBJECTS_CHECKED) == before + 1
    log = CheckLog.objects.get(pk=result.check_id)
    # Rows: 4 of the 10 organizations are hit (listed, court, honored, listed_with_person), each given 3 times.
    assert (log.subjects_requested, log.subjects_invalid, log.subjects_hit) == (len(identifiers), 1, 12)
    # Cases: one per subject and measure (2 + 1 + 1 + 2).
    assert log.cases_opened == MeasureCase.objects.filter(check_log=log).count() == result.cases_opened == 6
    assert log.reference == "承采〔2026〕18号" and log.organization == implementer.organization
    event = AuditEvent.objects.filter(event_type=AuditEventType.SUBJECTS_CHECKED).latest("seq")
    assert event.details["requested"] == len(identifiers) and event.details["cases_opened"] == 6
    assert "Art 22" in event.articles and "Art 25" in event.articles
    assert event.details["parameters"] == {"lists.measure_feedback_deadline": 10}
    # A repeated identifier opens one case per subject and measure, and every row gets the same answer.
    rows = [r for r in result.results if r.identifier == world.listed.identifier]
    assert len(rows) == 3 and len({tuple(m.case_id for m in r.measures) for r in rows}) == 1


def comparable(answer):
    return (answer.identifier_type, answer.identifier, answer.status, answer.name, answer.error_code,
            tuple((m.code, tuple(e.entry_id for e in m.entries)) for m in answer.measures))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize("scenario", ["procurement", "honors"])
def test_a_batch_gives_every_subject_the_answer_a_single_check_gives(implementer, world, scenario, data):
    pool = [uscc(s) for s in world.organizations] + [("id", world.person.identifier), ("uscc", "bad"),
                                                      ("uscc", org_uscc(987654)), ("id", person_id(4321))]
    identifiers = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=25))
    batch = check_subjects(requester=implementer, scenario=scenario, identifiers=identifiers)
    singles = [check_subjects(requester=implementer, scenario=scenario, identifiers=[i]).results[0]
               for i in identifiers]
    assert [comparable(a) for a in batch.results] == [comparable(a) for a in singles]


def test_the_number_of_queries_does_not_grow_with_the_number_of_subjects(implementer, world):
    def queries(n):
        subjects = [register_org() for _ in range(n)]
        identifiers = [uscc(s) for s in subjects] + [uscc(s) for s in world.organizations]
        random.Random(n).shuffle(identifiers)
        with CaptureQueriesContext(connection) as captured:
            check_subjects(requester=implementer, scenario="procurement", identifiers=identifiers)
        return len(captured)

    queries(1)  # warm the calendar snapshot
    assert queries(2) == queries(60)


def test_more_than_ten_thousand_subjects_at_once_are_refused(implementer):
    with pytest.raises(ServiceError) as refused:
        check_subjects(requester=implementer, scenario="procurement", identifiers=[("uscc", "x")] * 10_001)
    assert refused.value.code == "too_many_subjects"


def test_only_measure_implementers_check_subjects(clerk, world):
    with pytest.raises(PermissionDenied):
        check_subjects(requester=clerk, scenario="procurement", identifiers=[uscc(world.listed)])


def test_an_unknown_scenario_is_refused(implementer):
    with pytest.raises(ServiceError) as refused:
        check_subjects(requester=implementer, scenario="lottery", identifiers=[("uscc", "x")])
    assert refused.value.code == "invalid_scenario"


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(list(IdentifierType)),
    value=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYabcx（）() 　ＡＢ１２", min_size=1, max_size=20),
)
def test_the_check_canonicalizes_identifiers_exactly_as_validation_does(kind, value):
    result = validate(kind, value)
    if result.ok:
        assert canonical_identifier(kind, value) == result.value


def test_the_batch_blind_index_is_the_platforms_blind_index():
    from xinyong.core.crypto import blind_index, load_keyring
    from xinyong.measures.services import _blind_indexer

    keyring = load_keyring()
    indexer = _blind_indexer(keyring)
    for kind, value in (("uscc", org_uscc(5)), ("id", person_id(7)), ("passport", "E12345678")):
        assert indexer(kind, value) == blind_index(kind, value, keyring=keyring)


def test_cases_written_in_bulk_carry_the_ids_the_answer_gives(implementer, world, monkeypatch):
    # On PostgreSQL large batches write their cases with COPY; force that path for this small one.
    monkeypatch.setattr("xinyong.measures.services._COPY_FROM", 1)
    result = check_subjects(requester=implementer, scenario="procurement",
                            identifiers=[uscc(s) for s in world.organizations])
    answered = {(r.subject_id, m.code, m.case_id) for r in result.results for m in r.measures}
    stored = set(MeasureCase.objects.filter(check_log_id=result.check_id)
                 .values_list("subject_id", "measure__code", "id"))
    assert answered == stored and len(stored) == result.cases_opened == 6
    assert set(MeasureCase.objects.filter(check_log_id=result.check_id).values_list("status", flat=True)) == {"open"}
