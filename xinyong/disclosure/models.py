"""Written authorizations, the query log, the organization search index and rate-limit counters (Art 21, 29).

* `Authorization` — a subject's written authorization (书面授权, Art 21) for one organization to query
  categories of its information for one purpose until a date. Drafted pending, in force once the subject
  confirms it in its account, revocable at any time; revocation takes effect on the grantee's next request.
* `QueryLogEntry` — one row for every non-public read, served or refused (Art 21, 29; security req. 11).
  Append-only at the database level (migration 0002): UPDATE and TRUNCATE always fail, and DELETE fails for
  entries younger than the five-year floor of `retention.query_log`; `xinyong queries purge` is the only
  deleter.
* `OrganizationSearch` — the public search's index of organization names (never natural persons, Art 19).
* `RateLimitCounter` — fixed-window request counters shared by every process (security req. 26).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.disclosure.choices import AuthorizationStatus, QueryMode, QueryResult
from xinyong.disclosure.fields import BigramVectorField


class Authorization(models.Model):
    """A subject's written authorization for an organization to query its information (Art 21).

    `document` is the text of the authorization exactly as the subject confirmed it and `document_digest`
    its SM3 digest: the proof a query log entry points at (domain facts §6). Subject, grantee, categories,
    purpose and the validity date never change after drafting; only the status moves, and only through
    `xinyong.disclosure.services` (server-owned, security req. 9).
    """

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    grantee = models.ForeignKey(
        "accounts.Organization", verbose_name=_("authorized organization"), on_delete=models.PROTECT,
        related_name="+",
    )
    # values of catalog.InformationKind
    categories = models.JSONField(_("information categories"))
    purpose = models.CharField(_("purpose"), max_length=200)
    valid_until = models.DateField(_("valid until (inclusive)"))
    status = models.CharField(
        _("status"), max_length=16, choices=AuthorizationStatus.choices, default=AuthorizationStatus.PENDING
    )
    document = models.TextField(_("authorization text"))
    document_digest = models.CharField(_("authorization digest (SM3)"), max_length=64)
    created_at = models.DateTimeField(_("drafted"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("query authorization")
        verbose_name_plural = _("query authorizations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="disclosure_authorization_confirmed_has_time",
                condition=~Q(status=AuthorizationStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="disclosure_authorization_revoked_has_time",
                condition=~Q(status=AuthorizationStatus.REVOKED) | Q(revoked_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "status"], name="disclosure_auth_subject"),
            models.Index(fields=["grantee", "status"], name="disclosure_auth_grantee"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.grantee_id} → subject {self.subject_id} ({self.status})"


class QueryLogEntry(models.Model):
    """One non-public read of a subject's information, served or refused (Art 21, 29; security req. 11).

    The requester is the acting account and `organization` the organization it acted for (none for a
    subject's own account). A refusal keeps its reason here, while the caller is only told "not found".
    `subject` is empty when the key asked for matched no subject; `subject_label` then holds the key (a
    USCC or an internal number; never an ID number).
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    requester_label = models.CharField(_("requester account"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("requesting organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    subject_label = models.CharField(_("subject asked for"), max_length=64, blank=True)
    mode = models.CharField(_("query mode"), max_length=16, choices=QueryMode.choices)
    categories = models.JSONField(_("information categories"), default=list)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    authorization = models.ForeignKey(
        Authorization, verbose_name=_("authorization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    authorization_digest = models.CharField(_("authorization digest (SM3)"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=QueryResult.choices)
    reason = models.CharField(_("refusal reason"), max_length=32, blank=True)
    record_count = models.PositiveIntegerField(_("records served"), default=0)
    channel = models.CharField(_("channel"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("query log entry")
        verbose_name_plural = _("query log")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "occurred_at"], name="disclosure_qlog_subject"),
            models.Index(fields=["organization", "occurred_at"], name="disclosure_qlog_org"),
            models.Index(fields=["requester", "occurred_at"], name="disclosure_qlog_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.mode} {self.subject_id} {self.result}"


class OrganizationSearch(models.Model):
    """The search index row of one organization: its name normalized, and that name's overlapping
    two-character pieces (bigrams) as a tsvector with a GIN index on PostgreSQL. Natural persons never get a
    row (Art 19). Kept in sync by `search_index_refresh`; `search_index_catch_up` adds new subjects."""

    subject = models.OneToOneField(
        "subjects.Subject", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    name_normalized = models.TextField(_("name (normalized)"))
    name_bigrams = BigramVectorField(_("name bigrams"))
    indexed_at = models.DateTimeField(_("indexed"))

    class Meta:
        verbose_name = _("organization search entry")
        verbose_name_plural = _("organization search index")
        # Results are listed in name order: for a piece most names contain (有限, 公司) the planner walks this
        # index and stops after a page instead of reading and sorting every match.
        indexes = [models.Index(fields=["name_normalized", "subject"], name="disclosure_search_name_order")]

    def __str__(self) -> str:
        return self.name_normalized


class SearchIndexState(models.Model):
    """One row: the highest subject id `search_index_catch_up` has looked at."""

    last_subject_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("search index state")
        verbose_name_plural = _("search index state")

    def __str__(self) -> str:
        return str(self.last_subject_id)


class RateLimitCounter(models.Model):
    """Requests of one client (address or account) in one fixed window (security req. 26)."""

    key = models.CharField(_("client"), max_length=120)
    window_number = models.BigIntegerField(_("window number"))
    count = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")
        constraints = [models.UniqueConstraint(fields=["key", "window_number"], name="disclosure_ratelimit_unique")]
        indexes = [models.Index(fields=["window_number"], name="disclosure_ratelimit_window")]

    def __str__(self) -> str:
        return f"{self.key} #{self.window_number}: {self.count}"
