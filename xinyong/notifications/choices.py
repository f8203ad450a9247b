"""Choices for notices and their delivery (Art 24, 29)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    """What a notice tells its recipient about."""

    NEW_INFORMATION = "new_information", _("new information collected")  # 新归集信息 (Art 18, 29)
    LISTING_NOTICE = "listing_notice", _("listing notice")  # 名单告知 (Art 22, 24)
    CASE_UPDATE = "case_update", _("case update")  # 异议、修复办理进展 (Art 28–31)
    REPORT_ISSUED = "report_issued", _("credit report issued")  # 出具信用报告 (Art 21, 29)
    DATA_READ = "data_read", _("your information was read")  # 信息被查询 (Art 29)
    REPUTATION_RESTORED = "reputation_restored", _("reputation restored")  # 恢复信誉 (Art 30)
    MEASURE_LIFTED = "measure_lifted", _("measure lifted")  # 解除惩戒措施 (Art 24, 31)
    ESCALATION = "escalation", _("overdue case escalated")  # 逾期督办 (Art 33)
    OTHER = "other", _("other notice")


class Channel(models.TextChoices):
    """Where a copy of a notice is sent besides the inbox (which every notice reaches)."""

    EMAIL = "email", _("email")
    SMS = "sms", _("text message")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, given up")
