"""Divisions, organizations, accounts, roles and API tokens (Art 6, 7)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind, DivisionLevel, LoginOutcome, OrganizationKind, Role
from xinyong.core.fields import SealedIdentifierField

# Length of the code prefix shared by everything inside a division, by level (GB/T 2260 / 统计用区划代码).
_PREFIX_LENGTH = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.CITY: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWNSHIP: 9,
}


class Division(models.Model):
    """An administrative division (行政区划) of the jurisdiction tree, keyed by its GB/T 2260 code.

    Counties use 6-digit codes; townships and streets use the 9-digit statistical codes.
    """

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_until = models.DateField(_("abolished on"), null=True, blank=True)

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """The code prefix shared by this division and everything inside it."""
        return self.code[: _PREFIX_LENGTH[DivisionLevel(self.level)]]


class Organization(models.Model):
    """An organization using the platform: the credit authority, departments, courts, banks … (Art 6)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    division = models.ForeignKey(Division, verbose_name=_("jurisdiction"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_provider = models.BooleanField(_("provides credit information"), default=False)
    is_implementer = models.BooleanField(_("implements measures"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["division__code", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An account: staff of an organization, a subject (citizen or business), or an API client.

    Staff act within their organization's jurisdiction. No account is created with a default password.
    """

    kind = models.CharField(
        _("account kind"), max_length=16, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                name="accounts_user_staff_has_organization",
                condition=~Q(kind__in=["staff", "api"]) | Q(organization__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_set(self) -> frozenset[Role]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(Role(r) for r in self.role_assignments.values_list("role", flat=True))
            self._role_cache = cached
        return cached


class RoleAssignment(models.Model):
    """A role held by a staff account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="accounts_role_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token of an API client account; only its SM3 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("token prefix"), max_length=12)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginAttempt(models.Model):
    """One login attempt, kept in the database so lockout and throttling hold across processes (req. 1).

    `username` is the name as typed, normalized (NFKC, stripped); it is stored for unknown names too, so an
    attack on names that do not exist looks, and is counted, like any other. No password is ever stored.
    """

    username = models.CharField(_("user name tried"), max_length=150)
    address = models.CharField(_("client address"), max_length=45)
    attempted_at = models.DateTimeField(_("time"))
    outcome = models.CharField(_("outcome"), max_length=24, choices=LoginOutcome.choices)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [
            models.Index(fields=["username", "attempted_at"], name="accounts_login_user_time"),
            models.Index(fields=["address", "attempted_at"], name="accounts_login_addr_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.address} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class AccountLock(models.Model):
    """A lock placed on an account after too many failed logins (security requirement 1; Art 15).

    While `locked_until` lies in the future every login of the account is refused with the answer a wrong
    password gets, whatever the password.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="locks")
    locked_at = models.DateTimeField(_("locked"))
    locked_until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("account lock")
        verbose_name_plural = _("account locks")
        indexes = [models.Index(fields=["user", "locked_until"], name="accounts_lock_user_until")]

    def __str__(self) -> str:
        return f"{self.user} {self.locked_at:%Y-%m-%d %H:%M} – {self.locked_until:%H:%M}"


class TotpDevice(models.Model):
    """A staff member's authenticator (TOTP, RFC 6238): the second login factor (security req. 4; Art 15).

    The shared secret is stored SM4-GCM sealed (security requirement 19) in a sealed field, so a key rotation
    re-seals it with everything else (`reseal_all`). `confirmed_at` is empty until the staff member proves the
    app works by entering a code; only a confirmed device lets them log in. `last_used_step` is the 30-second
    time step of the last accepted code: a code of that step or an earlier one is a replay and is refused.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = SealedIdentifierField(_("secret (sealed)"))
    created_at = models.DateTimeField(_("created"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    last_used_step = models.BigIntegerField(_("last used time step"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return f"{self.user} ({'confirmed' if self.confirmed_at else 'enrolling'})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
