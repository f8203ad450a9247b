"""Joint reward and punishment measures, credit checks and measure cases (Art 22–26, 33).

A `Measure` is one reward or punishment with the text it rests on (Art 24: nothing beyond law, regulation
or national rules), the scenarios it applies in and the lists that trigger it. A `CheckLog` row records each
credit check (信用核查) request with its counts; each hit opens a `MeasureCase`, closed by the implementing
department's feedback (闭环).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.measures.choices import BasisLevel, CheckChannel, MeasureCaseStatus, MeasureKind, Scenario
from xinyong.subjects.choices import RelationRole


class Measure(models.Model):
    """A joint reward or punishment measure (联合奖惩措施): target lists, measure, legal basis, implementing body.

    `legal_basis` names the document and article; `basis_level` its rank. A measure without a basis cannot be
    saved (database constraint and `measure_save`) and is never applied by a check (Art 24). `scenarios`
    holds `Scenario` values.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MeasureKind.choices)
    name = models.CharField(_("name"), max_length=200)
    content = models.TextField(_("what the measure does"))
    basis_level = models.CharField(_("rank of the legal basis"), max_length=32, choices=BasisLevel.choices)
    legal_basis = models.TextField(_("legal basis"))
    implementing_bodies = models.ManyToManyField(
        "accounts.Organization", verbose_name=_("implementing bodies"), blank=True, related_name="measures"
    )
    implementing_bodies_note = models.CharField(_("implementing bodies (as published)"), max_length=200)
    scenarios = models.JSONField(_("scenarios"), default=list)
    triggering_lists = models.ManyToManyField(
        "lists.ListDefinition", verbose_name=_("triggering lists"), related_name="measures"
    )
    applies_to_related_persons = models.BooleanField(
        _("also applies to the related persons recorded with an entry (Art 24)"), default=False
    )
    proportionality_notes = models.TextField(_("proportionality and relation to the conduct"), blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                name="measures_measure_has_legal_basis", condition=~Q(legal_basis="") & ~Q(basis_level="")
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scenario_labels(self) -> list[str]:
        labels = dict(Scenario.choices)
        return [str(labels.get(s, s)) for s in self.scenarios]


class CheckLog(models.Model):
    """One credit check request (信用核查), single or batch, with its counts; audited once (Art 21, 22)."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("requesting department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    scenario = models.CharField(_("scenario"), max_length=16, choices=Scenario.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=CheckChannel.choices)
    reference = models.CharField(_("matter reference"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("time"))
    on = models.DateField(_("checked as of"))
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_digest = models.CharField(_("file digest (SM3)"), max_length=64, blank=True)
    # Counted by row of the request (a repeated identifier counts each time) …
    subjects_requested = models.PositiveIntegerField(_("identifiers"))
    subjects_invalid = models.PositiveIntegerField(_("invalid identifiers"))
    subjects_hit = models.PositiveIntegerField(_("subjects with measures"))
    # … and by distinct subject and measure.
    hits = models.PositiveIntegerField(_("measures applicable"))
    cases_opened = models.PositiveIntegerField(_("cases opened"))
    rule_version = models.CharField(_("rule version"), max_length=32)

    class Meta:
        verbose_name = _("credit check")
        verbose_name_plural = _("credit checks")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["organization", "requested_at"], name="measures_check_org_time")]

    def __str__(self) -> str:
        return f"{self.get_scenario_display()} {self.requested_at:%Y-%m-%d %H:%M}"


class MeasureCase(models.Model):
    """One measure applicable to one subject in one check: the implementing department reports whether it
    applied it, or why not (闭环). A `feedback_due` that runs into a year whose holiday schedule is not loaded
    is counted on weekends alone and marked `feedback_due_provisional` until the year is loaded (domain facts
    §11); it is empty only for cases opened before provisional deadlines existed, until the daily job."""

    check_log = models.ForeignKey(CheckLog, verbose_name=_("check"), on_delete=models.PROTECT, related_name="cases")
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="cases")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="measure_cases"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("implementing department"), on_delete=models.PROTECT,
        related_name="measure_cases",
    )
    scenario = models.CharField(_("scenario"), max_length=16, choices=Scenario.choices)
    entry = models.ForeignKey(
        "lists.ListEntry", verbose_name=_("triggering entry"), on_delete=models.PROTECT, related_name="cases"
    )
    entry_ids = models.JSONField(_("all triggering entries"), default=list)
    # Set when the subject was hit as a related person of a listed organization (Art 24).
    via_role = models.CharField(_("as related person"), max_length=32, choices=RelationRole.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MeasureCaseStatus.choices, default=MeasureCaseStatus.OPEN)
    opened_on = models.DateField(_("opened on"))
    feedback_due = models.DateField(_("feedback due"), null=True, blank=True)
    feedback_due_provisional = models.BooleanField(_("feedback due date provisional"), default=False)
    feedback_at = models.DateTimeField(_("feedback given"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("feedback by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    outcome_note = models.TextField(_("what was done, or why not"), blank=True)
    feedback_late = models.BooleanField(_("feedback after the deadline"), default=False)

    class Meta:
        verbose_name = _("measure case")
        verbose_name_plural = _("measure cases")
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="measures_case_org_status"),
            models.Index(fields=["status", "feedback_due"], name="measures_case_status_due"),
            models.Index(fields=["measure", "status"], name="measures_case_measure_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="measures_case_closed_has_feedback",
                condition=Q(status=MeasureCaseStatus.OPEN) | (Q(feedback_at__isnull=False) & ~Q(outcome_note="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} → {self.subject_id} ({self.status})"

    def is_overdue(self, on) -> bool:
        """Open past its deadline on `on`, or answered after it."""
        if self.feedback_due is None:
            return False
        if self.status == MeasureCaseStatus.OPEN:
            return on > self.feedback_due
        return self.feedback_late
