"""Audit event types: a numbered enum in families (Zulip's RealmAuditLog habit).

1xxx accounts and security, 2xxx organizations and divisions, 3xxx subjects, 5xxx regulation and calendar,
9xxx system operations.
Numbers are never reused: a retired type keeps its number.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventType(models.IntegerChoices):
    LOGIN_SUCCEEDED = 1001, _("login succeeded")
    LOGIN_FAILED = 1002, _("login failed")
    LOGOUT = 1003, _("logout")
    USER_CREATED = 1010, _("user created")
    ROLE_GRANTED = 1011, _("role granted")
    ROLE_REVOKED = 1012, _("role revoked")
    PASSWORD_SET = 1013, _("password set")
    USER_DISABLED = 1014, _("user disabled")
    API_TOKEN_ISSUED = 1020, _("API token issued")
    API_TOKEN_REVOKED = 1021, _("API token revoked")

    DIVISION_CREATED = 2001, _("division created")
    ORGANIZATION_CREATED = 2010, _("organization created")
    ORGANIZATION_UPDATED = 2011, _("organization updated")

    SUBJECT_CREATED = 3001, _("subject created")
    SUBJECT_RENAMED = 3002, _("subject renamed")
    SUBJECT_STATUS_CHANGED = 3003, _("subject status changed")
    SUBJECT_RELATION_ADDED = 3010, _("related person linked")
    SUBJECT_RELATION_ENDED = 3011, _("related person link ended")
    SUBJECT_ACCOUNT_CREATED = 3020, _("subject account created")

    CALENDAR_DAY_SET = 5001, _("calendar day set")
    CALENDAR_DAY_CLEARED = 5002, _("calendar day cleared")
    CALENDAR_YEAR_LOADED = 5003, _("calendar year marked loaded")
    CALENDAR_SEEDED = 5004, _("calendar seeded from package")
    REGULATION_ARTICLES_LOADED = 5020, _("regulation articles loaded")

    DEMO_DATA_LOADED = 9001, _("demo data loaded")
    KEY_ROTATED = 9010, _("key rotated")
    DATA_RESEALED = 9011, _("stored identifiers re-encrypted")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")
    DENIED = "denied", _("denied")
