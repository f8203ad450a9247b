"""What ingestion needs from the catalog (Art 18, 19): the current item, header matching, prohibited data.

The catalog app owns these rules (`xinyong.catalog.selectors.item_current`, `field_for_header`,
`xinyong.catalog.prohibited.prohibited_kind`); this module calls them and falls back to an equivalent reading
of the catalog models when they are not available, so ingestion never has its own idea of the catalog.
"""

from __future__ import annotations

import unicodedata

from xinyong.catalog.choices import VersionStatus
from xinyong.catalog.models import CatalogItem, ItemField
from xinyong.core.errors import NotFoundOrForbidden


def header_key(text: str) -> str:
    """A header as compared: NFKC (full-width → half-width), no whitespace at all, Latin upper-cased."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(text.split()).upper()


def item_current(code: str) -> CatalogItem:
    """The item with this code in the published catalog version; NotFoundOrForbidden when there is none."""
    try:
        from xinyong.catalog.selectors import item_current as catalog_item_current
    except ImportError:
        catalog_item_current = None
    item = None
    if catalog_item_current is not None:
        try:
            item = catalog_item_current(code)
        except NotFoundOrForbidden:
            item = None
        except Exception as exc:  # the catalog's own "not found" error type
            if getattr(exc, "status", None) in (400, 404):
                item = None
            else:
                raise
    else:
        item = (
            CatalogItem.objects.filter(code=code, version__status=VersionStatus.PUBLISHED)
            .select_related("version")
            .order_by("-version__number")
            .first()
        )
    if item is None:
        raise NotFoundOrForbidden()
    return item


def field_for_header(item: CatalogItem, header: str, fields: list[ItemField] | None = None) -> ItemField | None:
    """The item field a column header names (by code, Chinese name or alias), or None."""
    try:
        from xinyong.catalog.selectors import field_for_header as catalog_field_for_header
    except ImportError:
        catalog_field_for_header = None
    if catalog_field_for_header is not None:
        return catalog_field_for_header(item, header)
    key = header_key(header)
    for field in fields if fields is not None else item.fields.all():
        names = [field.code, field.name, *(field.aliases or [])]
        if any(header_key(n) == key for n in names):
            return field
    return None


# Art 19: data that may never be collected about a natural person. Used only when the catalog's own list is
# not available.
_FALLBACK_PROHIBITED = {
    "宗教信仰": "religion", "宗教": "religion", "信仰": "religion",
    "基因": "genetic", "DNA": "genetic",
    "指纹": "fingerprint",
    "血型": "blood_type",
    "疾病": "disease", "病史": "medical_history", "病历": "medical_history", "既往病史": "medical_history",
}


def prohibited_kind(text: str) -> str | None:
    """The kind of prohibited data a header names (Art 19: 宗教信仰、基因、指纹、血型、疾病、病史 …), or None."""
    try:
        from xinyong.catalog.prohibited import prohibited_kind as catalog_prohibited_kind
    except ImportError:
        catalog_prohibited_kind = None
    if catalog_prohibited_kind is not None:
        return catalog_prohibited_kind(text)
    key = header_key(text)
    for word, kind in _FALLBACK_PROHIBITED.items():
        if word.upper() in key:
            return kind
    return None
