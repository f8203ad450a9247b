"""Permissions by role: one table, checked through `has_permission` everywhere (NetBox habit).

Staff act only within their organization's jurisdiction; that restriction is applied by the selectors.
"""

from __future__ import annotations

from enum import StrEnum

from xinyong.accounts.choices import AccountKind, Role


class Permission(StrEnum):
    VIEW_SUBJECTS = "subjects.view"
    ADD_SUBJECTS = "subjects.add"
    CHANGE_SUBJECTS = "subjects.change"
    VIEW_ORGANIZATIONS = "organizations.view"
    MANAGE_ORGANIZATIONS = "organizations.manage"
    MANAGE_ACCOUNTS = "accounts.manage"
    VIEW_AUDIT = "audit.view"
    MANAGE_KEYS = "keys.manage"
    VALIDATE_IDENTIFIERS = "identifiers.validate"
    SIGN_AUDIT_CHECKPOINTS = "audit.checkpoint"
    MANAGE_CALENDAR = "regulation.calendar"
    MANAGE_CATALOG = "catalog.manage"
    SUBMIT_RECORDS = "records.submit"
    CORRECT_RECORDS = "records.correct"
    VIEW_QUALITY = "quality.view"
    # Disclosure and the query service (Art 21, 29): granted below, after the role table.
    QUERY_OFFICIAL = "disclosure.official"  # 依职权查询; the query service also requires a government body
    QUERY_AUTHORIZED = "disclosure.authorized"  # 授权查询 under a subject's written authorization
    VIEW_QUERY_STATS = "disclosure.stats"
    VIEW_PUBLIC_HISTORY = "disclosure.public_history"  # what the public page showed on a past day (Art 30)
    # Lists and joint rewards and punishments (Art 22–26): granted below, after the role table.
    MANAGE_LISTS = "lists.manage"  # propose, notify, decide, publish and remove list entries (Art 24)
    MANAGE_MEASURES = "measures.manage"  # the measure catalog: only measures with a legal basis (Art 24)
    CHECK_SUBJECTS = "measures.check"  # 信用核查 before a decision (Art 23, 25)
    REPORT_FEEDBACK = "measures.feedback"  # report a measure case applied or not (闭环)
    VIEW_MEASURE_STATS = "measures.stats"  # cases by department and measure, overdue feedback (Art 33)
    # Subjects' rights (Art 28–31, 33): granted below, after the role table.
    HANDLE_RIGHTS_CASES = "rights.handle"  # decide the objections and repair applications sent to one's department
    VIEW_RIGHTS_CASES = "rights.view"  # the dashboard of open cases and deadlines, exports (Art 33 (5))
    # Notifications (Art 24, 29): granted below, after the role table.
    VIEW_NOTICES = "notifications.view"  # the notices addressed to one's organization (console and API)
    MANAGE_NOTIFICATIONS = "notifications.manage"  # the delivery outbox: counts, failed messages, requeue
    # Bulk exports (security requirement 26): granted below to the roles that may export some data.
    USE_EXPORTS = "exports.use"  # ask for, approve and download bulk exports of the data one may see


_BUSINESS_COMMON = {Permission.VIEW_ORGANIZATIONS, Permission.VALIDATE_IDENTIFIERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # 三员: the system administrator runs the platform but reads no audit records and no personal data;
    # the security administrator manages accounts and keys; the audit administrator only reads audit.
    Role.SYSTEM_ADMIN: frozenset({Permission.VIEW_ORGANIZATIONS, Permission.MANAGE_ORGANIZATIONS}),
    Role.SECURITY_ADMIN: frozenset({Permission.MANAGE_ACCOUNTS, Permission.MANAGE_KEYS}),
    Role.AUDIT_ADMIN: frozenset({Permission.VIEW_AUDIT, Permission.SIGN_AUDIT_CHECKPOINTS}),
    # The credit authority's staff keep the working-day calendar; the console also requires their
    # organization to be the authority (xinyong.regulation.views).
    Role.CATALOG_MANAGER: frozenset(
        _BUSINESS_COMMON
        | {Permission.VIEW_SUBJECTS, Permission.MANAGE_CALENDAR, Permission.MANAGE_CATALOG, Permission.VIEW_QUALITY}
    ),
    Role.DATA_SUBMITTER: frozenset(
        _BUSINESS_COMMON
        | {Permission.VIEW_SUBJECTS, Permission.ADD_SUBJECTS, Permission.SUBMIT_RECORDS, Permission.CORRECT_RECORDS}
    ),
    Role.CASE_HANDLER: frozenset(
        _BUSINESS_COMMON
        | {
            Permission.VIEW_SUBJECTS,
            Permission.ADD_SUBJECTS,
            Permission.CHANGE_SUBJECTS,
            Permission.MANAGE_CALENDAR,
            Permission.VIEW_QUALITY,
        }
    ),
    Role.MEASURE_IMPLEMENTER: frozenset(_BUSINESS_COMMON | {Permission.VIEW_SUBJECTS}),
    Role.SUPERVISOR: frozenset(_BUSINESS_COMMON | {Permission.VIEW_SUBJECTS, Permission.VIEW_QUALITY}),
    Role.ANALYST: frozenset(_BUSINESS_COMMON | {Permission.VIEW_SUBJECTS, Permission.VIEW_QUALITY}),
}


# Disclosure (Art 21): official queries for the roles that act on subjects; authorized queries for analysts
# (banks' and credit agencies' accounts, who query under a subject's authorization); query statistics for
# supervisors and analysts; what the public page showed on a past day for those who handle and oversee
# objections and disputes (Art 28, 30).
_DISCLOSURE_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CASE_HANDLER: frozenset({Permission.QUERY_OFFICIAL, Permission.VIEW_PUBLIC_HISTORY}),
    Role.MEASURE_IMPLEMENTER: frozenset({Permission.QUERY_OFFICIAL}),
    Role.SUPERVISOR: frozenset({Permission.QUERY_OFFICIAL, Permission.VIEW_QUERY_STATS,
                                Permission.VIEW_PUBLIC_HISTORY}),
    Role.ANALYST: frozenset({Permission.QUERY_OFFICIAL, Permission.QUERY_AUTHORIZED, Permission.VIEW_QUERY_STATS}),
}
ROLE_PERMISSIONS = {
    role: granted | _DISCLOSURE_GRANTS.get(role, frozenset()) for role, granted in ROLE_PERMISSIONS.items()
}


# Lists and measures (Art 22–26): the credit authority's case handlers keep the lists (services also require
# the authority or the list's responsible body) and, with catalog managers, the measure catalog; implementing
# departments check subjects and report feedback; supervisors see the statistics.
_LISTS_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CASE_HANDLER: frozenset(
        {Permission.MANAGE_LISTS, Permission.MANAGE_MEASURES, Permission.VIEW_MEASURE_STATS}
    ),
    Role.CATALOG_MANAGER: frozenset({Permission.MANAGE_MEASURES, Permission.VIEW_MEASURE_STATS}),
    Role.MEASURE_IMPLEMENTER: frozenset({Permission.CHECK_SUBJECTS, Permission.REPORT_FEEDBACK}),
    Role.SUPERVISOR: frozenset({Permission.VIEW_MEASURE_STATS}),
}
ROLE_PERMISSIONS = {
    role: granted | _LISTS_GRANTS.get(role, frozenset()) for role, granted in ROLE_PERMISSIONS.items()
}


# Subjects' rights (Art 28–31): the provider departments' submitters and the case handlers decide the cases sent
# to their department (objections to a record go to its provider, those to a list entry to the body handling
# it); case handlers and supervisors see the dashboard (the credit authority's see every department's).
_RIGHTS_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.DATA_SUBMITTER: frozenset({Permission.HANDLE_RIGHTS_CASES}),
    Role.CASE_HANDLER: frozenset({Permission.HANDLE_RIGHTS_CASES, Permission.VIEW_RIGHTS_CASES}),
    Role.SUPERVISOR: frozenset({Permission.VIEW_RIGHTS_CASES}),
}
ROLE_PERMISSIONS = {
    role: granted | _RIGHTS_GRANTS.get(role, frozenset()) for role, granted in ROLE_PERMISSIONS.items()
}


# Notifications (Art 24, 29): every business role reads the notices addressed to its organization; the three
# administrators (三员) do not, since notices speak of subjects' cases. The system administrator runs the delivery
# outbox (addresses masked, no notice text shown).
_NOTIFICATIONS_GRANTS: dict[Role, frozenset[Permission]] = {
    **{
        role: frozenset({Permission.VIEW_NOTICES})
        for role in (Role.CATALOG_MANAGER, Role.DATA_SUBMITTER, Role.CASE_HANDLER, Role.MEASURE_IMPLEMENTER,
                     Role.SUPERVISOR, Role.ANALYST)
    },
    Role.SYSTEM_ADMIN: frozenset({Permission.MANAGE_NOTIFICATIONS}),
}
ROLE_PERMISSIONS = {
    role: granted | _NOTIFICATIONS_GRANTS.get(role, frozenset()) for role, granted in ROLE_PERMISSIONS.items()
}


# Bulk exports (security requirement 26): whoever sees the rights dashboard or the quality page (a submitter sees its
# department's) may ask for their export and approve a colleague's; each kind checks its own access too
# (xinyong.exports.kinds).
ROLE_PERMISSIONS = {
    role: granted | ({Permission.USE_EXPORTS} if granted & {Permission.VIEW_RIGHTS_CASES, Permission.VIEW_QUALITY,
                                                            Permission.SUBMIT_RECORDS} else frozenset())
    for role, granted in ROLE_PERMISSIONS.items()
}


NON_GOVERNMENT_KINDS = frozenset({"bank", "agency", "association"})
NON_GOVERNMENT_PERMISSIONS = frozenset({Permission.QUERY_AUTHORIZED, Permission.VALIDATE_IDENTIFIERS})


def permissions_of(user) -> frozenset[Permission]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.kind not in (AccountKind.STAFF, AccountKind.API):
        return frozenset()
    granted: set[Permission] = set()
    for role in user.role_set():
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    organization = user.organization
    if organization is not None and organization.kind in NON_GOVERNMENT_KINDS:
        # Banks, credit agencies and associations are not public bodies: whatever their staff's role, they
        # read credit information only under a subject's written authorization (Art 21) and never browse the
        # registry of subjects (Art 17, 19).
        granted &= NON_GOVERNMENT_PERMISSIONS
    return frozenset(granted)


def has_permission(user, permission: Permission) -> bool:
    return permission in permissions_of(user)
