"""Writing the catalog (目录制, Art 18), with the prohibited-data screen on every field (Art 19).

A tier's catalog changes only through a draft version: `catalog_version_create_draft` copies the published
version, `catalog_item_save` / `catalog_item_remove` edit the draft, `catalog_version_publish` checks it and
makes it the tier's published version, superseding the old one. A published or superseded version is never
changed again, so credit records filed under one of its items keep the item exactly as it was (pinning).

Each service runs in one transaction and writes its audit record inside it:

| service                       | audit event                 | articles          |
|-------------------------------|-----------------------------|-------------------|
| catalog_version_create_draft  | CATALOG_VERSION_CREATED 4001 | Art 18           |
| catalog_item_save             | CATALOG_ITEM_CHANGED 4002    | Art 18, Art 19   |
| catalog_version_publish       | CATALOG_VERSION_PUBLISHED 4003 | Art 18, Art 19 |
| catalog_item_remove           | CATALOG_ITEM_REMOVED 4004    | Art 18           |

An item refused for a prohibited field also leaves a denied PROHIBITED_DATA_REFUSED (4010, Art 19) event:
an attempt to collect what the law forbids is worth knowing about even though nothing was written.

Services do not check permissions: the console checks `Permission.MANAGE_CATALOG` before calling them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record, audited_denial
from xinyong.catalog.choices import CatalogTier, DisclosureClass, FieldType, ItemRule, VersionStatus
from xinyong.catalog.models import CatalogItem, CatalogVersion, Category, ItemField
from xinyong.catalog.prohibited import prohibited_match
from xinyong.catalog.text import normalize_header
from xinyong.core.errors import ServiceError, bilingual
from xinyong.regulation.parameters import ParameterError, all_parameters, parameter, rule_version
from xinyong.subjects.choices import SubjectKind

IMPLEMENTS = ("Art 18", "Art 19: catalog_version_problems, catalog_item_save")

ARTICLES_CATALOG = ("Art 18",)
ARTICLES_SCREENED = ("Art 18", "Art 19")

ITEM_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELD_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
PARAMETER_ATTRIBUTES = ("publication_period_parameter", "retention_parameter", "submission_deadline_parameter")

_STATUS_ZH = {VersionStatus.DRAFT: "草稿", VersionStatus.PUBLISHED: "已发布", VersionStatus.SUPERSEDED: "已被取代"}


# --- input --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldData:
    """A field of an item as a service takes it (`ItemField` without its item and order)."""

    code: str
    name: str
    field_type: str = FieldType.TEXT
    required: bool = False
    required_for: Sequence[str] = ()  # values of SubjectKind: required only for these subjects
    aliases: Sequence[str] = ()
    masked: bool = False
    max_length: int | None = None
    choices: Sequence[str] = ()

    @classmethod
    def of(cls, item_field: ItemField) -> FieldData:
        return cls(
            code=item_field.code,
            name=item_field.name,
            field_type=item_field.field_type,
            required=item_field.required,
            required_for=tuple(item_field.required_for),
            aliases=tuple(item_field.aliases),
            masked=item_field.masked,
            max_length=item_field.max_length,
            choices=tuple(item_field.choices),
        )

    @classmethod
    def coerce(cls, value: FieldData | Mapping[str, Any]) -> FieldData:
        return value if isinstance(value, FieldData) else cls(**value)


# --- snapshots for the audit log ----------------------------------------------------------------------------


def version_snapshot(version: CatalogVersion) -> dict[str, Any]:
    return {
        "tier": version.tier,
        "number": version.number,
        "title": version.title,
        "status": version.status,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "based_on": version.based_on_id,
        "legal_basis": version.legal_basis,
        "notes": version.notes,
    }


def field_snapshot(item_field: ItemField | FieldData) -> dict[str, Any]:
    return {
        "code": item_field.code,
        "name": item_field.name,
        "field_type": item_field.field_type,
        "required": item_field.required,
        "required_for": list(item_field.required_for),
        "aliases": list(item_field.aliases),
        "masked": item_field.masked,
        "max_length": item_field.max_length,
        "choices": list(item_field.choices),
    }


def item_snapshot(item: CatalogItem) -> dict[str, Any]:
    return {
        "version": item.version_id,
        "code": item.code,
        "name": item.name,
        "category": item.category.code,
        "conduct": item.conduct,
        "subject_kinds": list(item.subject_kinds),
        "disclosure_class": item.disclosure_class,
        "sharing_scope": item.sharing_scope,
        "publication_period_parameter": item.publication_period_parameter,
        "publication_note": item.publication_note,
        "retention_parameter": item.retention_parameter,
        "update_frequency": item.update_frequency,
        "submission_deadline_parameter": item.submission_deadline_parameter,
        "legal_basis": item.legal_basis,
        "is_market_information": item.is_market_information,
        "rules": list(item.rules),
        "providers": sorted(item.providers.values_list("pk", flat=True)),
        "fields": [field_snapshot(f) for f in item.fields.order_by("order", "id")],
    }


# --- errors -------------------------------------------------------------------------------------------------


def _version_label(version: CatalogVersion) -> str:
    return f"{version.title} 第{version.number}版"


def _item_label(item: CatalogItem) -> str:
    return f"{item.name}（{item.code}）"


def version_not_draft(version: CatalogVersion) -> ServiceError:
    status = VersionStatus(version.status)
    return ServiceError(
        "version_not_draft",
        bilingual(
            f"目录版本“{_version_label(version)}”{_STATUS_ZH[status]}，不能再修改。"
            "如需修改，请以已发布的版本为基础新建草稿。",
            f"Catalog version “{version.title}” v{version.number} is {status.value} and can no longer be "
            "changed. Create a new draft from the published version to change it.",
        ),
        field="version",
    )


def _prohibited_error(label: str, kind, field_name: str) -> ServiceError:
    return ServiceError(
        "prohibited_field",
        bilingual(
            f"字段“{label}”属于禁止采集的个人信息（{kind.label}，条例第十九条），不能列入目录。",
            f"The field “{label}” is personal information that must not be collected ({kind.label}, Art 19); "
            "it cannot be part of the catalog.",
        ),
        field=field_name,
    )


# --- checks -------------------------------------------------------------------------------------------------


def _clean_text(value: str | None) -> str:
    """Stripped, otherwise as typed: names keep their full-width brackets (罚款金额（万元）) as the standard has
    them; matching ignores the difference (`normalize_header`)."""
    return (value or "").strip()


def _clean_code(value: str | None) -> str:
    """Codes are ASCII: full-width letters typed by mistake become half-width (NFKC)."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _clean_list(values: Iterable[str] | None) -> list[str]:
    cleaned = []
    for value in values or ():
        text = _clean_text(value)
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


def _screen(fields: Sequence[FieldData]) -> tuple[ServiceError, str, str] | None:
    """The first field that names prohibited data (Art 19): (error, the text that matched, its kind code)."""
    for index, data in enumerate(fields):
        for attribute, texts in (("code", [data.code]), ("name", [data.name]), ("aliases", data.aliases)):
            for text in texts:
                match = prohibited_match(text)
                if match is not None:
                    label = data.name or data.code
                    return _prohibited_error(label, match.kind, f"fields.{index}.{attribute}"), text, match.kind.code
    return None


def _check_fields(raw_fields: Iterable[FieldData | Mapping[str, Any]]) -> list[FieldData]:
    """Clean and check the fields of an item; raises ServiceError naming `fields.<index>.<attribute>`."""
    kinds = {k.value for k in SubjectKind}
    types = {t.value for t in FieldType}
    cleaned: list[FieldData] = []
    seen: dict[str, int] = {}  # normalized code/name/alias -> index of the field that uses it
    for index, raw in enumerate(raw_fields):
        data = FieldData.coerce(raw)
        where = f"fields.{index}"
        code, name = _clean_code(data.code), _clean_text(data.name)
        label = name or code or str(index + 1)
        if not code or not FIELD_CODE_RE.match(code):
            raise ServiceError(
                "invalid_field_code",
                bilingual(
                    f"字段“{label}”的代码应以英文字母开头，只含英文字母、数字和下划线，例如 CF_XDR_MC。",
                    f"The code of field “{label}” must start with a letter and contain only letters, digits "
                    "and underscores, e.g. CF_XDR_MC.",
                ),
                field=f"{where}.code",
            )
        if not name:
            raise ServiceError(
                "field_name_missing",
                bilingual(f"请填写字段 {code} 的中文名称。", f"Give the Chinese name of field {code}."),
                field=f"{where}.name",
            )
        if data.field_type not in types:
            raise ServiceError(
                "invalid_field_type",
                bilingual(f"字段“{name}”的类型无效。", f"The type of field “{name}” is not valid."),
                field=f"{where}.field_type",
            )
        required_for = _clean_list(data.required_for)
        unknown = [k for k in required_for if k not in kinds]
        if unknown:
            raise ServiceError(
                "invalid_subject_kind",
                bilingual(
                    f"字段“{name}”的“必填主体类型”中有无效的值：{'、'.join(unknown)}。",
                    f"Field “{name}” is required for unknown subject kinds: {', '.join(unknown)}.",
                ),
                field=f"{where}.required_for",
            )
        choices = _clean_list(data.choices)
        if data.field_type == FieldType.CHOICE and not choices:
            raise ServiceError(
                "choices_missing",
                bilingual(
                    f"字段“{name}”是选项类型，请列出允许的取值。",
                    f"Field “{name}” is a choice: list its allowed values.",
                ),
                field=f"{where}.choices",
            )
        if data.max_length is not None and data.max_length < 1:
            raise ServiceError(
                "invalid_max_length",
                bilingual(f"字段“{name}”的最大长度应为正整数。", f"The maximum length of “{name}” must be positive."),
                field=f"{where}.max_length",
            )
        if data.field_type == FieldType.ID_NUMBER and not data.masked:
            raise ServiceError(
                "id_number_not_masked",
                bilingual(
                    f"字段“{name}”是证件号码，显示时必须脱敏。",
                    f"Field “{name}” holds ID numbers: it must be masked when displayed.",
                ),
                field=f"{where}.masked",
            )
        own = {normalize_header(code), normalize_header(name)}
        aliases = [a for a in _clean_list(data.aliases) if normalize_header(a) not in own]
        for attribute, text in [("code", code), ("name", name), *(("aliases", a) for a in aliases)]:
            key = normalize_header(text)
            if key in seen and seen[key] != index:
                other = cleaned[seen[key]]
                raise ServiceError(
                    "ambiguous_header",
                    bilingual(
                        f"“{text}”同时是字段“{other.name}”和“{name}”的代码、名称或别名，报送文件的列名将无法区分。",
                        f"“{text}” names both field “{other.name}” and field “{name}”: a column with this "
                        "header could not be told apart.",
                    ),
                    field=f"{where}.{attribute}",
                )
            seen[key] = index
        cleaned.append(
            FieldData(
                code=code,
                name=name,
                field_type=data.field_type,
                required=bool(data.required),
                required_for=tuple(required_for),
                aliases=tuple(aliases),
                masked=bool(data.masked),
                max_length=data.max_length,
                choices=tuple(choices),
            )
        )
    return cleaned


def _check_parameter(name: str, attribute: str, known: Mapping[str, Any]) -> ServiceError | None:
    if name and name not in known:
        return ServiceError(
            "unknown_parameter",
            bilingual(
                f"规则参数 {name} 不存在；请从规则参数登记中选择（xinyong rules list）。",
                f"There is no rule parameter named {name}; choose one from the registry (xinyong rules list).",
            ),
            field=attribute,
        )
    return None


def _check_rules(rules: Iterable[str]) -> list[str]:
    known = {r.value for r in ItemRule}
    cleaned = _clean_list(rules)
    unknown = [r for r in cleaned if r not in known]
    if unknown:
        raise ServiceError(
            "unknown_rule",
            bilingual(f"未知的事项规则：{'、'.join(unknown)}。", f"Unknown item rules: {', '.join(unknown)}."),
            field="rules",
        )
    return cleaned


def _lock_draft(version: CatalogVersion) -> CatalogVersion:
    """The version row, locked until the transaction ends, if it is still a draft (else version_not_draft)."""
    locked = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise version_not_draft(locked)
    return locked


def _resolve_category(category: Category | str) -> Category:
    if isinstance(category, Category):
        return category
    found = Category.objects.filter(code=_clean_code(category)).first()
    if found is None:
        raise ServiceError(
            "unknown_category",
            bilingual(f"目录类别 {category} 不存在。", f"There is no catalog category {category}."),
            field="category",
        )
    return found


def _validation_error(error: ValidationError) -> ServiceError:
    attribute, messages = next(iter(error.message_dict.items()))
    return ServiceError("invalid", " ".join(str(m) for m in messages), field=attribute)


# --- versions -----------------------------------------------------------------------------------------------


def catalog_version_create_draft(
    *,
    tier: str,
    title: str,
    actor,
    copy_from: CatalogVersion | None = None,
    legal_basis: str | None = None,
    notes: str = "",
) -> CatalogVersion:
    """Start a new draft version of `tier`'s catalog (Art 18), a copy of its published version.

    `copy_from` defaults to the tier's published version; a superseded version of the same tier may be
    given instead (to go back to it). Without either, the draft starts empty. Items, their fields,
    providers and rules are copied; the copy is then edited with `catalog_item_save`. A tier has at most
    one draft (`draft_exists`).
    """
    if tier not in CatalogTier.values:
        raise ServiceError("invalid_tier", bilingual("目录层级无效。", "The catalog tier is not valid."), field="tier")
    title = _clean_text(title)
    if not title:
        raise ServiceError("title_missing", bilingual("请填写版本标题。", "Give the version a title."), field="title")
    with transaction.atomic():
        draft = CatalogVersion.objects.filter(tier=tier, status=VersionStatus.DRAFT).first()
        if draft is not None:
            raise ServiceError(
                "draft_exists",
                bilingual(
                    f"该层级已有草稿“{_version_label(draft)}”，请继续编辑该草稿或先将其发布。",
                    f"This tier already has a draft, “{draft.title}” v{draft.number}: edit or publish it first.",
                ),
                field="tier",
            )
        source = copy_from
        if source is None:
            source = CatalogVersion.objects.filter(tier=tier, status=VersionStatus.PUBLISHED).first()
        elif source.tier != tier:
            raise ServiceError(
                "wrong_tier",
                bilingual("只能复制同一层级的目录版本。", "A draft can only copy a version of its own tier."),
                field="copy_from",
            )
        number = (CatalogVersion.objects.filter(tier=tier).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                version = CatalogVersion.objects.create(
                    tier=tier,
                    number=number,
                    title=title,
                    status=VersionStatus.DRAFT,
                    legal_basis=legal_basis if legal_basis is not None else (source.legal_basis if source else ""),
                    notes=notes,
                    based_on=source,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            # Another manager started a draft of this tier at the same moment.
            raise ServiceError(
                "draft_exists",
                bilingual("该层级刚刚已有人新建了草稿，请刷新页面。", "Someone has just started a draft of this tier."),
                field="tier",
            ) from None
        copied = _copy_items(source, version) if source is not None else 0
        audit_record(
            AuditEventType.CATALOG_VERSION_CREATED,
            actor=actor,
            target=version,
            target_label=_version_label(version),
            articles=ARTICLES_CATALOG,
            details={
                "tier": tier,
                "number": number,
                "copied_from": {"id": source.pk, "number": source.number} if source else None,
                "items": copied,
            },
            changes=[Change("catalog.catalogversion", str(version.pk), "create", None, version_snapshot(version))],
        )
    return version


def _copy_items(source: CatalogVersion, target: CatalogVersion) -> int:
    items = source.items.select_related("category").prefetch_related("fields", "providers")
    count = 0
    for item in items:
        providers = list(item.providers.all())
        fields = list(item.fields.all())
        item.pk = None
        item.id = None
        item._state.adding = True
        item.version = target
        item.save()
        item.providers.set(providers)
        for f in fields:
            f.pk = None
            f.id = None
            f._state.adding = True
            f.item = item
        ItemField.objects.bulk_create(fields)
        count += 1
    return count


def catalog_version_problems(
    version: CatalogVersion, *, effective_from=None, check_effective_from: bool = False
) -> list[ServiceError]:
    """What stops `version` from being published (empty when nothing does); nothing is written.

    Every item must state the conduct it records, its subject kinds, a disclosure class, a legal basis and
    at least one field (Art 18; domain facts §2); name only parameters of the rules registry and known item
    rules; and have no field that names prohibited personal information (Art 19). The console lists all
    problems at once; `catalog_version_publish` refuses with the first.
    """
    problems: list[ServiceError] = []
    if check_effective_from:
        if effective_from is None:
            problems.append(
                ServiceError(
                    "effective_from_missing",
                    bilingual("请填写生效日期。", "Give the date the version takes effect."),
                    field="effective_from",
                )
            )
        else:
            current = CatalogVersion.objects.filter(tier=version.tier, status=VersionStatus.PUBLISHED).first()
            if current is not None and current.effective_from and effective_from < current.effective_from:
                problems.append(
                    ServiceError(
                        "effective_from_too_early",
                        bilingual(
                            f"生效日期不能早于现行版本的生效日期（{current.effective_from.isoformat()}）。",
                            "The version cannot take effect before the version it replaces "
                            f"({current.effective_from.isoformat()}).",
                        ),
                        field="effective_from",
                    )
                )
    items = list(version.items.select_related("category").prefetch_related("fields").order_by("code"))
    if not items:
        problems.append(
            ServiceError(
                "version_empty",
                bilingual("该版本没有任何事项，不能发布。", "The version has no items; it cannot be published."),
                field="items",
            )
        )
    known_parameters = all_parameters()
    kinds = {k.value for k in SubjectKind}
    for item in items:
        label = _item_label(item)

        def problem(code: str, zh: str, en: str, attribute: str, item=item) -> None:
            problems.append(ServiceError(code, bilingual(zh, en), field=f"{item.code}.{attribute}"))

        if not item.conduct.strip():
            problem("conduct_missing", f"事项“{label}”没有说明记录的行为。",
                    f"Item {item.code} does not say what conduct it records.", "conduct")
        if not item.subject_kinds or any(k not in kinds for k in item.subject_kinds):
            problem("subject_kinds_missing", f"事项“{label}”没有选择适用的信用主体类型。",
                    f"Item {item.code} names no valid subject kinds.", "subject_kinds")
        if item.disclosure_class not in DisclosureClass.values:
            problem("disclosure_class_missing", f"事项“{label}”没有选择公开类别。",
                    f"Item {item.code} has no disclosure class.", "disclosure_class")
        if not item.legal_basis.strip():
            problem("legal_basis_missing", f"事项“{label}”没有填写法律依据。",
                    f"Item {item.code} states no legal basis.", "legal_basis")
        fields = list(item.fields.all())
        if not fields:
            problem("fields_missing", f"事项“{label}”没有任何字段。", f"Item {item.code} has no fields.", "fields")
        for attribute in PARAMETER_ATTRIBUTES:
            error = _check_parameter(getattr(item, attribute), attribute, known_parameters)
            if error is not None:
                problems.append(
                    ServiceError(error.code, bilingual(f"事项“{label}”：", f"Item {item.code}: ") + str(error.message),
                                 field=f"{item.code}.{attribute}")
                )
        unknown_rules = [r for r in item.rules if r not in ItemRule.values]
        if unknown_rules:
            problem("unknown_rule", f"事项“{label}”有未知的事项规则：{'、'.join(unknown_rules)}。",
                    f"Item {item.code} names unknown rules: {', '.join(unknown_rules)}.", "rules")
        data = [FieldData.of(f) for f in fields]
        screened = _screen(data)
        if screened is not None:
            error = screened[0]
            problems.append(
                ServiceError(error.code, bilingual(f"事项“{label}”：", f"Item {item.code}: ") + str(error.message),
                             field=f"{item.code}.{error.field}")
            )
        else:
            try:
                _check_fields(data)
            except ServiceError as error:
                problems.append(
                    ServiceError(error.code, bilingual(f"事项“{label}”：", f"Item {item.code}: ") + str(error.message),
                                 field=f"{item.code}.{error.field}")
                )
    return problems


class PublishRefused(ServiceError):
    """A draft that cannot be published: `code` and `message` are the first problem, `problems` all."""

    def __init__(self, problems: list[ServiceError]):
        first = problems[0]
        super().__init__(first.code, first.message, field=first.field)
        self.problems = problems


def catalog_version_publish(*, version: CatalogVersion, actor, effective_from) -> CatalogVersion:
    """Publish a draft as its tier's catalog from `effective_from` (Art 18); the old version is superseded.

    Refuses a version that is not a draft (`version_not_draft`) and one with problems (`PublishRefused`,
    see `catalog_version_problems`). The superseded version keeps all its item rows unchanged: records
    filed under them stay pinned to the item as it was. The audit record names the rule version and the
    values, on `effective_from`, of the parameters the items name.
    """
    with transaction.atomic():
        version = _lock_draft(version)
        problems = catalog_version_problems(version, effective_from=effective_from, check_effective_from=True)
        if problems:
            raise PublishRefused(problems)
        previous = (
            CatalogVersion.objects.select_for_update().filter(tier=version.tier, status=VersionStatus.PUBLISHED).first()
        )
        changes = []
        if previous is not None:
            before = version_snapshot(previous)
            previous.status = VersionStatus.SUPERSEDED
            previous.save(update_fields=["status"])
            changes.append(Change("catalog.catalogversion", str(previous.pk), "update", before,
                                  version_snapshot(previous)))
        before = version_snapshot(version)
        version.status = VersionStatus.PUBLISHED
        version.effective_from = effective_from
        version.published_at = timezone.now()
        version.published_by = actor if getattr(actor, "pk", None) else None
        version.save(update_fields=["status", "effective_from", "published_at", "published_by"])
        changes.append(Change("catalog.catalogversion", str(version.pk), "update", before, version_snapshot(version)))
        items = list(version.items.order_by("code"))
        names = sorted({getattr(i, a) for i in items for a in PARAMETER_ATTRIBUTES if getattr(i, a)})
        audit_record(
            AuditEventType.CATALOG_VERSION_PUBLISHED,
            actor=actor,
            target=version,
            target_label=_version_label(version),
            articles=ARTICLES_SCREENED,
            details={
                "tier": version.tier,
                "number": version.number,
                "effective_from": effective_from.isoformat(),
                "superseded": {"id": previous.pk, "number": previous.number} if previous else None,
                "items": [i.code for i in items],
                "parameters": {name: _value_on(name, effective_from) for name in names},
                "rule_version": rule_version(),
            },
            changes=changes,
        )
    return version


def _value_on(name: str, day):
    try:
        return parameter(name, day).value
    except ParameterError:
        return None  # not in force yet on that day: the record says so rather than inventing a value


# --- items --------------------------------------------------------------------------------------------------


def catalog_item_save(
    *,
    version: CatalogVersion,
    code: str,
    name: str,
    category: Category | str,
    fields: Sequence[FieldData | Mapping[str, Any]],
    actor,
    conduct: str = "",
    subject_kinds: Sequence[str] = (),
    disclosure_class: str = "",
    sharing_scope: str = "",
    publication_period_parameter: str = "",
    publication_note: str = "",
    retention_parameter: str = "",
    update_frequency: str = "",
    submission_deadline_parameter: str = "",
    legal_basis: str = "",
    is_market_information: bool = False,
    rules: Sequence[str] = (),
    providers: Iterable | None = None,
) -> CatalogItem:
    """Create or change the item `code` of a draft version, with its fields in the order given (Art 18, 19).

    `fields` replaces the item's fields: a field whose code is kept keeps its row, the others are added or
    removed. A draft's item may still be incomplete (no legal basis yet); publication checks completeness.
    Refused at once: a version that is not a draft (`version_not_draft`), a field that names prohibited
    personal information (`prohibited_field`, Art 19; also audited as denied), two fields answering to the
    same column header (`ambiguous_header`), a parameter the registry does not have (`unknown_parameter`).
    `providers` None keeps the item's providers (none for a new item).
    """
    if version.status != VersionStatus.DRAFT:
        raise version_not_draft(version)
    code = _clean_code(code).lower()
    if not ITEM_CODE_RE.match(code):
        raise ServiceError(
            "invalid_item_code",
            bilingual(
                "事项代码只能由小写英文字母、数字和连字符组成，例如 admin-penalty。",
                "An item code consists of lower-case letters, digits and hyphens, e.g. admin-penalty.",
            ),
            field="code",
        )
    name = _clean_text(name)
    if not name:
        raise ServiceError("name_missing", bilingual("请填写事项名称。", "Give the item a name."), field="name")
    category = _resolve_category(category)
    raw_fields = [FieldData.coerce(f) for f in fields]
    screened = _screen(raw_fields)
    if screened is not None:
        error, text, kind = screened
        audited_denial(
            AuditEventType.PROHIBITED_DATA_REFUSED,
            actor=actor,
            target=version,
            target_label=f"{_version_label(version)} / {code}",
            articles=["Art 19"],
            details={"item": code, "field": text, "kind": kind, "where": "catalog"},
        )
        raise error
    checked = _check_fields(raw_fields)
    if disclosure_class and disclosure_class not in DisclosureClass.values:
        raise ServiceError(
            "invalid_disclosure_class",
            bilingual("公开类别无效。", "The disclosure class is not valid."),
            field="disclosure_class",
        )
    kinds = _clean_list(subject_kinds)
    if any(k not in SubjectKind.values for k in kinds):
        raise ServiceError(
            "invalid_subject_kind",
            bilingual("信用主体类型无效。", "A subject kind is not valid."),
            field="subject_kinds",
        )
    known_parameters = all_parameters()
    parameters = {
        "publication_period_parameter": _clean_code(publication_period_parameter),
        "retention_parameter": _clean_code(retention_parameter),
        "submission_deadline_parameter": _clean_code(submission_deadline_parameter),
    }
    for attribute, parameter_name in parameters.items():
        error = _check_parameter(parameter_name, attribute, known_parameters)
        if error is not None:
            raise error
    rules = _check_rules(rules)

    with transaction.atomic():
        version = _lock_draft(version)
        item = version.items.filter(code=code).select_related("category").first()
        before = item_snapshot(item) if item is not None else None
        if item is None:
            item = CatalogItem(version=version, code=code)
        item.name = name
        item.category = category
        item.conduct = (conduct or "").strip()
        item.subject_kinds = kinds
        item.disclosure_class = disclosure_class
        item.sharing_scope = _clean_text(sharing_scope)
        item.publication_note = _clean_text(publication_note)
        item.update_frequency = _clean_text(update_frequency)
        item.legal_basis = (legal_basis or "").strip()
        item.is_market_information = bool(is_market_information)
        item.rules = rules
        for attribute, parameter_name in parameters.items():
            setattr(item, attribute, parameter_name)
        try:
            item.full_clean()
        except ValidationError as error:
            raise _validation_error(error) from None
        item.save()
        if providers is not None:
            item.providers.set(list(providers))
        _replace_fields(item, checked)
        after = item_snapshot(item)
        if before != after:
            audit_record(
                AuditEventType.CATALOG_ITEM_CHANGED,
                actor=actor,
                target=item,
                target_label=f"{_version_label(version)} / {_item_label(item)}",
                articles=ARTICLES_SCREENED,
                details={"version": version.pk, "code": code, "action": "create" if before is None else "update"},
                changes=[
                    Change("catalog.catalogitem", str(item.pk), "create" if before is None else "update", before, after)
                ],
            )
    return item


def _replace_fields(item: CatalogItem, fields: list[FieldData]) -> None:
    existing = {normalize_header(f.code): f for f in item.fields.all()}
    kept: set[int] = set()
    to_create = []
    for order, data in enumerate(fields, start=1):
        values = field_snapshot(data) | {"order": order}
        row = existing.get(normalize_header(data.code))
        if row is None:
            to_create.append(ItemField(item=item, **values))
            continue
        kept.add(row.pk)
        if any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
    item.fields.exclude(pk__in=kept).delete()
    ItemField.objects.bulk_create(to_create)


def catalog_item_remove(*, version: CatalogVersion, code: str, actor) -> None:
    """Remove the item `code` from a draft version (Art 18); published versions keep theirs."""
    with transaction.atomic():
        version = _lock_draft(version)
        item = version.items.filter(code=_clean_code(code).lower()).select_related("category").first()
        if item is None:
            raise ServiceError(
                "unknown_item",
                bilingual(f"该草稿中没有事项 {code}。", f"The draft has no item {code}."),
                field="code",
            )
        before = item_snapshot(item)
        pk = item.pk
        item.providers.clear()
        item.delete()
        audit_record(
            AuditEventType.CATALOG_ITEM_REMOVED,
            actor=actor,
            target=version,
            target_label=f"{_version_label(version)} / {before['name']}（{before['code']}）",
            articles=ARTICLES_CATALOG,
            details={"version": version.pk, "code": before["code"]},
            changes=[Change("catalog.catalogitem", str(pk), "delete", before, None)],
        )
