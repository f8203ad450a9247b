"""Choices for objections and credit repair cases (Art 28–31, 33)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    OBJECTION = "objection", _("objection")  # 异议
    REPAIR = "repair", _("credit repair")  # 信用修复


class CaseStatus(models.TextChoices):
    """Where a case stands: open with the deciding department, decided, or withdrawn by the subject."""

    OPEN = "open", _("being handled")  # 办理中
    DECIDED = "decided", _("closed with a decision")  # 已办结
    CANCELLED = "cancelled", _("withdrawn by the applicant")  # 申请人撤回


#: States in which a case still runs against a deadline.
OPEN_STATUSES = (CaseStatus.OPEN,)


class Outcome(models.TextChoices):
    """How a case ended. Objections: corrected, withdrawn or maintained (Art 30); repairs: approved or refused
    (Art 31)."""

    CORRECTED = "corrected", _("information corrected")  # 更正
    WITHDRAWN = "withdrawn", _("information withdrawn")  # 撤销（删除）
    MAINTAINED = "maintained", _("information maintained")  # 维持
    APPROVED = "approved", _("repair approved")  # 准予修复
    REFUSED = "refused", _("repair refused")  # 不予修复


OBJECTION_OUTCOMES = (Outcome.CORRECTED, Outcome.WITHDRAWN, Outcome.MAINTAINED)
REPAIR_OUTCOMES = (Outcome.APPROVED, Outcome.REFUSED)


class FiledBy(models.TextChoices):
    SUBJECT = "subject", _("the subject itself")  # 本人（本单位）
    AGENT = "agent", _("an agent with a power of attorney")  # 委托代理人


class Channel(models.TextChoices):
    PORTAL = "portal", _("portal")
    WINDOW = "window", _("service window")
    API = "api", _("API")


class FileKind(models.TextChoices):
    """Files attached to a case: evidence for an objection, the materials a repair needs (Art 31)."""

    EVIDENCE = "evidence", _("evidence")  # 证明材料
    POWER_OF_ATTORNEY = "power_of_attorney", _("power of attorney")  # 授权委托书
    COMMITMENT = "commitment", _("credit commitment")  # 信用修复承诺书
    RECTIFICATION = "rectification", _("proof of rectification (e.g. the fine paid)")  # 纠正失信行为的证明
    TRAINING = "training", _("training certificate")  # 信用修复培训证明
    CREDIT_REPORT = "credit_report", _("credit report")  # 信用报告


REPAIR_MATERIALS = (FileKind.COMMITMENT, FileKind.RECTIFICATION, FileKind.TRAINING, FileKind.CREDIT_REPORT)


class CaseAction(models.TextChoices):
    """Steps of a case's timeline (one small renderer per step, Saleor habit)."""

    FILED = "filed", _("filed and marked")  # 受理并标注
    EXTENDED = "extended", _("deadline extended")  # 延期
    DECIDED = "decided", _("decided")  # 作出决定
    CANCELLED = "cancelled", _("withdrawn by the applicant")  # 撤回
    ESCALATED = "escalated", _("overdue: escalated to the credit authority")  # 逾期督办
    DUE_SET = "due_set", _("deadline set")  # 期限确定（节假日安排录入后）
    RESTORED = "restored", _("reputation restored")  # 恢复信誉
    NOTIFIED = "notified", _("applicant notified")  # 告知申请人
