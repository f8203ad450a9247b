"""Choices for the catalog (Art 18)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CatalogTier(models.TextChoices):
    """Catalogs are tiered: a local item needs a local legal basis and must not duplicate a higher tier."""

    NATIONAL = "national", _("national base catalog")  # 全国公共信用信息基础目录
    PROVINCIAL = "provincial", _("provincial supplement")
    CITY = "city", _("city supplement")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")


class InformationKind(models.TextChoices):
    """Information categories of a deployed platform: 基本信息, 行政管理, 诚实守信, 严重失信, 其他."""

    BASIC = "basic", _("basic information")
    ADMINISTRATIVE = "administrative", _("administrative management information")
    POSITIVE = "positive", _("honesty and trustworthiness information")
    SERIOUS = "serious", _("serious dishonesty information")
    OTHER = "other", _("other information")


class DisclosureClass(models.TextChoices):
    """Who may see records of an item (Art 18, 21)."""

    PUBLIC = "public", _("disclosed to the public")  # 社会公开
    SHARED = "shared", _("shared among government bodies")  # 政务共享
    AUTHORIZED = "authorized", _("by the subject's authorization only")  # 授权查询


class FieldType(models.TextChoices):
    """The type of a field's values, checked by ingestion."""

    TEXT = "text", pgettext_lazy("field type", "text")  # 文本 (plain "text" is an article's text elsewhere)
    DATE = "date", _("date")
    AMOUNT = "amount", _("amount in 10,000 yuan")  # 万元
    INTEGER = "integer", _("integer")
    CHOICE = "choice", _("choice")
    USCC = "uscc", _("unified social credit code")
    ID_TYPE = "id_type", _("ID document type")
    ID_NUMBER = "id_number", _("ID document number")


class ItemRule(models.TextChoices):
    """Item-specific row rules, named in `CatalogItem.rules` and applied by ingestion and publication.

    A rule only names a behaviour; the code that applies it lives with ingestion or the records. Publication
    of a catalog version refuses a rule name that is not listed here.
    """

    # 简易程序: penalties decided under the summary procedure (and minor ones corrected at once) are not
    # collected as public credit information (domain facts §3; Shandong Art 13).
    EXCLUDE_SUMMARY_PROCEDURE = "exclude_summary_procedure", _("penalties under the summary procedure are not collected")
    # 公开类型: a record's own disclosure field (社会公开 / 特定范围 / 不公开) may narrow the item's disclosure
    # class, never widen it (domain facts §9, credit commitments).
    DISCLOSURE_PER_RECORD = "disclosure_per_record", _("a record's own disclosure field may narrow the disclosure")
