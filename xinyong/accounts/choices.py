"""Choices for organizations, divisions, accounts and roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    """Levels of the GB/T 2260 administrative division tree."""

    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county / district / county-level city")
    TOWNSHIP = "township", _("township / street")


class OrganizationKind(models.TextChoices):
    """Kinds of organization that use the platform (Art 6)."""

    AUTHORITY = "authority", _("credit authority")  # 社会信用主管部门 (行政审批局)
    DEPARTMENT = "department", _("government department")
    COURT = "court", _("court")
    PROCURATORATE = "procuratorate", _("procuratorate")
    AGENCY = "agency", _("credit service agency")
    BANK = "bank", _("bank")
    ASSOCIATION = "association", _("industry association")


class AccountKind(models.TextChoices):
    STAFF = "staff", _("staff")
    SUBJECT = "subject", _("subject account")
    API = "api", _("API client")


class Role(models.TextChoices):
    """Staff roles. The three administrators (三员) are mutually exclusive (security requirement 6)."""

    SYSTEM_ADMIN = "system_admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")
    CATALOG_MANAGER = "catalog_manager", _("catalog manager")
    DATA_SUBMITTER = "data_submitter", _("data submitter")
    CASE_HANDLER = "case_handler", _("case handler")
    MEASURE_IMPLEMENTER = "measure_implementer", _("measure implementer")
    SUPERVISOR = "supervisor", _("supervisor")
    ANALYST = "analyst", _("analyst")


ADMINISTRATOR_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class LoginOutcome(models.TextChoices):
    """What became of one login attempt (security requirements 1, 4)."""

    SUCCESS = "success", _("logged in")
    # The first factor of a staff login: not a completed login, so it resets no failure count.
    PASSWORD_ACCEPTED = "password_accepted", _("password accepted, second factor pending")
    BAD_CREDENTIALS = "bad_credentials", _("wrong user name or password")
    BAD_SECOND_FACTOR = "bad_second_factor", _("wrong or replayed verification code")
    LOCKED = "locked", _("refused: account locked")
    THROTTLED = "throttled", _("refused: too many failures from this address")


# Outcomes that count towards an account's lockout: a wrong password or a wrong code (security req. 1, 4).
ACCOUNT_FAILURE_OUTCOMES = frozenset({LoginOutcome.BAD_CREDENTIALS, LoginOutcome.BAD_SECOND_FACTOR})
# Outcomes that count towards an address's throttle: every refusal, so a blocked address that keeps trying
# stays blocked.
ADDRESS_FAILURE_OUTCOMES = frozenset(
    {
        LoginOutcome.BAD_CREDENTIALS,
        LoginOutcome.BAD_SECOND_FACTOR,
        LoginOutcome.LOCKED,
        LoginOutcome.THROTTLED,
    }
)
