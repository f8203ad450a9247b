"""Objections and credit repair cases, their timelines and files; reputation notices (Art 28–31, 33).

A `Case` is one objection (异议, Art 28, 30) or one credit repair application (信用修复, Art 31) by a subject
about one of its credit records or list entries. It goes to the deciding department (the record's provider,
or the body handling the list entry), runs against a deadline in working days from the regulation registry
(extendable once, with a written reason), and ends decided (with an outcome and reasons) or withdrawn by the
applicant. Each step is a `CaseEvent` of its timeline; files are kept with the case with their SM3 digest.
While a case is open the item carries its mark (异议中 / 信用修复中) wherever it is shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.rights.choices import CaseAction, CaseKind, CaseStatus, Channel, FiledBy, FileKind, Outcome

_NUMBER_PREFIX = {CaseKind.OBJECTION: "YY", CaseKind.REPAIR: "XF"}


class Case(models.Model):
    """An objection or a credit repair application (see the module docstring).

    `due_on` is the last working day for the decision (inclusive). When it runs into a year whose holiday
    schedule is not loaded it is counted on weekends alone and `due_on_provisional` is set; loading the year
    (or the daily job) recomputes it (domain facts §11). It is empty only for cases filed before provisional
    deadlines existed, until the daily job fills it in. `deadline_days` and `extended_days` are the
    registry values that bound the case when it was filed and extended. `rule_version`, `articles` and
    `basis_parameters` are those of the latest step; each step keeps its own in `CaseEvent`.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="rights_cases"
    )
    record = models.ForeignKey(
        "records.CreditRecord", verbose_name=_("credit record"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="rights_cases",
    )
    entry = models.ForeignKey(
        "lists.ListEntry", verbose_name=_("list entry"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="rights_cases",
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("deciding department"), on_delete=models.PROTECT,
        related_name="rights_cases",
    )
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    filed_by = models.CharField(_("filed by"), max_length=16, choices=FiledBy.choices, default=FiledBy.SUBJECT)
    agent_name = models.CharField(_("agent's name"), max_length=100, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant's account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    reasons = models.TextField(_("facts and reasons"))
    requested_change = models.TextField(_("what the applicant asks for"), blank=True)
    filed_at = models.DateTimeField(_("filed"))
    filed_on = models.DateField(_("filing date"))
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"))
    due_on = models.DateField(_("decision due (inclusive)"), null=True, blank=True)
    due_on_provisional = models.BooleanField(_("decision due date provisional"), default=False)
    extended_days = models.PositiveSmallIntegerField(_("extension (working days)"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extensions = models.PositiveSmallIntegerField(_("extensions granted"), default=0)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    corrected_revision = models.PositiveIntegerField(_("revision written by the decision"), null=True, blank=True)
    # Art 30 ¶2: the decision found that a listing or a measure rested on the wrong information.
    punishment_wrongful = models.BooleanField(_("a punishment rested on the wrong information"), default=False)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    decided_late = models.BooleanField(_("decided after the deadline"), default=False)
    # Repair: what the eligibility check found on filing (rule, dates), kept for the decision.
    eligibility = models.JSONField(_("eligibility check"), default=dict, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=32)
    articles = models.JSONField(_("articles applied"), default=list)
    basis_parameters = models.JSONField(_("rule parameters applied"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("objection or repair case")
        verbose_name_plural = _("objection and repair cases")
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="rights_case_org_status"),
            models.Index(fields=["status", "due_on"], name="rights_case_status_due"),
            models.Index(fields=["subject", "kind"], name="rights_case_subject_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                name="rights_case_one_target",
                condition=(Q(record__isnull=False) & Q(entry__isnull=True))
                | (Q(record__isnull=True) & Q(entry__isnull=False)),
            ),
            models.CheckConstraint(
                name="rights_case_decided_has_outcome",
                condition=~Q(status=CaseStatus.DECIDED)
                | (~Q(outcome="") & Q(decided_on__isnull=False) & ~Q(decision_reasons="")),
            ),
            models.CheckConstraint(
                name="rights_case_agent_named", condition=~Q(filed_by=FiledBy.AGENT) | ~Q(agent_name="")
            ),
            # One open case of each kind per item: a second objection waits for the first decision.
            models.UniqueConstraint(
                fields=["kind", "record"], condition=Q(status=CaseStatus.OPEN, record__isnull=False),
                name="rights_case_one_open_per_record",
            ),
            models.UniqueConstraint(
                fields=["kind", "entry"], condition=Q(status=CaseStatus.OPEN, entry__isnull=False),
                name="rights_case_one_open_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The case reference: YY (异议) or XF (修复) + year of filing + serial number."""
        return f"{_NUMBER_PREFIX.get(self.kind, 'AJ')}{self.filed_on:%Y}{self.pk or 0:08d}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def target_label(self) -> str:
        if self.record_id:
            return f"{self.record.item_code} {self.record.document_number}"
        return self.entry.number if self.entry_id else ""

    def is_overdue(self, on) -> bool:
        """Open past its deadline on `on`, or decided after it."""
        if self.due_on is None:
            return False
        return on > self.due_on if self.is_open else self.decided_late


class CaseEvent(models.Model):
    """One step of a case's timeline with the articles and rule version it applied (append-only)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=CaseAction.choices)
    status_after = models.CharField(_("status after"), max_length=16, choices=CaseStatus.choices)
    at = models.DateTimeField(_("time"))
    on = models.DateField(_("date of the act"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict)
    articles = models.JSONField(_("articles applied"), default=list)
    rule_version = models.CharField(_("rule version"), max_length=32)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class CaseFile(models.Model):
    """A file attached to a case (evidence, power of attorney, repair materials), kept with its SM3 digest."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(_("kind"), max_length=24, choices=FileKind.choices)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    digest = models.CharField(_("digest (SM3)"), max_length=64)
    content = models.BinaryField(_("content"))
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name


class ReputationNotice(models.Model):
    """信誉恢复公告 (Art 30 ¶2): published when a decision shows a listing or a measure rested on wrong
    information; names what was lifted and the departments informed. Organizations' notices are public;
    a natural person's is served on the person only (Art 19)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="reputation_notice")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    subject_name = models.CharField(_("subject name"), max_length=200)
    text = models.TextField(_("text"))
    entries_lifted = models.JSONField(_("list entries lifted"), default=list)
    departments_informed = models.JSONField(_("departments informed"), default=list)
    is_public = models.BooleanField(_("published on the portal"))
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("reputation restoration notice")
        verbose_name_plural = _("reputation restoration notices")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"HF{self.published_at:%Y}{self.pk or 0:08d}"


class ScheduledJobRun(models.Model):
    """One run of a daily job by the scheduler (`xinyong scheduler`): at most one per job and day, so a
    restart or a second scheduler never runs a day twice."""

    job = models.SlugField(_("job"), max_length=64)
    on = models.DateField(_("day"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), default=False)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")
        ordering = ["-on", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "on"], name="rights_job_run_once_a_day")]

    def __str__(self) -> str:
        return f"{self.job} {self.on}"
