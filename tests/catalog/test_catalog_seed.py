"""The seeded catalog: 13 national categories, the 双公示 items exactly as domain facts §3 lists them, and the
other national items, each complete enough to publish (Art 18); a city draft to edit."""

from __future__ import annotations

import pytest

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.catalog.choices import CatalogTier, DisclosureClass, FieldType, VersionStatus
from xinyong.catalog.models import CatalogItem, CatalogVersion, Category
from xinyong.catalog.prohibited import prohibited_kind
from xinyong.catalog.seed import catalog_seed
from xinyong.catalog.selectors import item_current, item_fields
from xinyong.catalog.services import catalog_version_problems
from xinyong.regulation.parameters import all_parameters
from xinyong.subjects.choices import SubjectKind

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

ORGANIZATIONS = sorted(k.value for k in SubjectKind if k != SubjectKind.NATURAL_PERSON)

# Domain facts §3, row by row: (code, Chinese name, required). The 行政相对人代码_n names carry the kind of
# code in full-width brackets, as the national 双公示 standard writes them.
PENALTY_TABLE = [
    ("CF_XDR_MC", "行政相对人名称", True),
    ("CF_XDR_LB", "行政相对人类别", True),
    ("CF_XDR_SHXYM", "行政相对人代码_1（统一社会信用代码）", False),
    ("CF_XDR_GSZC", "行政相对人代码_2（工商注册号）", False),
    ("CF_XDR_ZZJG", "行政相对人代码_3（组织机构代码）", False),
    ("CF_XDR_SWDJ", "行政相对人代码_4（税务登记号）", False),
    ("CF_XDR_SYDW", "行政相对人代码_5（事业单位证书号）", False),
    ("CF_XDR_SHZZ", "行政相对人代码_6（社会组织登记证号）", False),
    ("CF_FRDB", "法定代表人", False),
    ("CF_ZJLX", "证件类型", False),
    ("CF_ZJHM", "证件号码", False),
    ("CF_WSH", "行政处罚决定书文号", True),
    ("CF_WFXW", "违法行为类型", True),
    ("CF_SY", "违法事实", True),
    ("CF_YJ", "处罚依据", True),
    ("CF_CFLB", "处罚类别", True),
    ("CF_NR", "处罚内容", True),
    ("CF_NR_FK", "罚款金额（万元）", False),
    ("CF_NR_WFFF", "没收违法所得、没收非法财物的金额（万元）", False),
    ("CF_NR_ZKDX", "暂扣或吊销证照名称及编号", False),
    ("CF_JDRQ", "处罚决定日期", True),
    ("CF_YXQ", "处罚有效期", True),
    ("CF_GSJZQ", "公示截止期", False),
    ("CF_CFJG", "处罚机关", True),
    ("CF_CFJGDM", "处罚机关统一社会信用代码", True),
    ("CF_SJLY", "数据来源单位", True),
    ("CF_SJLYDM", "数据来源单位统一社会信用代码", True),
    ("BZ", "备注", False),
]

PERMIT_TABLE = [
    ("XK_XDR_MC", "行政相对人名称", True),
    ("XK_XDR_LB", "行政相对人类别", True),
    ("XK_XDR_SHXYM", "行政相对人代码_1（统一社会信用代码）", False),
    ("XK_XDR_GSZC", "行政相对人代码_2（工商注册号）", False),
    ("XK_XDR_ZZJG", "行政相对人代码_3（组织机构代码）", False),
    ("XK_XDR_SWDJ", "行政相对人代码_4（税务登记号）", False),
    ("XK_XDR_SYDW", "行政相对人代码_5（事业单位证书号）", False),
    ("XK_XDR_SHZZ", "行政相对人代码_6（社会组织登记证号）", False),
    ("XK_FRDB", "法定代表人", False),
    ("XK_ZJLX", "证件类型", False),
    ("XK_ZJHM", "证件号码", False),
    ("XK_XKWS", "行政许可决定文书名称", True),
    ("XK_WSH", "行政许可决定文书号", True),
    ("XK_XKLB", "许可类别", True),
    ("XK_XKZS", "许可证书名称", False),
    ("XK_XKBH", "许可编号", False),
    ("XK_NR", "许可内容", True),
    ("XK_JDRQ", "许可决定日期", True),
    ("XK_YXQZ", "有效期自", True),
    ("XK_YXQZI", "有效期至", True),
    ("XK_XKJG", "许可机关", True),
    ("XK_XKJGDM", "许可机关统一社会信用代码", True),
    ("XK_ZT", "当前状态", True),
    ("XK_SJLY", "数据来源单位", True),
    ("XK_SJLYDM", "数据来源单位统一社会信用代码", True),
    ("BZ", "备注", False),
]

TABLES = {"admin-penalty": PENALTY_TABLE, "admin-permit": PERMIT_TABLE}


def field(code: str, item_code: str = "admin-penalty"):
    return item_current(item_code).fields.get(code=code)


# ---------- the 双公示 tables ----------


@pytest.mark.parametrize(("code", "name", "required"), PENALTY_TABLE)
def test_the_penalty_item_has_each_field_of_the_national_table(code, name, required):
    item_field = field(code, "admin-penalty")
    assert item_field.name == name
    assert item_field.required is required


@pytest.mark.parametrize(("code", "name", "required"), PERMIT_TABLE)
def test_the_permit_item_has_each_field_of_the_national_table(code, name, required):
    item_field = field(code, "admin-permit")
    assert item_field.name == name
    assert item_field.required is required


@pytest.mark.parametrize("item_code", ["admin-penalty", "admin-permit"])
def test_the_double_publicity_items_have_exactly_the_table_fields_in_table_order(item_code):
    assert [(f.code, f.name, f.required) for f in item_fields(item_current(item_code))] == TABLES[item_code]


@pytest.mark.parametrize("prefix", ["CF", "XK"])
def test_id_document_fields_are_required_for_natural_persons_and_the_number_is_masked(prefix):
    item_code = "admin-penalty" if prefix == "CF" else "admin-permit"
    id_kind, id_number = field(f"{prefix}_ZJLX", item_code), field(f"{prefix}_ZJHM", item_code)
    assert id_kind.required_for == id_number.required_for == ["natural_person"]
    assert (id_kind.field_type, id_number.field_type) == (FieldType.ID_TYPE, FieldType.ID_NUMBER)
    assert id_number.masked and not id_kind.masked


@pytest.mark.parametrize("prefix", ["CF", "XK"])
def test_the_uscc_of_the_subject_is_required_for_organizations_art_20(prefix):
    item_code = "admin-penalty" if prefix == "CF" else "admin-permit"
    uscc = field(f"{prefix}_XDR_SHXYM", item_code)
    assert uscc.field_type == FieldType.USCC
    assert sorted(uscc.required_for) == ORGANIZATIONS
    assert not uscc.required


def test_penalty_amounts_are_amounts_and_dates_are_dates():
    types = {f.code: f.field_type for f in item_fields(item_current("admin-penalty"))}
    assert types["CF_NR_FK"] == types["CF_NR_WFFF"] == FieldType.AMOUNT
    assert types["CF_JDRQ"] == types["CF_YXQ"] == types["CF_GSJZQ"] == FieldType.DATE
    assert types["CF_CFJGDM"] == types["CF_SJLYDM"] == FieldType.USCC
    permit = {f.code: f.field_type for f in item_fields(item_current("admin-permit"))}
    assert permit["XK_JDRQ"] == permit["XK_YXQZ"] == permit["XK_YXQZI"] == FieldType.DATE


def test_the_subject_category_and_permit_status_have_their_allowed_values():
    assert field("CF_XDR_LB").choices == ["法人及非法人组织", "自然人", "个体工商户"]
    assert field("XK_XDR_LB", "admin-permit").choices == ["法人及非法人组织", "自然人", "个体工商户"]
    assert field("XK_ZT", "admin-permit").choices == ["有效", "无效"]


def test_the_legal_representative_also_answers_to_the_code_other_systems_use():
    assert "CF_FDDB" in field("CF_FRDB").aliases
    assert "XK_FDDB" in field("XK_FRDB", "admin-permit").aliases


def test_penalties_name_their_publication_period_and_submission_deadline_as_rule_parameters():
    penalty = item_current("admin-penalty")
    assert penalty.publication_period_parameter == "publication.general_penalty_maximum"
    assert penalty.submission_deadline_parameter == "publicity.double_publicity_deadline"
    assert penalty.retention_parameter == "retention.negative_information"
    assert penalty.rules == ["exclude_summary_procedure"]
    assert penalty.disclosure_class == DisclosureClass.PUBLIC


def test_permits_have_no_publication_period_they_stay_public_while_valid():
    permit = item_current("admin-permit")
    assert permit.publication_period_parameter == ""
    assert "有效期内" in permit.publication_note
    assert permit.submission_deadline_parameter == "publicity.double_publicity_deadline"
    assert permit.rules == []


# ---------- the whole seed ----------


def test_the_national_base_catalog_has_thirteen_categories():
    names = list(Category.objects.order_by("order").values_list("name", flat=True))
    assert len(names) == 13
    for name in ["登记注册基本信息", "司法裁判及执行信息", "行政管理信息", "职称和职业信息", "经营（活动）异常名录（状态）信息",
                 "遵守法律法规情况信息", "知识产权信息", "诚实守信相关荣誉信息", "信用承诺及履行情况", "信用评价结果"]:
        assert name in names


def test_the_published_national_version_has_the_seven_seed_items():
    national = CatalogVersion.objects.get(tier=CatalogTier.NATIONAL, status=VersionStatus.PUBLISHED)
    assert sorted(national.items.values_list("code", flat=True)) == [
        "admin-penalty", "admin-permit", "business-abnormal-list", "court-enforcement", "credit-commitment",
        "honor", "serious-dishonesty-list",
    ]
    assert national.effective_from.isoformat() == "2024-05-01"


def test_every_seeded_version_passes_the_publication_checks():
    for version in CatalogVersion.objects.all():
        assert catalog_version_problems(version) == [], version


def test_every_seeded_item_states_its_legal_basis_disclosure_class_and_fields_and_names_known_parameters():
    known = all_parameters()
    for item in CatalogItem.objects.all():
        assert item.legal_basis and item.conduct and item.subject_kinds, item.code
        assert item.disclosure_class in DisclosureClass.values
        assert item.fields.exists()
        for name in (item.publication_period_parameter, item.retention_parameter,
                     item.submission_deadline_parameter):
            assert not name or name in known


def test_no_seeded_field_names_prohibited_data_art_19():
    for item in CatalogItem.objects.prefetch_related("fields"):
        for f in item.fields.all():
            assert prohibited_kind(f.code) is None and prohibited_kind(f.name) is None, (item.code, f.code)


def test_the_commitment_item_has_the_fields_of_the_deployed_standard():
    item = item_current("credit-commitment")
    names = {f.name for f in item_fields(item)}
    assert {"承诺编码", "承诺人名称", "承诺人类别", "承诺类型", "承诺事由", "承诺内容", "违诺责任", "作出日期", "有效期",
            "履行状态", "认定日期", "认定单位", "受理单位", "公开类型"} <= names
    kinds = item.fields.get(code="CN_CNLX").choices
    assert kinds == ["审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型", "主动型", "其他"]
    assert item.fields.get(code="CN_LXZT").choices == ["全部履行", "部分履行", "全部未履行"]
    assert item.fields.get(code="CN_GKLX").choices == ["社会公开", "特定范围", "不公开"]


@pytest.mark.parametrize(
    ("code", "name"),
    [("honor", "诚实守信相关荣誉"), ("serious-dishonesty-list", "严重失信主体名单"),
     ("business-abnormal-list", "经营异常名录"), ("court-enforcement", "失信被执行人"),
     ("credit-commitment", "信用承诺")],
)
def test_the_other_national_items_are_in_force(code, name):
    assert item_current(code).name == name


def test_the_city_tier_starts_with_a_draft_to_edit():
    city = CatalogVersion.objects.get(tier=CatalogTier.CITY)
    assert city.status == VersionStatus.DRAFT
    assert city.items.filter(code="government-arrears").exists()


def test_seeding_again_changes_nothing_and_writes_no_audit_event():
    before = AuditEvent.objects.count()
    result = catalog_seed()
    assert not result.changed
    assert AuditEvent.objects.count() == before
    assert CatalogVersion.objects.count() == 2


def test_the_seed_is_audited_step_by_step():
    assert AuditEvent.objects.filter(event_type=AuditEventType.CATALOG_SEEDED).exists()
    published = AuditEvent.objects.filter(event_type=AuditEventType.CATALOG_VERSION_PUBLISHED).first()
    assert published is not None and published.articles == ["Art 18", "Art 19"]
    assert AuditEvent.objects.filter(event_type=AuditEventType.CATALOG_ITEM_CHANGED).count() >= 8


def test_the_seed_command_reports_that_there_is_nothing_to_do():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("catalog", "seed", stdout=out)
    assert "nothing to do" in out.getvalue()
