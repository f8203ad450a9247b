"""Choices for joint reward and punishment measures, credit checks and measure cases (Art 22–26)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureKind(models.TextChoices):
    REWARD = "reward", _("reward")  # 守信激励
    PUNISHMENT = "punishment", _("punishment")  # 失信惩戒


class BasisLevel(models.TextChoices):
    """The rank of the text a measure rests on. Punishments need law, regulation or national rules (Art 24);
    rewards may also rest on provincial or city rules (Art 23 (5))."""

    LAW = "law", _("law")  # 法律
    ADMINISTRATIVE_REGULATION = "administrative_regulation", _("administrative regulation")  # 行政法规
    LOCAL_REGULATION = "local_regulation", _("local regulation")  # 地方性法规
    JUDICIAL_INTERPRETATION = "judicial_interpretation", _("judicial interpretation")  # 司法解释
    NATIONAL_DOCUMENT = "national_document", _("national rules")  # 国家有关规定
    PROVINCIAL_DOCUMENT = "provincial_document", _("provincial rules")  # 省级规定
    CITY_DOCUMENT = "city_document", _("city rules")  # 市级规定


#: Ranks a punishment may rest on: nothing beyond law, regulation or national rules (Art 24).
PUNISHMENT_BASIS_LEVELS = frozenset(
    {
        BasisLevel.LAW,
        BasisLevel.ADMINISTRATIVE_REGULATION,
        BasisLevel.LOCAL_REGULATION,
        BasisLevel.JUDICIAL_INTERPRETATION,
        BasisLevel.NATIONAL_DOCUMENT,
    }
)


class Scenario(models.TextChoices):
    """Where a department checks a subject before deciding (信用核查场景, Art 23, 25, 26)."""

    PROCUREMENT = "procurement", _("government procurement")  # 政府采购
    BIDDING = "bidding", _("tendering and bidding")  # 招标投标
    SUBSIDIES = "subsidies", _("government funds and subsidies")  # 财政性资金、政策扶持
    HONORS = "honors", _("honors and awards")  # 表彰奖励、荣誉评选
    LICENSING = "licensing", _("administrative licensing")  # 行政审批
    INSPECTIONS = "inspections", _("supervision and inspections")  # 日常监管、检查
    FINANCING = "financing", _("financing and credit")  # 融资授信


class CheckChannel(models.TextChoices):
    API = "api", _("API")
    FILE = "file", _("file upload")
    CONSOLE = "console", _("console")


class CheckStatus(models.TextChoices):
    """The answer for one identifier of a check. "clear" does not say whether the subject is registered."""

    HIT = "hit", _("measures apply")
    CLEAR = "clear", _("no measure applies")
    INVALID = "invalid", _("invalid identifier")


class MeasureCaseStatus(models.TextChoices):
    """A measure case (闭环): opened by a hit, closed by the implementing department's feedback."""

    OPEN = "open", _("awaiting feedback")
    APPLIED = "applied", _("measure applied")
    NOT_APPLIED = "not_applied", _("measure not applied")
