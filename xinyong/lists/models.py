"""Red and black lists and the entries on them (Art 22, 24, 31).

A `ListDefinition` is one list as the platform publishes it (Art 22: legal basis, inclusion criteria, measures,
exit conditions, responsible body). A `ListEntry` is one subject's way through the listing procedure of Art 24:
proposed → written prior notice → objection window → decision → publication, and later removal on expiry,
repair (Art 31) or revocation. An entry triggers measures only while it is published and not expired
(`xinyong.lists.selectors.active_entries`). Entries are never deleted: a removal is a state, and it is published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.lists.choices import COURT_TERM_KINDS, Decision, EntryAction, EntryState, ListKind, RemovalReason
from xinyong.subjects.choices import RelationRole


class ListDefinition(models.Model):
    """One list (名单) as published on the portal (Art 22).

    The measures a listing triggers are `Measure.triggering_lists` seen from this side (`definition.measures`).
    `duration_parameter` names the registry parameter (months) after which an entry expires; it is a name,
    never a literal period, so a change of the rule is a dated entry in the registry. The courts' list of
    dishonest judgment debtors has none: the court decides each entry's term (`term_set_by_court`).
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=ListKind.choices)
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    inclusion_criteria = models.TextField(_("inclusion criteria"))
    responsible_body = models.ForeignKey(
        "accounts.Organization", verbose_name=_("responsible body"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    # As published: the body by name (with the bodies it acts together with), also before it has an account.
    responsible_body_name = models.CharField(_("responsible body (as published)"), max_length=200)
    exit_conditions = models.TextField(_("exit conditions"))
    duration_parameter = models.CharField(_("duration rule"), max_length=100, blank=True)
    requires_prior_notice = models.BooleanField(_("written prior notice before listing (Art 24)"), default=True)
    records_related_persons = models.BooleanField(
        _("records the legal representative, principal and actual controller (Art 24)"), default=False
    )
    is_published = models.BooleanField(_("published on the portal"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("list")
        verbose_name_plural = _("lists")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(name="lists_definition_has_legal_basis", condition=~Q(legal_basis="")),
            models.CheckConstraint(
                name="lists_definition_has_term_rule",
                condition=Q(kind=ListKind.COURT_ENFORCEMENT) | ~Q(duration_parameter=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def term_set_by_court(self) -> bool:
        """The court decides each entry's term (法释〔2017〕7号第二条): no duration rule of the platform applies."""
        return self.kind in COURT_TERM_KINDS


class ListEntry(models.Model):
    """One subject's listing on one list, through the procedure of Art 24.

    `objection_window_end` is the last working day on which the subject may state its case (inclusive); no
    decision is taken on or before it. `objection_window_provisional` says it ran into a year whose holiday
    schedule was not loaded and was counted on weekends alone, until the year is loaded (domain facts §11).
    `expires_on` is exclusive: the entry stops triggering measures on that
    day even before the daily expiry job records the removal. On a list whose term the court decides,
    `court_term_end` is the court's last day (inclusive; `expires_on` is the day after) or `court_term_open`
    says the court set no fixed term (the entry stays until the court removes it). `rule_version`, `articles` and
    `basis_parameters` are those of the latest decision taken on the entry; each step keeps its own in
    `ListEntryEvent`.
    """

    definition = models.ForeignKey(
        ListDefinition, verbose_name=_("list"), on_delete=models.PROTECT, related_name="entries"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="list_entries"
    )
    state = models.CharField(_("state"), max_length=16, choices=EntryState.choices, default=EntryState.PROPOSED)
    reasons = models.TextField(_("facts and reasons"))
    basis = models.TextField(_("legal basis applied"))
    cited_records = models.ManyToManyField(
        "records.CreditRecord", verbose_name=_("credit records cited"), blank=True, related_name="list_entries"
    )
    proposed_at = models.DateTimeField(_("proposed"))
    proposed_on = models.DateField(_("proposal date"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("handling organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    notice_number = models.CharField(_("notice number"), max_length=40, blank=True)
    notice_served_on = models.DateField(_("notice served on"), null=True, blank=True)
    objection_window_days = models.PositiveSmallIntegerField(_("objection window (working days)"), null=True,
                                                             blank=True)
    objection_window_end = models.DateField(_("objection window ends (inclusive)"), null=True, blank=True)
    objection_window_provisional = models.BooleanField(_("objection window end provisional"), default=False)
    notice_pdf = models.BinaryField(_("notice (PDF)"), null=True, blank=True)
    notice_digest = models.CharField(_("notice digest (SM3)"), max_length=64, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    statements = models.TextField(_("statements and objections received"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    listed_from = models.DateField(_("listed from"), null=True, blank=True)
    expires_on = models.DateField(_("listed until (exclusive)"), null=True, blank=True)
    # The court's term (法释〔2017〕7号第二条), as the court decided it and as it extended it.
    court_term_end = models.DateField(_("court's term ends on (inclusive)"), null=True, blank=True)
    court_term_open = models.BooleanField(_("no fixed term (until the court removes the entry)"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(_("removal reason"), max_length=16, choices=RemovalReason.choices,
                                      blank=True)
    removal_note = models.TextField(_("removal note"), blank=True)
    removal_published_at = models.DateTimeField(_("removal published"), null=True, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=32, blank=True)
    articles = models.JSONField(_("articles applied"), default=list, blank=True)
    basis_parameters = models.JSONField(_("rule parameters applied"), default=dict, blank=True)
    # Marks while an objection or a repair application about the entry is open (Art 28, 31; xinyong.rights).
    under_objection = models.BooleanField(_("under objection"), default=False)
    under_repair = models.BooleanField(_("under credit repair"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            # The credit check's lookup: only published entries can be active, a small share of all entries.
            models.Index(fields=["subject", "definition"], condition=Q(state=EntryState.PUBLISHED),
                         name="lists_entry_published_subject"),
            models.Index(fields=["definition", "state"], name="lists_entry_definition_state"),
            models.Index(fields=["state", "expires_on"], name="lists_entry_state_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                name="lists_entry_published_has_dates",
                condition=~Q(state=EntryState.PUBLISHED) | (Q(listed_from__isnull=False) & Q(published_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="lists_entry_removed_has_reason",
                condition=~Q(state=EntryState.REMOVED) | (~Q(removal_reason="") & Q(removed_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="lists_entry_court_term_end_or_open",
                condition=Q(court_term_open=False) | Q(court_term_end__isnull=True),
            ),
            models.CheckConstraint(
                name="lists_entry_notified_has_window",
                condition=~Q(state=EntryState.NOTIFIED) | Q(objection_window_end__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.definition.name}"

    @property
    def number(self) -> str:
        return entry_number(self.pk, self.proposed_on)


def entry_number(pk: int | None, proposed_on) -> str:
    """An entry's reference: MD (名单) + year of the proposal + the serial number."""
    return f"MD{proposed_on:%Y}{pk or 0:08d}"


class ListEntryPerson(models.Model):
    """A related person of a listed organization, copied from `SubjectRelation` at the decision date (Art 24).

    Name and masked identifier are kept as they were on that day; the relation itself may end later.
    """

    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="related_persons")
    person = models.ForeignKey(
        "subjects.Subject", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=32, choices=RelationRole.choices)
    name = models.CharField(_("name"), max_length=200)
    identifier_masked = models.CharField(_("identifier (masked)"), max_length=32)
    relation = models.ForeignKey(
        "subjects.SubjectRelation", verbose_name=_("relation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    relation_from = models.DateField(_("in the role from"))

    class Meta:
        verbose_name = _("related person of a list entry")
        verbose_name_plural = _("related persons of list entries")
        ordering = ["entry", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "person", "role"], name="lists_entry_person_unique_role"),
        ]
        indexes = [models.Index(fields=["person"], name="lists_entry_person_person")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class ListEntryEvent(models.Model):
    """One step of an entry's timeline, with the articles and the rule version it applied (append-only)."""

    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=EntryAction.choices)
    state_after = models.CharField(_("state after"), max_length=16, choices=EntryState.choices)
    at = models.DateTimeField(_("time"))
    on = models.DateField(_("date of the act"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    articles = models.JSONField(_("articles applied"), default=list)
    rule_version = models.CharField(_("rule version"), max_length=32)
    parameters = models.JSONField(_("rule parameters applied"), default=dict)

    class Meta:
        verbose_name = _("list entry event")
        verbose_name_plural = _("list entry events")
        ordering = ["entry", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action}"
