"""The measures a fresh platform publishes (Art 22–26), each with the text it rests on.

Punishments rest on law, regulation or national rules only (Art 24); the regulation's own catalogue of
measures (Art 23, 25, 26) is a local regulation and counts. Missing measures are created by code; existing
ones are never changed by the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.lists.models import ListDefinition
from xinyong.measures.choices import BasisLevel, MeasureKind, Scenario
from xinyong.measures.models import Measure

REGULATION = "《承德市社会信用促进条例》"
S = Scenario


@dataclass(frozen=True)
class MeasureSeed:
    code: str
    kind: MeasureKind
    name: str
    content: str
    basis_level: BasisLevel
    legal_basis: str
    implementing_bodies_note: str
    scenarios: tuple[Scenario, ...]
    lists: tuple[str, ...]
    proportionality_notes: str = ""


MEASURES: tuple[MeasureSeed, ...] = (
    MeasureSeed(
        "procurement-exclusion", MeasureKind.PUNISHMENT, "限制参与政府采购活动",
        "供应商被列入严重失信主体名单或者失信被执行人名单的，采购人、采购代理机构在资格审查中拒绝其参与本次政府"
        "采购活动。",
        BasisLevel.LAW,
        "《中华人民共和国政府采购法》第二十二条第一款第五项；《财政部关于在政府采购活动中查询及使用信用记录有关"
        "问题的通知》（财库〔2016〕125号）",
        "采购人、采购代理机构，各级财政部门",
        (S.PROCUREMENT,), ("serious-dishonesty", "court-enforcement"),
        "仅用于本次采购活动的供应商资格审查，以采购文件载明的信用记录查询时点为准；不延伸至其他采购活动。",
    ),
    MeasureSeed(
        "bidding-restriction", MeasureKind.PUNISHMENT, "限制参加依法必须进行招标项目的投标",
        "失信被执行人参加依法必须进行招标的工程建设和政府采购项目投标的，招标人在资格审查、评标环节依法予以限制。",
        BasisLevel.NATIONAL_DOCUMENT,
        "《最高人民法院 国家发展和改革委员会等关于在招标投标活动中对失信被执行人实施联合惩戒的通知》"
        "（法〔2016〕285号）",
        "招标人、招标代理机构，各级招标投标行政监督部门",
        (S.BIDDING,), ("court-enforcement",),
        "限于依法必须进行招标的项目；被执行人履行义务、人民法院删除失信信息后即解除。",
    ),
    MeasureSeed(
        "public-resource-credit-deduction", MeasureKind.PUNISHMENT, "公共资源交易中信用减分",
        "在公共资源交易评标、评审中，按照交易文件载明的信用评价标准对失信主体予以信用减分。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十五条第一款第四项",
        "承德市公共资源交易中心，各级公共资源交易监督管理部门",
        (S.BIDDING, S.PROCUREMENT), ("serious-dishonesty", "key-supervision"),
        "减分幅度以交易文件事先公布的信用评价标准为限，不得另行加重（条例第二十四条）。",
    ),
    MeasureSeed(
        "subsidy-restriction", MeasureKind.PUNISHMENT, "限制享受政府性资金安排等政策扶持",
        "在财政性资金项目安排、政府补贴和政策扶持申报审核中，对失信主体依法予以限制。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十五条第一款第一项；《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的"
        "指导意见》（国办发〔2020〕49号）",
        "各级财政部门及政策扶持资金主管部门",
        (S.SUBSIDIES,), ("serious-dishonesty", "court-enforcement"),
        "限于列入期间新申报的资金和扶持项目，已依法拨付的资金不因列入而追回。",
    ),
    MeasureSeed(
        "honor-restriction", MeasureKind.PUNISHMENT, "限制参加政府组织的表彰奖励活动",
        "失信主体在列入期间不得参加政府组织的表彰奖励和荣誉评选活动。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十五条第一款第五项",
        "组织表彰奖励活动的各级行政机关",
        (S.HONORS,), ("serious-dishonesty", "court-enforcement", "key-supervision"),
    ),
    MeasureSeed(
        "inspection-frequency", MeasureKind.PUNISHMENT, "列为重点监管对象，增加检查频次，加强现场核查",
        "在“双随机、一公开”抽查和日常监管中提高对失信主体的抽查比例和检查频次，加强现场核查。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十五条第一款第三项、第二十七条",
        "各级行业主管部门和市场监管部门",
        (S.INSPECTIONS,), ("key-supervision", "serious-dishonesty"),
        "检查频次按信用风险分类的抽查比例确定，不得影响经营主体正常生产经营。",
    ),
    MeasureSeed(
        "facilitation-withdrawal", MeasureKind.PUNISHMENT, "在行政管理中取消已享受的便利化措施",
        "失信主体不适用告知承诺制、容缺受理等便利化措施，已享受的依法取消。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十五条第一款第二项",
        "各级行政审批部门和有关行政机关",
        (S.LICENSING,), ("serious-dishonesty", "court-enforcement"),
        "只取消便利化措施，不得据此拒绝受理依法应当受理的申请。",
    ),
    MeasureSeed(
        "financing-restriction", MeasureKind.PUNISHMENT, "按照国家有关规定审慎授信、限制提供贷款等服务",
        "金融机构按照国家有关规定对失信主体提高贷款利率和财产保险费率，或者限制向其提供贷款、保荐、承销、"
        "保险等服务。",
        BasisLevel.NATIONAL_DOCUMENT,
        f"{REGULATION}第二十六条第二款；《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）",
        "在承德市开展业务的金融机构（信易贷平台）",
        (S.FINANCING,), ("court-enforcement", "serious-dishonesty"),
        "由金融机构依据国家有关规定自主决定，平台只提示名单信息。",
    ),
    MeasureSeed(
        "priority-selection", MeasureKind.REWARD, "同等条件下列为优先选择对象",
        "在政府采购、招标投标、财政性资金项目安排、公共资源配置、荣誉评选等活动中，同等条件下列为优先选择对象。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十三条第一项",
        "有关行政机关和公共资源配置单位",
        (S.PROCUREMENT, S.BIDDING, S.SUBSIDIES, S.HONORS), ("honor",),
        "只在同等条件下适用，不得降低法定资格条件。",
    ),
    MeasureSeed(
        "fast-track-licensing", MeasureKind.REWARD, "行政审批“绿色通道”和“容缺受理”等便利服务",
        "对守信激励对象实施“绿色通道”“容缺受理”等便利服务措施。",
        BasisLevel.NATIONAL_DOCUMENT,
        "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）；"
        f"{REGULATION}第二十三条第五项",
        "各级行政审批部门",
        (S.LICENSING,), ("honor",),
    ),
    MeasureSeed(
        "reduced-inspections", MeasureKind.REWARD, "日常监管中合理降低抽查比例和频次",
        "在日常监管中对守信激励对象合理降低抽查比例和频次。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十三条第二项",
        "各级行业主管部门和市场监管部门",
        (S.INSPECTIONS,), ("honor",),
        "投诉举报、上级交办和专项检查不在此限。",
    ),
    MeasureSeed(
        "credit-financing-preference", MeasureKind.REWARD, "融资授信中给予优惠或者便利",
        "鼓励金融机构在融资授信、利率费率、还款方式等方面对守信主体给予优惠或者便利（信易贷）。",
        BasisLevel.LOCAL_REGULATION,
        f"{REGULATION}第二十六条第二款",
        "在承德市开展业务的金融机构（信易贷平台）",
        (S.FINANCING,), ("honor",),
    ),
)


@dataclass
class MeasuresSeedResult:
    created: list[str] = field(default_factory=list)


def measure_snapshot(measure: Measure) -> dict:
    return {
        "code": measure.code, "kind": measure.kind, "name": measure.name, "basis_level": measure.basis_level,
        "legal_basis": measure.legal_basis, "scenarios": list(measure.scenarios),
        "triggering_lists": sorted(measure.triggering_lists.values_list("code", flat=True)) if measure.pk else [],
        "applies_to_related_persons": measure.applies_to_related_persons, "is_active": measure.is_active,
    }


def measures_seed(*, actor=None) -> MeasuresSeedResult:
    """Create the seeded measures that are missing (idempotent), linked to the lists that trigger them."""
    result = MeasuresSeedResult()
    with transaction.atomic():
        existing = set(Measure.objects.values_list("code", flat=True))
        lists = {d.code: d for d in ListDefinition.objects.all()}
        changes = []
        for order, seed in enumerate(MEASURES, start=1):
            if seed.code in existing:
                continue
            measure = Measure.objects.create(
                code=seed.code, kind=seed.kind, name=seed.name, content=seed.content, basis_level=seed.basis_level,
                legal_basis=seed.legal_basis, implementing_bodies_note=seed.implementing_bodies_note,
                scenarios=[str(s) for s in seed.scenarios], proportionality_notes=seed.proportionality_notes,
                order=order,
            )
            measure.triggering_lists.set([lists[c] for c in seed.lists if c in lists])
            changes.append(Change("measures.measure", str(measure.pk), "create", None, measure_snapshot(measure)))
            result.created.append(seed.code)
        if changes:
            audit_record(
                AuditEventType.MEASURES_SEEDED, actor=actor, target_label="联合奖惩措施清单",
                articles=["Art 22", "Art 23", "Art 24", "Art 25", "Art 26"],
                details={"created": result.created}, changes=changes,
            )
    return result
