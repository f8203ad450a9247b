"""Choices for credit subjects."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyong.core.identifiers import IdentifierType


class SubjectKind(models.TextChoices):
    """Kinds of credit subject (信用主体, Art 3)."""

    NATURAL_PERSON = "natural_person", _("natural person")  # 自然人
    LEGAL_PERSON = "legal_person", _("legal person")  # 法人
    UNINCORPORATED = "unincorporated", _("unincorporated organization")  # 非法人组织
    INDIVIDUAL_BUSINESS = "individual_business", _("individual business")  # 个体工商户
    GOVERNMENT_BODY = "government_body", _("government body")  # 机关
    PUBLIC_INSTITUTION = "public_institution", _("public institution")  # 事业单位


ORGANIZATION_KINDS = frozenset(set(SubjectKind) - {SubjectKind.NATURAL_PERSON})


class IdentifierTypeChoice(models.TextChoices):
    """The identifier a subject is matched by: the citizen ID first, other documents without one (Art 19)."""

    USCC = IdentifierType.USCC.value, _("unified social credit code")
    CITIZEN_ID = IdentifierType.CITIZEN_ID.value, _("resident identity card")
    HK_MACAU = IdentifierType.HK_MACAU.value, _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN = IdentifierType.TAIWAN.value, _("Mainland travel permit for Taiwan residents")
    PASSPORT = IdentifierType.PASSPORT.value, _("passport")
    FOREIGN_PR = IdentifierType.FOREIGN_PR.value, _("foreign permanent resident ID card")


PERSON_IDENTIFIER_TYPES = frozenset(set(IdentifierTypeChoice) - {IdentifierTypeChoice.USCC})


class SubjectStatus(models.TextChoices):
    """Lifecycle status with date and source (Art 29)."""

    ACTIVE = "active", _("active")
    DEREGISTERED = "deregistered", _("deregistered")  # 注销
    DECEASED = "deceased", _("deceased")  # 死亡
    MERGED = "merged", _("merged")  # 合并


class RelationRole(models.TextChoices):
    """Related persons recorded with an organization (Art 24)."""

    LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")  # 法定代表人
    PRINCIPAL = "principal", _("principal responsible person")  # 主要负责人
    ACTUAL_CONTROLLER = "actual_controller", _("actual controller")  # 实际控制人
