"""Reading the catalog (Art 18): the item in force for a code, its fields, header matching, the public page.

Tier precedence. The catalog in force is the union of each tier's published version: the national base
catalog, the provincial supplement and the city supplement (domain facts §2). Item codes are normally
unique across tiers (a local item must not duplicate a higher tier). Where a lower tier nevertheless
publishes an item with a higher tier's code, it is the local implementation of that item, adopted under
its own local legal basis (publication requires one), and it wins: **city, then provincial, then
national**. `item_current` and `published_catalog` both apply this order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from xinyong.catalog.choices import CatalogTier, VersionStatus
from xinyong.catalog.models import CatalogItem, CatalogVersion, Category, ItemField
from xinyong.catalog.text import normalize_header
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.regulation.parameters import ParameterError, ParameterValue, parameter

TIER_PRECEDENCE: tuple[str, ...] = (CatalogTier.CITY, CatalogTier.PROVINCIAL, CatalogTier.NATIONAL)


def _published_items() -> QuerySet[CatalogItem]:
    return CatalogItem.objects.filter(version__status=VersionStatus.PUBLISHED).select_related(
        "version", "category"
    )


def _by_precedence(items) -> dict[str, CatalogItem]:
    """One item per code: the one of the most local tier (see the module docstring)."""
    rank = {tier: index for index, tier in enumerate(TIER_PRECEDENCE)}
    chosen: dict[str, CatalogItem] = {}
    for item in items:
        current = chosen.get(item.code)
        if current is None or rank[item.version.tier] < rank[current.version.tier]:
            chosen[item.code] = item
    return chosen


def item_current(code: str) -> CatalogItem:
    """The published item with `code` now in force: the city tier's, else the provincial, else the national.

    Records filed under it point at this row (pinning). Raises NotFoundOrForbidden when no published
    version of any tier has the code.
    """
    wanted = (code or "").strip().lower()
    item = _by_precedence(_published_items().filter(code=wanted)).get(wanted)
    if item is None:
        raise NotFoundOrForbidden()
    return item


def item_fields(item: CatalogItem) -> list[ItemField]:
    """The item's fields in their order (uses prefetched fields when present)."""
    return sorted(item.fields.all(), key=lambda f: (f.order, f.pk))


def header_index(item: CatalogItem) -> dict[str, ItemField]:
    """Every way a column may name a field of `item` (code, name, aliases), normalized, to the field.

    Codes take precedence over names, and names over aliases, should two fields ever share a spelling
    (catalog services refuse such items). Kept on the item instance: ingestion asks for every header.
    """
    cached = getattr(item, "_catalog_header_index", None)
    if cached is not None:
        return cached
    index: dict[str, ItemField] = {}
    fields = item_fields(item)
    for spellings in (
        lambda f: [f.code],
        lambda f: [f.name],
        lambda f: list(f.aliases),
    ):
        for item_field in fields:
            for text in spellings(item_field):
                index.setdefault(normalize_header(text), item_field)
    index.pop("", None)
    item._catalog_header_index = index
    return index


def field_for_header(item: CatalogItem, header: str) -> ItemField | None:
    """The field of `item` a column header names, by field code, Chinese name or alias; None if none.

    Surrounding and inner spaces, the case of codes and full-width/half-width forms are ignored (NFKC):
    ` cf_xdr_mc `, `ＣＦ_ＸＤＲ_ＭＣ`, `行政相对人名称` and `罚款金额(万元)` all find their field.
    """
    return header_index(item).get(normalize_header(header))


# --- versions (console) -------------------------------------------------------------------------------------


def versions_by_tier() -> list[tuple[CatalogTier, list[CatalogVersion]]]:
    """Every tier (national first) with its versions, newest first."""
    versions = list(CatalogVersion.objects.order_by("tier", "-number"))
    order = (CatalogTier.NATIONAL, CatalogTier.PROVINCIAL, CatalogTier.CITY)
    return [(tier, [v for v in versions if v.tier == tier]) for tier in order]


def version_get(pk: int) -> CatalogVersion:
    try:
        return CatalogVersion.objects.select_related("based_on", "published_by", "created_by").get(pk=pk)
    except CatalogVersion.DoesNotExist:
        raise NotFoundOrForbidden() from None


def version_items(version: CatalogVersion) -> list[CatalogItem]:
    """The version's items with their categories and fields, in category order."""
    return list(
        version.items.select_related("category")
        .prefetch_related(Prefetch("fields", queryset=ItemField.objects.order_by("order", "id")), "providers")
        .order_by("category__order", "code")
    )


def version_item_get(version: CatalogVersion, code: str) -> CatalogItem:
    item = (
        version.items.select_related("category", "version")
        .prefetch_related("providers")
        .filter(code=(code or "").strip().lower())
        .first()
    )
    if item is None:
        raise NotFoundOrForbidden()
    return item


# --- the public catalog -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedItem:
    """An item in force, with the values its parameters have today (None: no parameter, or none in force)."""

    item: CatalogItem
    fields: list[ItemField]
    publication_period: ParameterValue | None
    submission_deadline: ParameterValue | None
    retention: ParameterValue | None

    @property
    def tier(self) -> str:
        return self.item.version.tier


@dataclass(frozen=True)
class PublishedCategory:
    category: Category
    items: list[PublishedItem]


def _value(name: str) -> ParameterValue | None:
    if not name:
        return None
    try:
        return parameter(name)
    except ParameterError:
        return None


def published_item(item: CatalogItem) -> PublishedItem:
    return PublishedItem(
        item=item,
        fields=item_fields(item),
        publication_period=_value(item.publication_period_parameter),
        submission_deadline=_value(item.submission_deadline_parameter),
        retention=_value(item.retention_parameter),
    )


def published_catalog() -> list[PublishedCategory]:
    """The catalog in force, for the public page: every category in order, with the items in force in it."""
    items = _by_precedence(
        _published_items().prefetch_related(Prefetch("fields", queryset=ItemField.objects.order_by("order", "id")))
    )
    by_category: dict[int, list[PublishedItem]] = {}
    for item in sorted(items.values(), key=lambda i: i.code):
        by_category.setdefault(item.category_id, []).append(published_item(item))
    return [PublishedCategory(c, by_category.get(c.pk, [])) for c in Category.objects.order_by("order", "code")]


def published_versions() -> list[CatalogVersion]:
    """The published version of each tier that has one, national first."""
    versions = {v.tier: v for v in CatalogVersion.objects.filter(status=VersionStatus.PUBLISHED)}
    return [versions[t] for t in (CatalogTier.NATIONAL, CatalogTier.PROVINCIAL, CatalogTier.CITY) if t in versions]
