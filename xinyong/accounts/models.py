"""Divisions, organizations, accounts, roles and API tokens (Art 6, 7)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind, DivisionLevel, OrganizationKind, Role

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
