"""Loading the demo: divisions, organizations, staff logins and bulk synthetic subjects.

Organizations and accounts go through the ordinary services (each audited). Subjects are bulk inserted in
batches for speed, each batch in one transaction with one audit record (Art 19 persons by ID number,
Art 20 organizations by USCC, Art 24 related persons).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import queue
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.db import reset_queries, transaction
from django.utils import timezone

from xinyong.accounts.choices import OrganizationKind, Role
from xinyong.accounts.models import Division, Organization
from xinyong.accounts.services import (
    api_client_create,
    divisions_load_chengde,
    organization_add,
    staff_create,
)
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import audit_record
from xinyong.core.identifiers import make_uscc, validate
from xinyong.core.masking import mask_identifier, mask_name
from xinyong.demo.generator import DemoSubject, chengde_counties, current_county_codes, generate_subjects
from xinyong.subjects.choices import RelationRole, SubjectKind
from xinyong.subjects.models import Subject, SubjectAccount, SubjectName, SubjectRelation
from xinyong.subjects.services import subject_account_create

CITY = "130800"
DEMO_SOURCE = "demo"
DEFAULT_BATCH_SIZE = 5000

# ASCII handles for usernames (readable logins such as `shuangqiao.case`).
COUNTY_HANDLES = {
    "130802": "shuangqiao",
    "130803": "shuangluan",
    "130804": "yingshouyingzi",
    "130821": "chengdexian",
    "130822": "xinglong",
    "130824": "luanping",
    "130825": "longhua",
    "130826": "fengning",
    "130827": "kuancheng",
    "130828": "weichang",
    "130881": "pingquan",
}

# City departments that provide credit information and implement measures (Art 6, 7).
CITY_DEPARTMENTS = (
    ("amr", "承德市市场监督管理局"),
    ("tax", "国家税务总局承德市税务局"),
    ("eco", "承德市生态环境局"),
    ("ems", "承德市应急管理局"),
    ("housing", "承德市住房和城乡建设局"),
    ("hrss", "承德市人力资源和社会保障局"),
    ("transport", "承德市交通运输局"),
    ("health", "承德市卫生健康委员会"),
    ("nrp", "承德市自然资源和规划局"),
    ("culture", "承德市文化广电和旅游局"),
)


@dataclass(frozen=True)
class OrgPlan:
    key: str
    name: str
    kind: OrganizationKind
    division: str
    uscc_type: str  # registration authority + organization type: 11 机关, 91 企业, 51 社会团体
    parent: str | None = None


def organization_plan() -> list[OrgPlan]:
    """Every demo organization, in creation order (parents first)."""
    counties = chengde_counties()
    plan = [OrgPlan("authority", "承德市行政审批局", OrganizationKind.AUTHORITY, CITY, "11")]
    plan += [OrgPlan(key, name, OrganizationKind.DEPARTMENT, CITY, "11") for key, name in CITY_DEPARTMENTS]
    plan += [
        OrgPlan("court", "承德市中级人民法院", OrganizationKind.COURT, CITY, "11"),
        OrgPlan("procuratorate", "承德市人民检察院", OrganizationKind.PROCURATORATE, CITY, "11"),
        OrgPlan("bank", "承德银行股份有限公司", OrganizationKind.BANK, CITY, "91"),
        OrgPlan("icbc", "中国工商银行股份有限公司承德分行", OrganizationKind.BANK, CITY, "91"),
        OrgPlan("agency", "承德诚信信用管理有限公司", OrganizationKind.AGENCY, CITY, "91"),
        OrgPlan("association", "承德市个体劳动者协会", OrganizationKind.ASSOCIATION, CITY, "51"),
    ]
    for code in current_county_codes():
        handle, county = COUNTY_HANDLES[code], counties[code]
        plan += [
            OrgPlan(handle, f"{county.name}行政审批局", OrganizationKind.AUTHORITY, code, "11", "authority"),
            OrgPlan(
                f"{handle}.amr",
                f"{county.name}市场监督管理局",
                OrganizationKind.DEPARTMENT,
                code,
                "11",
                "amr",
            ),
        ]
    return plan


def organization_uscc(plan: OrgPlan, position: int) -> str:
    """A fixed, valid USCC for a demo organization (Art 20). 7654321 is odd and not a multiple of 5, so it is
    invertible modulo 10^8 and distinct positions give distinct organization codes."""
    body = f"{(position * 7_654_321 + 1_234_567) % 10**8:08d}"
    return make_uscc(plan.uscc_type[0], plan.uscc_type[1], plan.division, body)


def authority_uscc() -> str:
    return organization_uscc(organization_plan()[0], 0)


def demo_loaded() -> bool:
    """The demo's organizations exist already (the city authority is created first)."""
    return Organization.objects.filter(uscc=authority_uscc()).exists()


def organizations_create() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for position, plan in enumerate(organization_plan()):
        orgs[plan.key] = organization_add(
            uscc=organization_uscc(plan, position),
            name=plan.name,
            kind=plan.kind,
            division_code=plan.division,
            parent=orgs[plan.parent] if plan.parent else None,
        ).organization
    return orgs


@dataclass(frozen=True)
class Login:
    """A generated credential, shown once to the operator."""

    username: str
    secret: str
    organization: str
    roles: str
    kind: str  # staff, api, subject


def _staff_plan() -> list[tuple[str, str, set[Role], str]]:
    """(username, organization key, roles, display name). The three administrators (三员) are separate
    accounts holding one role each (security requirement 6)."""
    plan = [
        ("authority.sysadmin", "authority", {Role.SYSTEM_ADMIN}, "系统管理员"),
        ("authority.secadmin", "authority", {Role.SECURITY_ADMIN}, "安全管理员"),
        ("authority.auditadmin", "authority", {Role.AUDIT_ADMIN}, "审计管理员"),
        ("authority.catalog", "authority", {Role.CATALOG_MANAGER}, "目录管理员"),
        ("authority.case", "authority", {Role.CASE_HANDLER}, "业务办理员"),
        ("authority.supervisor", "authority", {Role.SUPERVISOR}, "监督员"),
        ("authority.analyst", "authority", {Role.ANALYST}, "分析员"),
    ]
    for key, _name in CITY_DEPARTMENTS:
        plan += [
            (f"{key}.submitter", key, {Role.DATA_SUBMITTER}, "信息报送员"),
            (f"{key}.implementer", key, {Role.MEASURE_IMPLEMENTER}, "措施实施员"),
        ]
    plan.append(("shuangqiao.case", "shuangqiao", {Role.CASE_HANDLER}, "业务办理员"))
    return plan


def accounts_create(orgs: dict[str, Organization]) -> list[Login]:
    """Staff accounts with generated passwords (no defaults) and the bank's API client."""
    logins = []
    for username, key, roles, display in _staff_plan():
        account = staff_create(username=username, organization=orgs[key], roles=roles, display_name=display)
        logins.append(Login(username, account.password, orgs[key].name, ",".join(sorted(roles)), "staff"))
    issued = api_client_create(
        username="bank.api",
        organization=orgs["bank"],
        roles={Role.ANALYST},
        token_name="demo",  # noqa: S106 - a label, not a secret
    )
    logins.append(Login("bank.api", issued.secret, orgs["bank"].name, Role.ANALYST.value, "api"))
    return logins


def subject_accounts_create() -> list[Login]:
    """Portal accounts for one citizen and one company among the demo subjects."""
    logins = []
    for username, kind in (
        ("portal.citizen", SubjectKind.NATURAL_PERSON),
        ("portal.company", SubjectKind.LEGAL_PERSON),
    ):
        subject = Subject.objects.filter(kind=kind).order_by("id").first()
        if subject is None:
            continue
        account = subject_account_create(subject=subject, username=username)
        label = mask_name(subject.name) if subject.is_person else subject.name
        logins.append(Login(username, account.password, label, "subject portal", "subject"))
    return logins


def demo_records_create() -> int:
    """Two penalties of the market regulator for the demo company (`portal.company`), filed through the real
    ingestion pipeline, so that its portal shows records it may object to (Art 28) or, for the older one,
    apply to repair (Art 31: its minimum publication period has passed). Returns the records accepted."""
    import csv
    import io

    from xinyong.ingestion.pipeline import ingest_file

    link = SubjectAccount.objects.select_related("subject").filter(user__username="portal.company").first()
    provider = Organization.objects.filter(name=dict(CITY_DEPARTMENTS)["amr"]).first()
    if link is None or provider is None:
        return 0
    company = link.subject
    today = timezone.localdate()
    rows = []
    for number, (decided, fact, content, amount) in enumerate((
        (today - dt.timedelta(days=200), "销售不符合保障人体健康标准的产品", "罚款人民币二万元", "2"),
        (today - dt.timedelta(days=20), "未按规定公示年度报告", "警告", ""),
    ), start=1):
        rows.append({
            "行政相对人名称": company.name, "行政相对人类别": "法人及非法人组织", "统一社会信用代码": company.identifier,
            "法定代表人": "", "行政处罚决定书文号": f"承市监罚〔{decided.year}〕{100 + number}号",
            "违法行为类型": "违反产品质量法", "违法事实": fact, "处罚依据": "《中华人民共和国产品质量法》第四十九条",
            "处罚类别": "罚款" if amount else "警告", "处罚内容": content, "罚款金额（万元）": amount,
            "处罚决定日期": decided.isoformat(), "处罚有效期": (decided + dt.timedelta(days=365)).isoformat(),
            "处罚机关": provider.name, "处罚机关统一社会信用代码": provider.uscc,
            "数据来源单位": provider.name, "数据来源单位统一社会信用代码": provider.uscc, "备注": "",
        })
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    result = ingest_file(path_or_stream=io.BytesIO(stream.getvalue().encode("utf-8")), item_code="admin-penalty",
                         provider=provider, file_name="demo-penalties.csv")
    return result.accepted


# --- subjects ---------------------------------------------------------------------------------------------


@dataclass
class LoadStats:
    subjects: int = 0
    relations: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.subjects / self.seconds if self.seconds else 0.0


class InvalidDemoIdentifierError(RuntimeError):
    """A generated identifier failed validation: a bug in the generator, never data to store."""


# A generated subject ready for insertion: the spec, its validated (normalized) identifier and its masked form.
Prepared = tuple[DemoSubject, str, str]


def _prepare(spec: DemoSubject) -> Prepared:
    # What subject_prepare does, without its per-row division query: validate once, then mask.
    result = validate(spec.identifier_type, spec.identifier)
    if not result.ok:
        raise InvalidDemoIdentifierError(f"generated {spec.identifier_type} #{spec.index} is invalid")
    return spec, result.value, mask_identifier(spec.identifier_type, result.value)


def prepared_batches(total: int, seed: int, batch_size: int) -> Iterator[list[Prepared]]:
    """The generated subjects, validated and masked, in batches (the same for any batch size)."""
    specs = generate_subjects(total, seed)
    while batch := list(islice(specs, batch_size)):
        yield [_prepare(spec) for spec in batch]


def _produce(channel, total: int, seed: int, batch_size: int) -> None:
    try:
        for batch in prepared_batches(total, seed, batch_size):
            channel.put(("batch", batch))
    except Exception as exc:
        channel.put(("error", f"{type(exc).__name__}: {exc}"))
    else:
        channel.put(("done", None))


def _worker_batches(total: int, seed: int, batch_size: int) -> Iterator[list[Prepared]]:
    """`prepared_batches` computed in a forked process, so generating, validating and masking (about a
    quarter of the work per row) overlap with sealing and inserting in this one. A single producer keeps the
    order, so the output is the same as without it."""
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=3)  # a few batches ahead at most: bounded memory
    worker = context.Process(target=_produce, args=(channel, total, seed, batch_size), daemon=True)
    worker.start()
    try:
        while True:
            try:
                tag, payload = channel.get(timeout=1)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError("the demo generator process ended unexpectedly") from None
                continue
            if tag == "done":
                return
            if tag == "error":
                raise InvalidDemoIdentifierError(payload)
            yield payload
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _subject_row(prepared: Prepared, division_ids: dict[str, int]) -> Subject:
    spec, identifier, masked = prepared
    return Subject(
        kind=spec.kind,
        identifier_type=spec.identifier_type,
        identifier=identifier,
        identifier_masked=masked,
        name=" ".join(spec.name.split()),
        division_id=division_ids[spec.division_code],
    )


def subjects_load(
    total: int,
    *,
    seed: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    parallel: bool | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> LoadStats:
    """Bulk insert `total` generated subjects with their name history and legal representatives.

    Each batch commits with one DEMO_DATA_LOADED audit record (Art 19, 20; Art 24 for the relations).
    `parallel` (default: when there are several batches and CPUs, and fork is available) prepares the
    batches in a second process.
    """
    if parallel is None:
        parallel = (
            total > batch_size
            and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods()
        )
    batches = (_worker_batches if parallel else prepared_batches)(total, seed, batch_size)
    division_ids = dict(Division.objects.values_list("code", "id"))
    person_pks = array("q")  # person ordinal -> primary key, to link legal representatives (Art 24)
    stats = LoadStats()
    started = time.perf_counter()
    with closing(batches):  # on an error, stop the generator process too
        for batch in batches:
            stats.relations += _insert_batch(batch, division_ids, person_pks, stats, seed)
            # With DEBUG on, Django keeps the last 9,000 statements; bulk inserts make them large (~20 kB).
            reset_queries()
            stats.seconds = time.perf_counter() - started
            if progress is not None:
                progress(stats.subjects, total, stats.rate)
    stats.seconds = time.perf_counter() - started
    return stats


def _insert_batch(
    batch: list[Prepared], division_ids: dict[str, int], person_pks: array, stats: LoadStats, seed: int
) -> int:
    """One batch in one transaction with one audit record; returns the number of relations added."""
    rows = [_subject_row(prepared, division_ids) for prepared in batch]
    with transaction.atomic():
        Subject.objects.bulk_create(rows)
        names = []
        for (spec, _identifier, _masked), row in zip(batch, rows, strict=True):
            names.append(
                SubjectName(subject_id=row.pk, name=row.name, valid_from=spec.since, source=DEMO_SOURCE)
            )
            if spec.person_ordinal is not None:
                person_pks.append(row.pk)
        SubjectName.objects.bulk_create(names)
        relations = [
            SubjectRelation(
                organization_id=row.pk,
                person_id=person_pks[spec.representative],
                role=RelationRole.LEGAL_REPRESENTATIVE,
                valid_from=spec.since,
                source=DEMO_SOURCE,
            )
            for (spec, _identifier, _masked), row in zip(batch, rows, strict=True)
            if spec.representative is not None
        ]
        SubjectRelation.objects.bulk_create(relations)
        stats.batches += 1
        audit_record(
            AuditEventType.DEMO_DATA_LOADED,
            target_label="演示信用主体",
            articles=["Art 19", "Art 20"] + (["Art 24"] if relations else []),
            details={
                "batch": stats.batches,
                "count": len(rows),
                "first_id": rows[0].pk,
                "last_id": rows[-1].pk,
                "relations": len(relations),
                "seed": seed,
                "source": DEMO_SOURCE,
            },
        )
    stats.subjects += len(rows)
    return len(relations)


# --- the whole demo -------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    loaded: bool  # False when the demo was already there and nothing was done
    logins: list[Login]
    stats: LoadStats | None = None
    divisions_added: int = 0


def demo_load(
    *,
    subjects: int,
    seed: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int, int, float], None] | None = None,
    parallel: bool | None = None,
    on_accounts: Callable[[list[Login]], None] | None = None,
) -> DemoResult:
    """Load the whole demo once; a second call on the same database does nothing and says so.

    `on_accounts` receives the staff logins as soon as they exist, before the long subject load, so that a
    failure there cannot lose passwords that are shown only once.
    """
    if demo_loaded():
        return DemoResult(loaded=False, logins=[])
    # Organizations and staff in one transaction: a half-made set would mark the demo as loaded.
    with transaction.atomic():
        divisions_added = divisions_load_chengde()
        logins = accounts_create(organizations_create())
    if on_accounts is not None:
        on_accounts(logins)
    stats = subjects_load(subjects, seed=seed, batch_size=batch_size, parallel=parallel, progress=progress)
    logins += subject_accounts_create()
    demo_records_create()
    return DemoResult(loaded=True, logins=logins, stats=stats, divisions_added=divisions_added)


def logins_table(logins: list[Login]) -> str:
    """A plain-text table of the generated logins (usernames, passwords or tokens, organizations, roles)."""
    header = ("username", "password / token", "organization", "roles")
    rows = [header] + [(login.username, login.secret, login.organization, login.roles) for login in logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def logins_write(path: str | os.PathLike[str], logins: list[Login]) -> Path:
    """Write the logins table to `path`, readable by the owner only (0600) from the moment it exists."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on O_CREAT: set it explicitly
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"# Xinyong demo logins, generated {dt.datetime.now():%Y-%m-%d %H:%M}\n")
        handle.write(logins_table(logins))
    return target
