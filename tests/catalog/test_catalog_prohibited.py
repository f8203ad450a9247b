"""Art 19: religious belief, genes, fingerprints, blood type, diseases and medical history are never collected;
the catalog refuses a field that names them and accepts harmless look-alikes."""

from __future__ import annotations

import pytest

from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.models import AuditEvent
from xinyong.catalog.prohibited import PROHIBITED_KINDS, prohibited_kind
from xinyong.catalog.services import FieldData, catalog_item_save
from xinyong.core.errors import ServiceError

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 19")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("宗教信仰", "religion"),
        ("宗教", "religion"),
        ("信仰", "religion"),
        ("religion", "religion"),
        ("RELIGIOUS_BELIEF", "religion"),
        ("基因", "gene"),
        ("基因检测结果", "gene"),
        ("DNA", "gene"),
        ("DNA检测", "gene"),
        ("genetic_test", "gene"),
        ("指纹", "fingerprint"),
        ("fingerprint", "fingerprint"),
        ("Fingerprints", "fingerprint"),
        ("ＦＩＮＧＥＲＰＲＩＮＴ", "fingerprint"),
        ("血型", "blood_type"),
        ("血型（ABO）", "blood_type"),
        ("blood_type", "blood_type"),
        ("BloodType", "blood_type"),
        ("疾病", "disease"),
        ("患病情况", "disease"),
        ("诊断结论", "disease"),
        ("disease", "disease"),
        ("病史", "medical_history"),
        ("既往病史", "medical_history"),
        ("病历号", "medical_history"),
        ("medical_history", "medical_history"),
        ("人脸图像", "biometric"),
        ("虹膜", "biometric"),
        ("面部特征", "biometric"),
        ("生物识别信息", "biometric"),
    ],
)
def test_prohibited_data_is_recognized_by_name_and_synonyms(text, kind):
    found = prohibited_kind(text)
    assert found is not None and found.code == kind


@pytest.mark.parametrize(
    "text",
    [
        "民族",  # ethnicity: on the ID card, not prohibited by Art 19
        "信用承诺内容",
        "行政相对人名称",
        "CF_XDR_MC",
        "GENERAL_REMARK",  # "gene" only as a whole word
        "转基因产品名称",  # genetically modified products, not a person's genes
        "疾病预防控制中心",  # an authority's name
        "宗教活动场所名称",  # an organization, not a person's belief
        "性别",
        "出生日期",
        "违法事实",
        "",
    ],
)
def test_harmless_look_alikes_are_not_prohibited(text):
    assert prohibited_kind(text) is None


def test_every_kind_states_where_its_prohibition_comes_from():
    for kind in PROHIBITED_KINDS:
        assert kind.source
        assert "Art 19" in kind.source
        assert kind.ours == kind.source.startswith("[ours]")


def save(draft, manager, *extra: FieldData, code="local-test"):
    return catalog_item_save(
        version=draft,
        code=code,
        name="测试事项",
        category="administrative",
        fields=[FieldData(code="T_MC", name="主体名称", required=True), *extra],
        actor=manager,
    )


@pytest.mark.parametrize(
    ("field_data", "named"),
    [
        (FieldData(code="T_XX", name="血型"), "血型"),
        (FieldData(code="T_ZJXY", name="宗教信仰"), "宗教信仰"),
        (FieldData(code="fingerprint", name="采集编号"), "采集编号"),
        (FieldData(code="T_BL", name="附件编号", aliases=("既往病史",)), "附件编号"),
    ],
)
def test_an_item_with_a_prohibited_field_is_refused_naming_the_field(draft, manager, field_data, named):
    with pytest.raises(ServiceError) as refused:
        save(draft, manager, field_data)
    assert refused.value.code == "prohibited_field"
    assert f"“{named}”" in str(refused.value.message)
    assert "第十九条" in str(refused.value.message)
    assert refused.value.field.startswith("fields.1.")
    assert not draft.items.filter(code="local-test").exists()


def test_a_refused_prohibited_field_is_audited_as_denied(draft, manager):
    with pytest.raises(ServiceError):
        save(draft, manager, FieldData(code="T_XX", name="血型"))
    event = AuditEvent.objects.filter(event_type=AuditEventType.PROHIBITED_DATA_REFUSED).latest("seq")
    assert event.outcome == AuditOutcome.DENIED
    assert event.articles == ["Art 19"]
    assert event.details["kind"] == "blood_type" and event.details["field"] == "血型"
    assert event.actor_id == manager.pk


def test_harmless_look_alikes_are_accepted(draft, manager):
    item = save(
        draft,
        manager,
        FieldData(code="T_MZ", name="民族"),
        FieldData(code="T_CNNR", name="信用承诺内容"),
        FieldData(code="T_CPMC", name="转基因产品名称"),
    )
    assert [f.name for f in item.fields.order_by("order")] == ["主体名称", "民族", "信用承诺内容", "转基因产品名称"]
