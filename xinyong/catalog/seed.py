"""The catalog a fresh platform starts with (Art 18): the 13 national categories, a published national
version with seven items, and a city draft to show editing.

Run by `xinyong catalog seed` and after every migrate (`post_migrate`, see apps.py), so a fresh database and
a test database emptied by a flush have it. It is idempotent: categories are created or brought up to date
by code; a tier's first version is created only when that tier has no version at all, so nothing a catalog
manager has published or drafted since is ever touched. The versions are built through the services
(`catalog_version_create_draft`, `catalog_item_save`, `catalog_version_publish`), which check every item
(Art 18, 19) and audit every step.

Sources. Categories: the national base catalog (全国公共信用信息基础目录, 2024 edition), domain facts §2; ten
are named there, three are inferred from the catalog's earlier editions (marked "inferred" below). The
双公示 fields (`admin-permit`, `admin-penalty`) are exactly the tables of domain facts §3, codes and names
as in the national 双公示 data standard. The commitment fields follow domain facts §9. The field codes of the
other items (`RY_`, `SX_`, `YC_`, `ZX_`, `ZW_` prefixes) are ours [ours], modelled on the 双公示 codes (pinyin
initials); the names follow the documents cited in each item's legal basis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.catalog.choices import CatalogTier, DisclosureClass, FieldType, InformationKind, ItemRule
from xinyong.catalog.models import CatalogVersion, Category
from xinyong.catalog.services import (
    FieldData,
    catalog_item_save,
    catalog_version_create_draft,
    catalog_version_publish,
)
from xinyong.subjects.choices import SubjectKind

# --- categories ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name: str
    kind: str
    inferred: bool = False  # not named in domain facts §2: taken from the catalog's earlier editions


CATEGORIES: tuple[CategorySeed, ...] = (
    CategorySeed("registration", "登记注册基本信息", InformationKind.BASIC),
    CategorySeed("judicial", "司法裁判及执行信息", InformationKind.OTHER),
    CategorySeed("administrative", "行政管理信息", InformationKind.ADMINISTRATIVE),
    CategorySeed("qualification", "职称和职业信息", InformationKind.BASIC),
    CategorySeed("abnormal-list", "经营（活动）异常名录（状态）信息", InformationKind.ADMINISTRATIVE),
    CategorySeed("serious-dishonesty", "严重失信主体名单信息", InformationKind.SERIOUS, inferred=True),
    CategorySeed("contract", "合同履行信息", InformationKind.OTHER, inferred=True),
    CategorySeed("commitment", "信用承诺及履行情况", InformationKind.OTHER),
    CategorySeed("evaluation", "信用评价结果", InformationKind.OTHER),
    CategorySeed("compliance", "遵守法律法规情况信息", InformationKind.OTHER),
    CategorySeed("honor", "诚实守信相关荣誉信息", InformationKind.POSITIVE),
    CategorySeed("intellectual-property", "知识产权信息", InformationKind.OTHER),
    CategorySeed("voluntary", "经营主体自愿提供的信用信息", InformationKind.OTHER, inferred=True),
)

# --- fields -------------------------------------------------------------------------------------------------

ALL_KINDS = tuple(k.value for k in SubjectKind)
NATURAL_PERSONS = (SubjectKind.NATURAL_PERSON.value,)
ORGANIZATIONS = tuple(k.value for k in SubjectKind if k != SubjectKind.NATURAL_PERSON)
BUSINESSES = (SubjectKind.LEGAL_PERSON.value, SubjectKind.UNINCORPORATED.value, SubjectKind.INDIVIDUAL_BUSINESS.value)
GOVERNMENT = (SubjectKind.GOVERNMENT_BODY.value, SubjectKind.PUBLIC_INSTITUTION.value)
SUBJECT_CATEGORY_CHOICES = ("法人及非法人组织", "自然人", "个体工商户")  # 行政相对人类别 (domain facts §3)


def text(code, name, *, required=False, **extra) -> FieldData:
    return FieldData(code=code, name=name, field_type=FieldType.TEXT, required=required, **extra)


def date(code, name, *, required=False, **extra) -> FieldData:
    return FieldData(code=code, name=name, field_type=FieldType.DATE, required=required, **extra)


def amount(code, name, *, required=False, **extra) -> FieldData:
    return FieldData(code=code, name=name, field_type=FieldType.AMOUNT, required=required, **extra)


def choice(code, name, choices, *, required=False, **extra) -> FieldData:
    return FieldData(code=code, name=name, field_type=FieldType.CHOICE, required=required, choices=choices, **extra)


def uscc(code, name, *, required=False, **extra) -> FieldData:
    return FieldData(code=code, name=name, field_type=FieldType.USCC, required=required, **extra)


def id_type(code, name="证件类型") -> FieldData:
    return FieldData(code=code, name=name, field_type=FieldType.ID_TYPE, required_for=NATURAL_PERSONS)


def id_number(code, name="证件号码") -> FieldData:
    return FieldData(
        code=code, name=name, field_type=FieldType.ID_NUMBER, required_for=NATURAL_PERSONS, masked=True
    )


def subject_codes(prefix: str) -> list[FieldData]:
    """行政相对人代码_1 … _6 of the 双公示 standard; each may also be named by its short name."""
    names = [
        ("SHXYM", "统一社会信用代码"),
        ("GSZC", "工商注册号"),
        ("ZZJG", "组织机构代码"),
        ("SWDJ", "税务登记号"),
        ("SYDW", "事业单位证书号"),
        ("SHZZ", "社会组织登记证号"),
    ]
    fields = []
    for number, (suffix, short) in enumerate(names, start=1):
        label = f"行政相对人代码_{number}"
        fields.append(
            FieldData(
                code=f"{prefix}_XDR_{suffix}",
                name=f"{label}（{short}）",
                field_type=FieldType.USCC if number == 1 else FieldType.TEXT,
                # Organizations are matched by their USCC (Art 20): required for them.
                required_for=ORGANIZATIONS if number == 1 else (),
                aliases=(label, short),
            )
        )
    return fields


PENALTY_FIELDS: list[FieldData] = [
    text("CF_XDR_MC", "行政相对人名称", required=True),
    choice("CF_XDR_LB", "行政相对人类别", SUBJECT_CATEGORY_CHOICES, required=True),
    *subject_codes("CF"),
    text("CF_FRDB", "法定代表人", aliases=("CF_FDDB",)),
    id_type("CF_ZJLX"),
    id_number("CF_ZJHM"),
    text("CF_WSH", "行政处罚决定书文号", required=True),
    text("CF_WFXW", "违法行为类型", required=True),
    text("CF_SY", "违法事实", required=True),
    text("CF_YJ", "处罚依据", required=True),
    text("CF_CFLB", "处罚类别", required=True),
    text("CF_NR", "处罚内容", required=True),
    amount("CF_NR_FK", "罚款金额（万元）"),
    amount("CF_NR_WFFF", "没收违法所得、没收非法财物的金额（万元）"),
    text("CF_NR_ZKDX", "暂扣或吊销证照名称及编号"),
    date("CF_JDRQ", "处罚决定日期", required=True),
    date("CF_YXQ", "处罚有效期", required=True),
    date("CF_GSJZQ", "公示截止期"),
    text("CF_CFJG", "处罚机关", required=True),
    uscc("CF_CFJGDM", "处罚机关统一社会信用代码", required=True),
    text("CF_SJLY", "数据来源单位", required=True),
    uscc("CF_SJLYDM", "数据来源单位统一社会信用代码", required=True),
    text("BZ", "备注"),
]

PERMIT_FIELDS: list[FieldData] = [
    text("XK_XDR_MC", "行政相对人名称", required=True),
    choice("XK_XDR_LB", "行政相对人类别", SUBJECT_CATEGORY_CHOICES, required=True),
    *subject_codes("XK"),
    text("XK_FRDB", "法定代表人", aliases=("XK_FDDB",)),
    id_type("XK_ZJLX"),
    id_number("XK_ZJHM"),
    text("XK_XKWS", "行政许可决定文书名称", required=True),
    text("XK_WSH", "行政许可决定文书号", required=True),
    text("XK_XKLB", "许可类别", required=True),
    text("XK_XKZS", "许可证书名称"),
    text("XK_XKBH", "许可编号"),
    text("XK_NR", "许可内容", required=True),
    date("XK_JDRQ", "许可决定日期", required=True),
    date("XK_YXQZ", "有效期自", required=True),
    date("XK_YXQZI", "有效期至", required=True),
    text("XK_XKJG", "许可机关", required=True),
    uscc("XK_XKJGDM", "许可机关统一社会信用代码", required=True),
    choice("XK_ZT", "当前状态", ("有效", "无效"), required=True),
    text("XK_SJLY", "数据来源单位", required=True),
    uscc("XK_SJLYDM", "数据来源单位统一社会信用代码", required=True),
    text("BZ", "备注"),
]


def subject_fields(prefix: str, name: str = "主体名称", category: str = "主体类别") -> list[FieldData]:
    """Who a record is about, as the 双公示 tables say it: name, kind, USCC or ID document."""
    return [
        text(f"{prefix}_ZTMC", name, required=True),
        choice(f"{prefix}_ZTLB", category, SUBJECT_CATEGORY_CHOICES, required=True),
        uscc(f"{prefix}_SHXYM", "统一社会信用代码", required_for=ORGANIZATIONS),
        id_type(f"{prefix}_ZJLX"),
        id_number(f"{prefix}_ZJHM"),
    ]


def source_fields(prefix: str) -> list[FieldData]:
    return [
        text(f"{prefix}_SJLY", "数据来源单位", required=True),
        uscc(f"{prefix}_SJLYDM", "数据来源单位统一社会信用代码", required=True),
        text("BZ", "备注"),
    ]


HONOR_FIELDS: list[FieldData] = [
    *subject_fields("RY"),
    text("RY_RYMC", "荣誉名称", required=True),
    choice("RY_RYJB", "荣誉级别", ("国家级", "省级", "市级", "县级", "其他"), required=True),
    text("RY_RYNR", "表彰事由"),
    text("RY_BZWH", "表彰决定文号", required=True),
    date("RY_RDRQ", "认定日期", required=True),
    date("RY_YXQZ", "有效期至"),
    text("RY_RDJG", "认定机关", required=True),
    uscc("RY_RDJGDM", "认定机关统一社会信用代码", required=True),
    *source_fields("RY"),
]

SERIOUS_LIST_FIELDS: list[FieldData] = [
    *subject_fields("SX", name="失信主体名称"),
    # Art 24: the legal representative of an organization found a serious dishonest subject is recorded too.
    text("SX_FRDB", "法定代表人（主要负责人）"),
    text("SX_MDMC", "名单名称", required=True),
    text("SX_LRYY", "列入事由", required=True),
    text("SX_RDYJ", "认定依据", required=True),
    text("SX_LRWH", "列入决定文书号", required=True),
    date("SX_LRRQ", "列入日期", required=True),
    date("SX_YXQZ", "有效期至"),
    text("SX_RDJG", "认定机关", required=True),
    uscc("SX_RDJGDM", "认定机关统一社会信用代码", required=True),
    *source_fields("SX"),
]

ABNORMAL_LIST_FIELDS: list[FieldData] = [
    text("YC_ZTMC", "经营主体名称", required=True),
    uscc("YC_SHXYM", "统一社会信用代码", required=True),
    text("YC_FRDB", "法定代表人（负责人）"),
    text("YC_LRYY", "列入经营异常名录原因", required=True),
    date("YC_LRRQ", "列入日期", required=True),
    text("YC_LRWH", "列入决定书文号"),
    text("YC_LRJG", "作出决定机关", required=True),
    uscc("YC_LRJGDM", "作出决定机关统一社会信用代码", required=True),
    text("YC_YCYY", "移出原因"),
    date("YC_YCRQ", "移出日期"),
    text("YC_YCJG", "移出决定机关"),
    *source_fields("YC"),
]

COURT_ENFORCEMENT_FIELDS: list[FieldData] = [
    *subject_fields("ZX", name="被执行人姓名或名称"),
    text("ZX_FRDB", "法定代表人或负责人姓名"),
    text("ZX_ZXFY", "执行法院", required=True),
    text("ZX_AH", "执行案号", required=True),
    text("ZX_ZXYJWH", "执行依据文号", required=True),
    text("ZX_ZCZXYJDW", "作出执行依据单位", required=True),
    text("ZX_YWQK", "生效法律文书确定的义务", required=True),
    choice("ZX_LXQK", "被执行人的履行情况", ("全部未履行", "部分未履行"), required=True),
    text("ZX_SXQX", "失信被执行人行为具体情形", required=True),
    date("ZX_LARQ", "立案日期", required=True),
    date("ZX_FBRQ", "发布日期", required=True),
    *source_fields("ZX"),
]

COMMITMENT_FIELDS: list[FieldData] = [
    # 承诺编码: 6-digit division + 8-digit date + 6-digit serial (domain facts §9).
    text("CN_CNBM", "承诺编码", required=True, max_length=20),
    text("CN_CNRMC", "承诺人名称", required=True),
    choice("CN_CNRLB", "承诺人类别", SUBJECT_CATEGORY_CHOICES, required=True),
    # 承诺人代码 is a USCC for organizations and an ID document for persons: two typed fields, as elsewhere.
    uscc("CN_CNRDM", "承诺人代码（统一社会信用代码）", required_for=ORGANIZATIONS, aliases=("承诺人代码",)),
    id_type("CN_ZJLX", "承诺人证件类型"),
    id_number("CN_ZJHM", "承诺人证件号码"),
    choice(
        "CN_CNLX",
        "承诺类型",
        ("审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型", "主动型", "其他"),
        required=True,
    ),
    text("CN_CNSY", "承诺事由", required=True),
    text("CN_CNNR", "承诺内容", required=True),
    text("CN_WNZR", "违诺责任", required=True),
    date("CN_ZCRQ", "作出日期", required=True),
    date("CN_YXQ", "有效期"),
    choice("CN_LXZT", "履行状态", ("全部履行", "部分履行", "全部未履行")),
    date("CN_RDRQ", "认定日期"),
    text("CN_RDDW", "认定单位"),
    text("CN_SLDW", "受理单位", required=True),
    uscc("CN_SLDWDM", "受理单位统一社会信用代码", required=True),
    choice("CN_GKLX", "公开类型", ("社会公开", "特定范围", "不公开"), required=True),
    text("BZ", "备注"),
]

GOVERNMENT_ARREARS_FIELDS: list[FieldData] = [
    text("ZW_DWMC", "失信单位名称", required=True),
    uscc("ZW_SHXYM", "统一社会信用代码", required=True),
    text("ZW_HTMC", "合同名称", required=True),
    text("ZW_HTBH", "合同编号"),
    amount("ZW_QKJE", "拖欠金额（万元）", required=True),
    date("ZW_YFRQ", "约定付款日期", required=True),
    text("ZW_ZQRMC", "债权人名称", required=True),
    uscc("ZW_ZQRDM", "债权人统一社会信用代码"),
    text("ZW_RDJG", "认定机关", required=True),
    uscc("ZW_RDJGDM", "认定机关统一社会信用代码", required=True),
    date("ZW_RDRQ", "认定日期", required=True),
    text("BZ", "备注"),
]

# --- items --------------------------------------------------------------------------------------------------

NATIONAL_CATALOG = "《全国公共信用信息基础目录（2024年版）》（国家发展改革委、中国人民银行）"
DOUBLE_PUBLICITY = (
    "《国务院办公厅关于运用大数据加强对市场主体服务和监管的若干意见》（国办发〔2015〕51号）；"
    "国家发展改革委办公厅 发改办财金〔2018〕424号"
)


@dataclass(frozen=True)
class ItemSeed:
    code: str
    name: str
    category: str
    conduct: str
    subject_kinds: tuple[str, ...]
    disclosure_class: str
    legal_basis: str
    fields: list[FieldData]
    sharing_scope: str = ""
    publication_period_parameter: str = ""
    publication_note: str = ""
    retention_parameter: str = ""
    update_frequency: str = ""
    submission_deadline_parameter: str = ""
    rules: tuple[str, ...] = ()
    is_market_information: bool = False


NATIONAL_ITEMS: tuple[ItemSeed, ...] = (
    ItemSeed(
        code="admin-permit",
        name="行政许可",
        category="administrative",
        conduct="行政机关依申请准予行政许可的决定（“双公示”）。",
        subject_kinds=ALL_KINDS,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《承德市社会信用促进条例》第十八条；《中华人民共和国行政许可法》第四十条（准予行政许可的决定应当"
            f"予以公开）；{DOUBLE_PUBLICITY}；{NATIONAL_CATALOG}"
        ),
        fields=PERMIT_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        # No publication period: a permit is public while it is valid (有效期至, 当前状态 有效).
        publication_note="许可有效期内公示；许可失效（当前状态为“无效”）或有效期届满后不再公示。",
        update_frequency="自作出许可决定之日起按“双公示”时限报送",
        submission_deadline_parameter="publicity.double_publicity_deadline",
    ),
    ItemSeed(
        code="admin-penalty",
        name="行政处罚",
        category="administrative",
        conduct="行政机关依法作出的行政处罚决定（“双公示”）。依简易程序作出的处罚不归集。",
        subject_kinds=ALL_KINDS,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《承德市社会信用促进条例》第十八条；《中华人民共和国行政处罚法》第四十八条（具有一定社会影响的行政"
            f"处罚决定应当依法公开）；{DOUBLE_PUBLICITY}；{NATIONAL_CATALOG}"
        ),
        fields=PENALTY_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        publication_period_parameter="publication.general_penalty_maximum",
        publication_note="自处罚决定之日起公示，期满自动停止公示；严重失信行为适用严重失信的公示期。",
        retention_parameter="retention.negative_information",
        update_frequency="自作出处罚决定之日起按“双公示”时限报送",
        submission_deadline_parameter="publicity.double_publicity_deadline",
        rules=(ItemRule.EXCLUDE_SUMMARY_PROCEDURE,),
    ),
    ItemSeed(
        code="honor",
        name="诚实守信相关荣誉",
        category="honor",
        conduct="县级以上人民政府及其部门授予信用主体的诚实守信相关表彰和荣誉。",
        subject_kinds=ALL_KINDS,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《承德市社会信用促进条例》第二十二条、第二十三条；《国务院关于建立完善守信联合激励和失信联合惩戒"
            f"制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）；{NATIONAL_CATALOG}"
        ),
        fields=HONOR_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        publication_note="荣誉有效期内公示。",
        update_frequency="作出表彰决定后及时报送",
    ),
    ItemSeed(
        code="serious-dishonesty-list",
        name="严重失信主体名单",
        category="serious-dishonesty",
        conduct="依法律、法规和国家有关规定认定并列入严重失信主体名单的信用主体及其法定代表人（主要负责人）。",
        subject_kinds=ALL_KINDS,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《承德市社会信用促进条例》第二十二条、第二十四条、第二十五条；《国务院办公厅关于进一步完善失信约束"
            f"制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）；{NATIONAL_CATALOG}"
        ),
        fields=SERIOUS_LIST_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        publication_note="列入名单期间公示，移出名单后停止公示。",
        retention_parameter="retention.negative_information",
        update_frequency="列入、移出名单时及时报送",
    ),
    ItemSeed(
        code="business-abnormal-list",
        name="经营异常名录",
        category="abnormal-list",
        conduct="市场监督管理部门将经营主体列入、移出经营异常名录（标记经营异常状态）的决定。",
        subject_kinds=BUSINESSES,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《承德市社会信用促进条例》第十八条；《企业信息公示暂行条例》；《企业经营异常名录管理暂行办法》；"
            f"{NATIONAL_CATALOG}"
        ),
        fields=ABNORMAL_LIST_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        publication_note="列入经营异常名录期间公示，移出后停止公示。",
        retention_parameter="retention.negative_information",
        update_frequency="列入、移出时及时报送",
    ),
    ItemSeed(
        code="court-enforcement",
        name="失信被执行人",
        category="judicial",
        conduct="人民法院依法纳入失信被执行人名单的被执行人及其具体失信情形。",
        subject_kinds=ALL_KINDS,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《中华人民共和国民事诉讼法》；《最高人民法院关于公布失信被执行人名单信息的若干规定》"
            f"（法释〔2017〕7号）；《承德市社会信用促进条例》第十四条、第十八条；{NATIONAL_CATALOG}"
        ),
        fields=COURT_ENFORCEMENT_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        # The court decides how long a name stays on its list (法释〔2017〕7号): not a rule of this platform.
        publication_note="公示期限由人民法院依法决定；人民法院删除名单信息后停止公示。",
        retention_parameter="retention.negative_information",
        update_frequency="人民法院纳入、删除名单时及时报送",
    ),
    ItemSeed(
        code="credit-commitment",
        name="信用承诺",
        category="commitment",
        conduct="信用主体在行政管理和公共服务中作出的信用承诺及其履行情况；违背承诺的，形成失信记录。",
        subject_kinds=ALL_KINDS,
        disclosure_class=DisclosureClass.PUBLIC,
        legal_basis=(
            "《承德市社会信用促进条例》第二十条（鼓励经营主体以信用承诺等形式提供自身信用信息）；《国务院办公厅"
            "关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）；"
            f"{NATIONAL_CATALOG}"
        ),
        fields=COMMITMENT_FIELDS,
        sharing_scope="全国信用信息共享平台及各级政务部门",
        publication_note="按每条承诺的“公开类型”公开：社会公开的向社会公开，特定范围的仅政务共享，不公开的不公示。",
        update_frequency="作出承诺、认定履行情况时及时报送",
        rules=(ItemRule.DISCLOSURE_PER_RECORD,),
    ),
)

CITY_ITEMS: tuple[ItemSeed, ...] = (
    ItemSeed(
        code="government-arrears",
        name="机关、事业单位违约拖欠经营主体账款",
        category="contract",
        conduct="本市机关、事业单位不履行依法订立的合同、违约拖欠经营主体货物、工程、服务等款项的认定结果。",
        subject_kinds=GOVERNMENT,
        disclosure_class=DisclosureClass.SHARED,
        legal_basis="《承德市社会信用促进条例》第九条、第十条、第十一条",
        fields=GOVERNMENT_ARREARS_FIELDS,
        sharing_scope="市、县（市、区）人民政府及其部门",
        retention_parameter="retention.negative_information",
        update_frequency="认定后及时报送",
    ),
)

NATIONAL_VERSION = {
    "title": "全国公共信用信息基础目录（2024年版）",
    "legal_basis": f"《承德市社会信用促进条例》第十八条；{NATIONAL_CATALOG}",
    "notes": "平台依全国基础目录整理的采集事项；“双公示”字段依国家数据标准。其余事项陆续补充。",
    # The platform applies the national catalog from the day the Chengde regulation took effect.
    "effective_from": dt.date(2024, 5, 1),
}
CITY_VERSION = {
    "title": "承德市公共信用信息补充目录",
    "legal_basis": "《承德市社会信用促进条例》第十八条",
    "notes": "草案：本市补充事项，发布前须经市社会信用主管部门会同有关部门审定（条例第十八条）。",
}


@dataclass
class SeedResult:
    categories_created: list[str] = field(default_factory=list)
    categories_updated: list[str] = field(default_factory=list)
    versions_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.categories_created or self.categories_updated or self.versions_created)


def _save_items(version: CatalogVersion, items: tuple[ItemSeed, ...], actor) -> None:
    for seed in items:
        catalog_item_save(
            version=version,
            code=seed.code,
            name=seed.name,
            category=seed.category,
            fields=seed.fields,
            actor=actor,
            conduct=seed.conduct,
            subject_kinds=seed.subject_kinds,
            disclosure_class=seed.disclosure_class,
            sharing_scope=seed.sharing_scope,
            publication_period_parameter=seed.publication_period_parameter,
            publication_note=seed.publication_note,
            retention_parameter=seed.retention_parameter,
            update_frequency=seed.update_frequency,
            submission_deadline_parameter=seed.submission_deadline_parameter,
            legal_basis=seed.legal_basis,
            is_market_information=seed.is_market_information,
            rules=seed.rules,
        )


def _seed_categories(actor, result: SeedResult) -> None:
    changes = []
    for order, seed in enumerate(CATEGORIES, start=1):
        wanted = {"name": seed.name, "kind": seed.kind, "order": order}
        category = Category.objects.filter(code=seed.code).first()
        if category is None:
            category = Category.objects.create(code=seed.code, **wanted)
            changes.append(Change("catalog.category", str(category.pk), "create", None, {"code": seed.code, **wanted}))
            result.categories_created.append(seed.code)
            continue
        before = {"name": category.name, "kind": category.kind, "order": category.order}
        if before != wanted:
            for key, value in wanted.items():
                setattr(category, key, value)
            category.save()
            changes.append(Change("catalog.category", str(category.pk), "update", {"code": seed.code, **before},
                                  {"code": seed.code, **wanted}))
            result.categories_updated.append(seed.code)
    if changes:
        audit_record(
            AuditEventType.CATALOG_SEEDED,
            actor=actor,
            target_label="公共信用信息目录类别",
            articles=["Art 18"],
            details={"created": result.categories_created, "updated": result.categories_updated},
            changes=changes,
        )


def catalog_seed(*, actor=None) -> SeedResult:
    """Create what a fresh platform's catalog needs and is missing (idempotent; see the module docstring)."""
    result = SeedResult()
    with transaction.atomic():
        _seed_categories(actor, result)
        if not CatalogVersion.objects.filter(tier=CatalogTier.NATIONAL).exists():
            national = catalog_version_create_draft(
                tier=CatalogTier.NATIONAL,
                title=NATIONAL_VERSION["title"],
                legal_basis=NATIONAL_VERSION["legal_basis"],
                notes=NATIONAL_VERSION["notes"],
                actor=actor,
            )
            _save_items(national, NATIONAL_ITEMS, actor)
            catalog_version_publish(version=national, actor=actor, effective_from=NATIONAL_VERSION["effective_from"])
            result.versions_created.append(f"{CatalogTier.NATIONAL} v{national.number} (published)")
        if not CatalogVersion.objects.filter(tier=CatalogTier.CITY).exists():
            city = catalog_version_create_draft(
                tier=CatalogTier.CITY,
                title=CITY_VERSION["title"],
                legal_basis=CITY_VERSION["legal_basis"],
                notes=CITY_VERSION["notes"],
                actor=actor,
            )
            _save_items(city, CITY_ITEMS, actor)
            result.versions_created.append(f"{CatalogTier.CITY} v{city.number} (draft)")
    return result
