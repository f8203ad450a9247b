"""Catalog versions, categories, items and their fields (Art 18); prohibited data is screened (Art 19).

A published version is never edited: a change makes a new draft version, and credit records stay pinned to
the item version they were filed under.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.catalog.choices import CatalogTier, DisclosureClass, FieldType, InformationKind, VersionStatus


class Category(models.Model):
    """A category of the national base catalog (e.g. 行政管理信息), shared by all versions."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("information kind"), max_length=16, choices=InformationKind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("catalog category")
        verbose_name_plural = _("catalog categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class CatalogVersion(models.Model):
    """One version of one tier's catalog. Drafts are edited; a published version is frozen.

    A tier has at most one published and at most one draft version at a time (named constraints below):
    publishing a draft supersedes the tier's published version, and a new draft starts as a copy of it
    (`based_on`).
    """

    tier = models.CharField(_("tier"), max_length=16, choices=CatalogTier.choices)
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    legal_basis = models.TextField(_("legal basis"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    based_on = models.ForeignKey("self", verbose_name=_("copied from"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("catalog version")
        verbose_name_plural = _("catalog versions")
        ordering = ["tier", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "number"], name="catalog_version_unique_number"),
            models.UniqueConstraint(fields=["tier"], condition=Q(status="published"),
                                    name="catalog_one_published_version_per_tier"),
            models.UniqueConstraint(fields=["tier"], condition=Q(status="draft"),
                                    name="catalog_one_draft_version_per_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class CatalogItem(models.Model):
    """An item of a catalog version (目录事项): what conduct it records and how it may be used (Art 18).

    `code` is stable across versions (e.g. `admin-penalty`); records point at the item row of the version
    they were filed under. A draft's item may be incomplete; publication checks that it states its conduct,
    subject kinds, disclosure class, legal basis and at least one field (`catalog_version_publish`).
    """

    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="items")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    conduct = models.TextField(_("conduct recorded"), blank=True)
    # values of subjects.SubjectKind
    subject_kinds = models.JSONField(_("subject kinds"), default=list, blank=True)
    disclosure_class = models.CharField(_("disclosure class"), max_length=16, choices=DisclosureClass.choices,
                                        blank=True)
    sharing_scope = models.CharField(_("sharing scope"), max_length=200, blank=True)
    # Names of regulation registry parameters (xinyong/regulation/parameters), never literal periods.
    publication_period_parameter = models.CharField(_("publication period rule"), max_length=100, blank=True)
    # Said instead of (or besides) a period, e.g. "permits are public while they are valid".
    publication_note = models.CharField(_("publication note"), max_length=200, blank=True)
    retention_parameter = models.CharField(_("retention rule"), max_length=100, blank=True)
    update_frequency = models.CharField(_("update frequency"), max_length=100, blank=True)
    submission_deadline_parameter = models.CharField(_("submission deadline rule"), max_length=100, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_market_information = models.BooleanField(_("market information (needs consent, Art 20)"), default=False)
    providers = models.ManyToManyField("accounts.Organization", verbose_name=_("provider departments"),
                                       blank=True, related_name="catalog_items")
    # Item-specific row rules by name, applied by ingestion (e.g. "exclude_summary_procedure").
    rules = models.JSONField(_("item rules"), default=list, blank=True)

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["version", "category__order", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="catalog_item_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ItemField(models.Model):
    """A field (column) of an item. A file may name it by `code`, by `name` or by one of `aliases`."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="fields")
    code = models.CharField(_("field code"), max_length=64)
    name = models.CharField(_("field name"), max_length=100)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    # Required only for some subject kinds (e.g. 证件号码 for natural persons): values of SubjectKind.
    required_for = models.JSONField(_("required for subject kinds"), default=list, blank=True)
    masked = models.BooleanField(_("masked when displayed"), default=False)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    choices = models.JSONField(_("allowed values"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("item field")
        verbose_name_plural = _("item fields")
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="catalog_field_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
