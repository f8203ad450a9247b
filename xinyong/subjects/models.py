"""Credit subjects, their names over time, lifecycle and related persons (Art 3, 19, 20, 24, 29)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xinyong.core.fields import BlindIndexField, SealedIdentifierField
from xinyong.subjects.choices import (
    PERSON_IDENTIFIER_TYPES,
    IdentifierTypeChoice,
    RelationRole,
    SubjectKind,
    SubjectStatus,
)


class Subject(models.Model):
    """A credit subject (信用主体): a natural person or an organization, one per identifier.

    People are matched by citizen ID number, or another valid ID document without one (Art 19);
    organizations by their USCC (Art 20). The identifier is stored encrypted; `identifier_index` is its
    keyed blind index and carries the uniqueness constraint.
    """

    kind = models.CharField(_("subject kind"), max_length=24, choices=SubjectKind.choices)
    identifier_type = models.CharField(
        _("identifier type"), max_length=16, choices=IdentifierTypeChoice.choices
    )
    identifier = SealedIdentifierField(_("identifier"))
    identifier_index = BlindIndexField(
        _("identifier blind index"), source="identifier", kind_field="identifier_type"
    )
    identifier_masked = models.CharField(_("identifier (masked)"), max_length=32)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    division = models.ForeignKey(
        "accounts.Division",
        verbose_name=_("registered division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_source = models.CharField(_("status source"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("credit subject")
        verbose_name_plural = _("credit subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["identifier_type", "identifier_index"], name="subjects_subject_unique_identifier"
            ),
            models.CheckConstraint(
                name="subjects_subject_kind_matches_identifier_type",
                condition=(
                    Q(kind=SubjectKind.NATURAL_PERSON, identifier_type__in=sorted(PERSON_IDENTIFIER_TYPES))
                    | (~Q(kind=SubjectKind.NATURAL_PERSON) & Q(identifier_type=IdentifierTypeChoice.USCC))
                ),
            ),
        ]
        indexes = [models.Index(fields=["kind", "division"], name="subjects_kind_division")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectKind.NATURAL_PERSON


class SubjectName(models.Model):
    """A name a subject has held, with the dates it held it (names with history, Art 29)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("subject name")
        verbose_name_plural = _("subject names")
        ordering = ["subject", "valid_from", "id"]

    def __str__(self) -> str:
        return self.name


class SubjectStatusChange(models.Model):
    """One change of a subject's lifecycle status with its date and source (Art 29)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=16, choices=SubjectStatus.choices)
    effective_date = models.DateField(_("effective date"))
    source = models.CharField(_("source"), max_length=200)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["subject", "effective_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.effective_date}"


class SubjectRelation(models.Model):
    """A dated link from an organization to a natural person who runs or controls it (Art 24)."""

    organization = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="related_persons")
    person = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="related_organizations")
    role = models.CharField(_("role"), max_length=32, choices=RelationRole.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("related person")
        verbose_name_plural = _("related persons")
        ordering = ["organization", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                name="subjects_relation_dates_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            ),
            models.CheckConstraint(name="subjects_relation_not_self", condition=~Q(organization=F("person"))),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.person_id} → {self.organization_id}"


class SubjectAccount(models.Model):
    """The link between a subject's portal account and the subject it acts as (citizen or business)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subject_link"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="accounts")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("subject account")
        verbose_name_plural = _("subject accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.subject}"
