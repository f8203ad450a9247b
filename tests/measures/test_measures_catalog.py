"""The measure catalog: a measure only with its legal basis, a punishment only on law, regulation or national
rules (Art 24), each naming its targets, scenarios and implementing bodies (Art 22, 23, 25, 26)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from lists_fixtures import audit_count, definition

from xinyong.audit.choices import AuditEventType
from xinyong.core.errors import PermissionDenied, ServiceError
from xinyong.measures.choices import PUNISHMENT_BASIS_LEVELS, MeasureKind
from xinyong.measures.models import Measure
from xinyong.measures.selectors import measure_applicable, measure_catalog
from xinyong.measures.services import measure_save

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 22", "Art 24")]


def save(actor=None, **overrides):
    data = {
        "code": "test-measure", "kind": "punishment", "name": "限制参加测试活动", "content": "限制参加。",
        "basis_level": "law", "legal_basis": "《中华人民共和国政府采购法》第二十二条", "implementing_bodies_note": "采购人",
        "scenarios": ["procurement"], "triggering_lists": [definition("serious-dishonesty")],
    }
    data.update(overrides)
    return measure_save(actor=actor, **data)


def test_every_seeded_measure_names_its_legal_basis_and_punishments_rest_on_law_or_national_rules_art_24():
    measures = list(Measure.objects.prefetch_related("triggering_lists"))
    assert len(measures) >= 10
    for measure in measures:
        assert measure.legal_basis.strip() and measure.implementing_bodies_note and measure.scenarios
        assert measure.triggering_lists.exists()
        if measure.kind == MeasureKind.PUNISHMENT:
            assert measure.basis_level in PUNISHMENT_BASIS_LEVELS
    procurement = Measure.objects.get(code="procurement-exclusion")
    assert "《中华人民共和国政府采购法》第二十二条" in procurement.legal_basis
    assert {d.code for d in procurement.triggering_lists.all()} == {"serious-dishonesty", "court-enforcement"}


@pytest.mark.parametrize("basis", ["", "   "])
def test_a_measure_without_a_legal_basis_is_refused_art_24(clerk, basis):
    with pytest.raises(ServiceError) as refused:
        save(clerk, legal_basis=basis)
    assert refused.value.code == "legal_basis_required" and refused.value.field == "legal_basis"
    assert not Measure.objects.filter(code="test-measure").exists()


def test_a_measure_without_the_rank_of_its_basis_is_refused(clerk):
    with pytest.raises(ServiceError) as refused:
        save(clerk, basis_level="")
    assert refused.value.code == "legal_basis_required"


def test_the_database_refuses_a_measure_without_a_basis_even_past_the_service():
    measure = Measure.objects.get(code="procurement-exclusion")
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(legal_basis="")


@pytest.mark.articles("Art 23")
@pytest.mark.parametrize("rank", ["city_document", "provincial_document"])
def test_a_punishment_resting_on_local_government_rules_is_refused_but_a_reward_may_art_23_24(clerk, rank):
    with pytest.raises(ServiceError) as refused:
        save(clerk, basis_level=rank, legal_basis="承德市人民政府办公室关于……的通知")
    assert refused.value.code == "basis_rank_too_low"
    reward = save(clerk, code="test-reward", kind="reward", basis_level=rank, legal_basis="承德市人民政府办公室关于……的通知",
                  triggering_lists=[definition("honor")])
    assert reward.pk and audit_count(AuditEventType.MEASURE_SAVED) == 1


@pytest.mark.articles("Art 23", "Art 25")
def test_a_reward_is_triggered_by_the_honor_list_and_a_punishment_by_a_dishonesty_list(clerk):
    with pytest.raises(ServiceError) as refused:
        save(clerk, triggering_lists=[definition("honor")])
    assert refused.value.code == "list_kind_mismatch"


def test_a_saved_measure_is_audited_and_joins_the_catalog_of_its_scenario(clerk):
    measure = save(clerk, scenarios=["procurement", "bidding"])
    assert audit_count(AuditEventType.MEASURE_SAVED) == 1
    catalog = measure_catalog("bidding")
    assert measure.pk in {m.id for m in catalog.by_list[definition("serious-dishonesty").pk]}
    assert measure.pk not in {m.id for rows in measure_catalog("licensing").by_list.values() for m in rows}


def test_only_measure_managers_save_measures(implementer):
    with pytest.raises(PermissionDenied):
        save(implementer)


def test_a_measure_whose_basis_was_lowered_behind_the_services_back_is_never_applied():
    measure = Measure.objects.get(code="procurement-exclusion")
    Measure.objects.filter(pk=measure.pk).update(basis_level="city_document")
    measure.refresh_from_db()
    assert not measure_applicable(measure)
    assert measure.pk not in {m.id for rows in measure_catalog("procurement").by_list.values() for m in rows}
