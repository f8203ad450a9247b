"""Audit event types: a numbered enum in families (Zulip's RealmAuditLog habit).

1xxx accounts and security, 2xxx organizations and divisions, 3xxx subjects, 4xxx the catalog,
5xxx regulation and calendar,
6xxx submissions and credit records, 7xxx disclosure and the query service, 8xxx credit reports,
9xxx system operations, 10xxx lists and joint rewards and punishments, 11xxx subjects' rights (objections,
credit repair, deadlines), 12xxx notifications.
Numbers are never reused: a retired type keeps its number.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventType(models.IntegerChoices):
    LOGIN_SUCCEEDED = 1001, _("login succeeded")
    LOGIN_FAILED = 1002, _("login failed")
    LOGOUT = 1003, _("logout")
    ACCOUNT_LOCKED = 1004, _("account locked")
    SESSION_EXPIRED = 1005, _("session ended by the platform")
    USER_CREATED = 1010, _("user created")
    ROLE_GRANTED = 1011, _("role granted")
    ROLE_REVOKED = 1012, _("role revoked")
    PASSWORD_SET = 1013, _("password set")
    USER_DISABLED = 1014, _("user disabled")
    API_TOKEN_ISSUED = 1020, _("API token issued")
    API_TOKEN_REVOKED = 1021, _("API token revoked")
    MFA_ENROLLED = 1030, _("second factor enrolled")
    MFA_FAILED = 1031, _("second factor failed")
    MFA_RESET = 1032, _("second factor reset")

    DIVISION_CREATED = 2001, _("division created")
    ORGANIZATION_CREATED = 2010, _("organization created")
    ORGANIZATION_UPDATED = 2011, _("organization updated")

    SUBJECT_CREATED = 3001, _("subject created")
    SUBJECT_RENAMED = 3002, _("subject renamed")
    SUBJECT_STATUS_CHANGED = 3003, _("subject status changed")
    SUBJECT_RELATION_ADDED = 3010, _("related person linked")
    SUBJECT_RELATION_ENDED = 3011, _("related person link ended")
    SUBJECT_ACCOUNT_CREATED = 3020, _("subject account created")

    CATALOG_VERSION_CREATED = 4001, _("catalog version created")
    CATALOG_ITEM_CHANGED = 4002, _("catalog item changed")
    CATALOG_VERSION_PUBLISHED = 4003, _("catalog version published")
    CATALOG_ITEM_REMOVED = 4004, _("catalog item removed")
    CATALOG_SEEDED = 4005, _("catalog seeded")
    PROHIBITED_DATA_REFUSED = 4010, _("prohibited personal data refused")

    CALENDAR_DAY_SET = 5001, _("calendar day set")
    CALENDAR_DAY_CLEARED = 5002, _("calendar day cleared")
    CALENDAR_YEAR_LOADED = 5003, _("calendar year marked loaded")
    CALENDAR_SEEDED = 5004, _("calendar seeded from package")
    REGULATION_ARTICLES_LOADED = 5020, _("regulation articles loaded")

    SUBMISSION_ACCEPTED = 6001, _("submission accepted")
    SUBMISSION_REFUSED = 6002, _("submission refused")
    SUBMISSION_TAKEN_OVER = 6040, _("interrupted submission taken over")
    SUBMISSION_INTERRUPTED = 6041, _("interrupted submission closed; nothing was stored")
    SUBMISSION_UPLOADS_DELETED = 6042, _("stored submission files past retention deleted")
    RECORD_CORRECTED = 6010, _("credit record corrected")
    RECORD_WITHDRAWN = 6011, _("credit record withdrawn")
    RECORD_REPAIRED = 6012, _("credit record repaired: publication stopped")
    RECORD_INTEGRITY_FAILED = 6020, _("credit record failed its integrity check")
    RECORD_REVISION_RESTORED = 6021, _("damaged credit record revision restored")

    AUTHORIZATION_GRANTED = 7001, _("query authorization confirmed by the subject")
    AUTHORIZATION_REVOKED = 7002, _("query authorization revoked")
    AUTHORIZATION_DRAFTED = 7003, _("query authorization drafted")
    QUERY_REFUSED = 7010, _("non-public query refused")
    QUERY_LOG_PURGED = 7020, _("query log entries past retention archived and deleted")

    REPORT_ISSUED = 8001, _("credit report issued")
    REPORT_VERIFIED = 8002, _("credit report verified")
    REPORT_REVOKED = 8003, _("credit report revoked")

    DATA_EXPORTED = 9002, _("data exported")
    DEMO_DATA_LOADED = 9001, _("demo data loaded")
    KEY_ROTATED = 9010, _("key rotated")
    DATA_RESEALED = 9011, _("stored identifiers re-encrypted")
    EXPORT_REQUESTED = 9020, _("bulk export requested")
    EXPORT_APPROVED = 9021, _("bulk export approved by a second staff member")
    EXPORT_REFUSED = 9022, _("bulk export refused by a second staff member")
    EXPORT_DOWNLOADED = 9023, _("approved bulk export downloaded")

    LIST_ENTRY_PROPOSED = 10001, _("list entry proposed")
    LIST_ENTRY_NOTIFIED = 10002, _("prior notice of a listing served")
    LIST_ENTRY_DECIDED = 10003, _("listing decided")
    LIST_ENTRY_PUBLISHED = 10004, _("list entry published")
    LIST_ENTRY_REMOVED = 10005, _("list entry removed")
    LIST_ENTRIES_EXPIRED = 10006, _("expired list entries removed")
    LISTS_SEEDED = 10010, _("lists seeded")
    MEASURE_SAVED = 10020, _("measure saved")
    MEASURES_SEEDED = 10021, _("measures seeded")
    SUBJECTS_CHECKED = 10030, _("credit check of subjects")
    MEASURE_CASE_FEEDBACK = 10031, _("measure case feedback reported")
    MEASURE_CASE_DEADLINES_SET = 10032, _("measure case deadlines set")

    OBJECTION_FILED = 11001, _("objection filed and marked")
    OBJECTION_EXTENDED = 11002, _("objection deadline extended")
    OBJECTION_DECIDED = 11003, _("objection decided")
    OBJECTION_CANCELLED = 11004, _("objection withdrawn by the subject")
    OBJECTION_ESCALATED = 11005, _("overdue objection escalated")
    REPUTATION_RESTORED = 11010, _("wrongful punishment lifted and reputation restored")
    REPAIR_APPLIED = 11020, _("credit repair applied for")
    REPAIR_REFUSED = 11021, _("credit repair application refused as ineligible")
    REPAIR_EXTENDED = 11022, _("credit repair deadline extended")
    REPAIR_DECIDED = 11023, _("credit repair decided")
    REPAIR_CANCELLED = 11024, _("credit repair application withdrawn by the subject")
    REPAIR_ESCALATED = 11025, _("overdue credit repair escalated")
    RIGHTS_DEADLINES_RUN = 11030, _("daily deadline run for objections and repairs")

    NOTICE_CREATED = 12001, _("notice placed in a subject's inbox")
    NOTICES_CREATED = 12002, _("notices placed in subjects' inboxes")
    NOTICE_READ = 12003, _("notice opened by its recipient")
    CONTACT_CHANGED = 12010, _("notification contact details changed")
    NOTIFICATION_GAVE_UP = 12020, _("notification delivery given up after retries")
    NOTIFICATION_REQUEUED = 12021, _("notification delivery requeued")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")
    DENIED = "denied", _("denied")
