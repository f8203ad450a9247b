"""Choices for red and black lists and the listing procedure (Art 22, 24, 31)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    """Kinds of list (守信和失信名单制度, Art 22)."""

    HONOR = "honor", _("honor list (red list)")  # 守信激励名单（红名单）
    SERIOUS_DISHONESTY = "serious_dishonesty", _("serious dishonesty list (black list)")  # 严重失信主体名单
    KEY_SUPERVISION = "key_supervision", _("key supervision list")  # 重点监管对象名单
    COURT_ENFORCEMENT = "court_enforcement", _("list of dishonest judgment debtors")  # 失信被执行人名单


#: Lists whose entries' term is decided by the court for each entry (法释〔2017〕7号第二条), never by a rule of ours.
COURT_TERM_KINDS = frozenset({ListKind.COURT_ENFORCEMENT})

#: Lists whose entries lead to punishment measures: written prior notice and a window to object (Art 24).
PUNITIVE_KINDS = frozenset({ListKind.SERIOUS_DISHONESTY, ListKind.KEY_SUPERVISION, ListKind.COURT_ENFORCEMENT})


class EntryState(models.TextChoices):
    """Where an entry stands in the listing procedure (Art 24): proposed → notified → decided → published."""

    PROPOSED = "proposed", _("proposed")  # 拟列入
    NOTIFIED = "notified", _("notified, objection window open")  # 已告知
    LISTED = "listed", _("decided: listed")  # 决定列入（待公布）
    NOT_LISTED = "not_listed", _("decided: not listed")  # 决定不予列入
    PUBLISHED = "published", _("listed and published")  # 已列入并公布
    REMOVED = "removed", _("removed")  # 已移出


class Decision(models.TextChoices):
    LISTED = "listed", _("list the subject")
    NOT_LISTED = "not_listed", _("do not list the subject")


class RemovalReason(models.TextChoices):
    """Why an entry left its list; the removal is published (Art 24, 31)."""

    EXPIRY = "expiry", _("listing period ended")  # 期满移出
    REPAIR = "repair", _("credit repair")  # 信用修复（第三十一条）
    REVOCATION = "revocation", _("basis revoked or listed in error")  # 撤销（依据被撤销或认定错误）
    COURT = "court", _("removed by the court")  # 人民法院决定删除失信信息（法释〔2017〕7号第十条）


class EntryAction(models.TextChoices):
    """Steps of an entry's timeline; each names the articles and the rule version it applied."""

    PROPOSED = "proposed", _("proposed")
    NOTIFIED = "notified", _("prior notice served")
    DECIDED = "decided", _("decided")
    EXTENDED = "extended", _("term extended by the court")  # 人民法院决定延长失信期限
    PUBLISHED = "published", _("published")
    REMOVED = "removed", _("removed")
    # A provisional objection window recomputed once its year's holiday schedule was loaded (domain facts §11).
    WINDOW_SET = "window_set", _("objection window recomputed")
