"""The lists a fresh platform publishes (Art 22): one of each kind, with its legal basis and exit conditions.

The seed creates a missing list by code and never changes an existing one: once on the platform, a list is
the authority's to edit. Legal bases name the documents as issued; where a paragraph could not be checked
against the official text the basis names the document without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.lists.choices import ListKind
from xinyong.lists.models import ListDefinition

AUTHORITY = "承德市行政审批局（市社会信用主管部门）"


@dataclass(frozen=True)
class ListSeed:
    code: str
    kind: ListKind
    name: str
    legal_basis: str
    inclusion_criteria: str
    responsible_body_name: str
    exit_conditions: str
    duration_parameter: str  # empty where the court decides each term
    requires_prior_notice: bool
    records_related_persons: bool


LISTS: tuple[ListSeed, ...] = (
    ListSeed(
        code="honor",
        kind=ListKind.HONOR,
        name="守信激励对象名单（红名单）",
        legal_basis=(
            "《承德市社会信用促进条例》第二十二条、第二十三条；《国务院关于建立完善守信联合激励和失信联合惩戒"
            "制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
        ),
        inclusion_criteria=(
            "获得县级以上人民政府及其部门依法授予的诚实守信相关荣誉（如纳税信用A级纳税人、守合同重信用企业、"
            "诚信示范单位等），且近三年内无严重失信行为、无未移出的失信名单记录，经授予荣誉的部门认定后列入。"
        ),
        responsible_body_name=f"{AUTHORITY}会同授予荣誉的部门",
        exit_conditions=(
            "有效期届满自动移出；有效期内被列入失信名单、因违法行为受到情节严重的行政处罚或者荣誉被依法撤销的，"
            "由认定部门移出。移出情况在本平台公布。"
        ),
        duration_parameter="lists.honor_duration",
        requires_prior_notice=False,
        records_related_persons=False,
    ),
    ListSeed(
        code="serious-dishonesty",
        kind=ListKind.SERIOUS_DISHONESTY,
        name="严重失信主体名单（黑名单）",
        legal_basis=(
            "《承德市社会信用促进条例》第二十二条、第二十四条；《国务院办公厅关于进一步完善失信约束制度构建诚信"
            "建设长效机制的指导意见》（国办发〔2020〕49号）；法律、行政法规和国家有关规定确定的严重失信主体名单"
            "认定标准"
        ),
        inclusion_criteria=(
            "经有关部门依照法律、法规和国家有关规定认定，严重危害人民群众身体健康和生命安全、严重破坏市场公平"
            "竞争秩序和社会正常秩序、拒不履行法定义务严重影响司法机关和行政机关公信力、拒不履行国防义务的信用"
            "主体。列入前书面告知当事人列入的依据、理由、拟采取的惩戒措施、救济途径和移出条件（条例第二十四条）。"
        ),
        responsible_body_name=f"{AUTHORITY}会同认定部门",
        exit_conditions=(
            "列入期限届满自动移出；在期限内依法纠正失信行为、消除不良影响并经信用修复的，提前移出，不再作为联合"
            "惩戒对象（条例第三十一条）；认定依据被撤销或者认定错误的，撤销列入。移出情况在本平台公布。"
        ),
        duration_parameter="lists.serious_dishonesty_duration",
        requires_prior_notice=True,
        records_related_persons=True,
    ),
    ListSeed(
        code="key-supervision",
        kind=ListKind.KEY_SUPERVISION,
        name="重点监管对象名单",
        legal_basis=(
            "《承德市社会信用促进条例》第二十五条第一款第三项、第二十七条；《国务院办公厅关于加快推进社会信用"
            "体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）"
        ),
        inclusion_criteria=(
            "存在失信行为但尚未达到严重失信主体名单认定标准，在一定期限内多次发生同类违法行为、被列入经营异常"
            "名录或者信用风险分类为高风险的经营主体。列入前书面告知当事人（条例第二十四条）。"
        ),
        responsible_body_name=f"{AUTHORITY}会同行业主管部门",
        exit_conditions=(
            "列入期限届满自动移出；纠正失信行为并经信用修复的提前移出（条例第三十一条）；认定错误的撤销列入。"
            "移出情况在本平台公布。"
        ),
        duration_parameter="lists.key_supervision_duration",
        requires_prior_notice=True,
        records_related_persons=False,
    ),
    ListSeed(
        code="court-enforcement",
        kind=ListKind.COURT_ENFORCEMENT,
        name="失信被执行人名单",
        legal_basis=(
            "《最高人民法院关于公布失信被执行人名单信息的若干规定》（法释〔2017〕7号）第一条；《承德市社会信用"
            "促进条例》第十四条第二款、第二十二条"
        ),
        inclusion_criteria=(
            "被执行人未履行生效法律文书确定的义务，并有履行能力而拒不履行、妨碍或者抗拒执行、规避执行、违反财产"
            "报告制度、违反限制消费令或者无正当理由拒不履行执行和解协议的，由人民法院依法决定纳入。本平台依据"
            "人民法院的决定记录和公布。"
        ),
        responsible_body_name="人民法院（由人民法院依法决定，本平台记录和公布）",
        exit_conditions=(
            "列入期限由人民法院依法决定（法释〔2017〕7号第二条），本平台按人民法院的决定记录：人民法院决定的期限"
            "（含延长的期限）届满的，期满移出；人民法院决定删除失信信息（已履行、执行完毕、决定被撤销等，法释"
            "〔2017〕7号第十条）的，移出；人民法院未确定期限的（有履行能力而拒不履行），至人民法院决定删除时移出。"
            "移出情况在本平台公布。"
        ),
        # The court decides each entry's term: no duration rule of the platform (ListDefinition.term_set_by_court).
        duration_parameter="",
        requires_prior_notice=False,
        records_related_persons=True,
    ),
)


@dataclass
class ListsSeedResult:
    created: list[str] = field(default_factory=list)


def _snapshot(definition: ListDefinition) -> dict:
    return {
        "code": definition.code, "kind": definition.kind, "name": definition.name,
        "legal_basis": definition.legal_basis, "duration_parameter": definition.duration_parameter,
        "requires_prior_notice": definition.requires_prior_notice,
        "records_related_persons": definition.records_related_persons,
    }


def lists_seed(*, actor=None) -> ListsSeedResult:
    """Create the seeded lists that are missing (idempotent); one audit record for what was created (Art 22)."""
    result = ListsSeedResult()
    with transaction.atomic():
        existing = set(ListDefinition.objects.values_list("code", flat=True))
        changes = []
        for order, seed in enumerate(LISTS, start=1):
            if seed.code in existing:
                continue
            definition = ListDefinition.objects.create(
                code=seed.code, kind=seed.kind, name=seed.name, legal_basis=seed.legal_basis,
                inclusion_criteria=seed.inclusion_criteria, responsible_body_name=seed.responsible_body_name,
                exit_conditions=seed.exit_conditions, duration_parameter=seed.duration_parameter,
                requires_prior_notice=seed.requires_prior_notice,
                records_related_persons=seed.records_related_persons, order=order,
            )
            changes.append(Change("lists.listdefinition", str(definition.pk), "create", None, _snapshot(definition)))
            result.created.append(seed.code)
        if changes:
            audit_record(
                AuditEventType.LISTS_SEEDED, actor=actor, target_label="守信和失信名单", articles=["Art 22"],
                details={"created": result.created}, changes=changes,
            )
    return result
