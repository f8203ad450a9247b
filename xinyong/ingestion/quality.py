"""Data quality of the departments' submissions (Art 18; Art 33 (3)).

Art 18 asks providers to submit "及时、准确、完整" (timely, accurate, complete); Art 33 (3) holds a body to
account that "未按照规定归集、提供和公开公共信用信息". This module measures that, per provider department and catalog
item, over a period of receipt dates (Beijing time), and ranks the departments. It only reads.

Measures (per department and item):

- **Timeliness** — for each accepted record, the working days from its decision date to its receipt (the
  record's `created_at` date), counted with the working-day calendar (`xinyong.core.workdays`: the decision
  day excluded, the receipt day included). For 双公示 items — those whose catalog item names a
  `submission_deadline_parameter` — the share received within that deadline, taken as in force on the
  decision date (`publicity.double_publicity_deadline`, 7 working days, never a literal here). Median and
  maximum for every item. Records whose interval reaches a year the calendar has not loaded are not counted
  and the year is reported (`missing_calendar_years`), never guessed.
- **Completeness** — among accepted rows (the revisions a submission or a file correction wrote in the
  period), the share of *optional* fields filled: fields neither required nor required for some subject
  kinds. Beside it, the number of "required field empty" errors (rule `required`) among the rejections.
- **Rejection rate** — rejected ÷ received over the finished batches received in the period.
- **Overdue corrections** — rejected rows still unresolved more than N working days after their batch was
  received, N being the item's submission deadline parameter (for items without one,
  `publicity.double_publicity_deadline`), in force on the receipt date. Counted as of `as_of` (today).

**Composite score** (0–100, the ranking of departments; higher is better), over the department's items::

    score = 100 × Σ wᵢ·cᵢ / Σ wᵢ   over the components cᵢ the department has data for
    timeliness  (w = 40): share of 双公示 records received within the deadline
    acceptance  (w = 30): 1 − rejection rate
    corrections (w = 20): 1 − overdue rows ÷ rejected rows stored (1 when nothing was rejected)
    completeness(w = 10): share of optional fields filled

A component without data (e.g. no 双公示 record in the period) is left out and the weights of the others
are scaled up. Departments with equal scores (to one decimal) share a rank; among them the one with more
rows received is listed first. Departments that provide information but submitted nothing in the period are
listed apart, unranked.

Queries: a fixed handful of aggregate queries (grouped in the database) plus one per catalog item that has
revisions in the period, for the optional-field counts; never one per record or per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import DivisionLevel
from xinyong.accounts.models import Organization
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.catalog.choices import VersionStatus
from xinyong.catalog.models import CatalogItem, ItemField
from xinyong.core.workdays import CalendarRangeError, WorkdayCalendar, current_calendar
from xinyong.ingestion.choices import BatchStatus
from xinyong.ingestion.models import Batch, RejectedRow
from xinyong.records.choices import RevisionSource
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.regulation.parameters import ParameterError, ParameterValue, parameter, rule_version

IMPLEMENTS = ("Art 18: quality_report", "Art 33: quality_report")

DEADLINE_PARAMETER = "publicity.double_publicity_deadline"
REQUIRED_RULE = "required"  # the rule code of "required field empty" (xinyong.ingestion.validation)
WEIGHTS: dict[str, int] = {"timeliness": 40, "acceptance": 30, "corrections": 20, "completeness": 10}
COMPONENT_LABELS = {
    "timeliness": _("Timeliness"),
    "acceptance": _("Acceptance"),
    "corrections": _("Corrections in time"),
    "completeness": _("Completeness"),
}
ARTICLES = ["Art 18", "Art 33"]


# --- who sees what ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityScope:
    """The provider departments a user may see the quality of; `provider_ids` None means all of them."""

    provider_ids: frozenset[int] | None
    own_department_only: bool = False

    def allows(self, provider_id: int) -> bool:
        return self.provider_ids is None or provider_id in self.provider_ids


def quality_scope(user) -> QualityScope | None:
    """None when the user may not see quality at all.

    `Permission.VIEW_QUALITY` (supervisors, analysts, case handlers, catalog managers): every department in
    the user's jurisdiction (city-level staff: the whole city). A department's data submitter
    (`Permission.SUBMIT_RECORDS` alone): its own department only.
    """
    organization = getattr(user, "organization", None)
    if organization is None:
        return None
    if has_permission(user, Permission.VIEW_QUALITY):
        division = organization.division
        if division.level in (DivisionLevel.PROVINCE, DivisionLevel.CITY):
            return QualityScope(None)
        ids = set(
            Organization.objects.filter(division__code__startswith=division.prefix).values_list("id", flat=True)
        )
        return QualityScope(frozenset(ids | {organization.pk}))
    if has_permission(user, Permission.SUBMIT_RECORDS):
        return QualityScope(frozenset({organization.pk}), own_department_only=True)
    return None


# --- results ------------------------------------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Timeliness:
    """Working days from decision to receipt of the accepted records (see the module docstring)."""

    records: int = 0  # accepted records received in the period
    uncounted: int = 0  # their interval reaches a year the calendar has not loaded
    measured: int = 0  # 双公示 records measured against a deadline in force on their decision date
    within: int = 0  # … of which received within it
    days: dict[int, int] = field(default_factory=dict)  # working days → records

    def add_days(self, days: int, n: int) -> None:
        self.days[days] = self.days.get(days, 0) + n

    def merge(self, other: Timeliness) -> None:
        self.records += other.records
        self.uncounted += other.uncounted
        self.measured += other.measured
        self.within += other.within
        for days, n in other.days.items():
            self.add_days(days, n)

    @property
    def counted(self) -> int:
        return sum(self.days.values())

    @property
    def share_within(self) -> float | None:
        return _ratio(self.within, self.measured)

    @property
    def maximum(self) -> int | None:
        return max(self.days) if self.days else None

    @property
    def median(self) -> float | None:
        total = self.counted
        if not total:
            return None
        wanted = {(total - 1) // 2, total // 2}
        found: list[int] = []
        seen = 0
        for days in sorted(self.days):
            n = self.days[days]
            for position in sorted(wanted):
                if seen <= position < seen + n:
                    found.append(days)
            seen += n
        return sum(found) / len(found)


@dataclass
class Tally:
    """The counts behind the measures, for one department and item or summed over a department's items."""

    batches: int = 0  # finished batches
    refused_batches: int = 0  # refused as a whole (prohibited or unknown column, unreadable file …)
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    timeliness: Timeliness = field(default_factory=Timeliness)
    accepted_rows: int = 0  # revisions written by submissions and file corrections in the period
    optional_filled: int = 0
    optional_possible: int = 0  # accepted rows × the item's optional fields
    required_errors: int = 0  # "required field empty" errors among the rejections
    rejected_rows: int = 0  # rejected rows stored (distinct rows of the batches in the period)
    unresolved_rows: int = 0
    overdue_rows: int = 0
    overdue_uncounted: int = 0  # unresolved rows whose age reaches a year the calendar has not loaded

    def merge(self, other: Tally) -> None:
        for name in (
            "batches", "refused_batches", "received", "accepted", "rejected", "duplicates", "accepted_rows",
            "optional_filled", "optional_possible", "required_errors", "rejected_rows", "unresolved_rows",
            "overdue_rows", "overdue_uncounted",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.timeliness.merge(other.timeliness)

    @property
    def rejection_rate(self) -> float | None:
        return _ratio(self.rejected, self.received)

    @property
    def completeness(self) -> float | None:
        return _ratio(self.optional_filled, self.optional_possible)

    @property
    def has_data(self) -> bool:
        return bool(self.received or self.timeliness.records or self.accepted_rows or self.rejected_rows
                    or self.refused_batches)


@dataclass
class QualityRow(Tally):
    """One department and one catalog item."""

    provider_id: int = 0
    provider_name: str = ""
    item_code: str = ""
    item_name: str = ""
    double_publicity: bool = False  # the item has a submission deadline (双公示)


@dataclass
class DepartmentQuality(Tally):
    """One department over all its items, with its composite score and rank."""

    provider_id: int = 0
    provider_name: str = ""
    items: int = 0
    components: dict[str, float] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None

    def compute_score(self) -> None:
        components: dict[str, float] = {}
        if self.timeliness.measured:
            components["timeliness"] = self.timeliness.share_within
        if self.received:
            components["acceptance"] = 1 - self.rejection_rate
            components["corrections"] = 1 - self.overdue_rows / self.rejected_rows if self.rejected_rows else 1.0
        elif self.rejected_rows:
            components["corrections"] = 1 - self.overdue_rows / self.rejected_rows
        if self.optional_possible:
            components["completeness"] = self.completeness
        self.components = components
        weight = sum(WEIGHTS[name] for name in components)
        self.score = (
            round(100 * sum(WEIGHTS[name] * value for name, value in components.items()) / weight, 1)
            if weight else None
        )


@dataclass
class QualityReport:
    date_from: dt.date
    date_to: dt.date
    as_of: dt.date
    item_code: str
    rows: list[QualityRow]
    ranking: list[DepartmentQuality]  # ranked departments, best first
    not_submitting: list[Organization]  # provider departments in scope without any submission in the period
    missing_calendar_years: list[int]
    deadline: ParameterValue | None  # the double-publicity deadline in force on `as_of`, for display
    rule_version: str

    @property
    def unscored(self) -> list[DepartmentQuality]:
        return [d for d in self.ranking if d.score is None]


# --- computing ----------------------------------------------------------------------------------------------


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Receipt dates [date_from, date_to] in Beijing time, as aware datetimes [start, end)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


class _Deadlines:
    """Parameter values by (name, day), read once each."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, dt.date], int | None] = {}

    def on(self, name: str, day: dt.date) -> int | None:
        key = (name, day)
        if key not in self._cache:
            try:
                self._cache[key] = int(parameter(name, day).value)
            except ParameterError:
                self._cache[key] = None
        return self._cache[key]


class _Calendar:
    """The working-day calendar snapshot; intervals reaching an unloaded year are noted, not guessed."""

    def __init__(self, calendar: WorkdayCalendar):
        self.calendar = calendar
        self.missing_years: set[int] = set()
        self._cache: dict[tuple[dt.date, dt.date], int | None] = {}

    def between(self, a: dt.date, b: dt.date) -> int | None:
        key = (a, b)
        if key not in self._cache:
            try:
                self._cache[key] = self.calendar.working_days_between(a, b)
            except CalendarRangeError as exc:
                self.missing_years.add(exc.year)
                self._cache[key] = None
        return self._cache[key]


def quality_report(
    *,
    date_from: dt.date,
    date_to: dt.date,
    item_code: str = "",
    provider_ids: Collection[int] | None = None,
    as_of: dt.date | None = None,
) -> QualityReport:
    """The quality measures of submissions received from `date_from` to `date_to` (inclusive, Beijing time),
    for the providers in `provider_ids` (None: all), optionally one item code. See the module docstring."""
    as_of = as_of or timezone.localdate()
    start, end = _bounds(date_from, date_to)
    calendar = _Calendar(current_calendar())
    deadlines = _Deadlines()
    rows: dict[tuple[int, str], QualityRow] = {}

    def row(provider_id: int, code: str) -> QualityRow:
        key = (provider_id, code)
        if key not in rows:
            rows[key] = QualityRow(provider_id=provider_id, item_code=code)
        return rows[key]

    def scoped(queryset, provider_field: str, code_field: str):
        if provider_ids is not None:
            queryset = queryset.filter(**{f"{provider_field}__in": list(provider_ids)})
        if item_code:
            queryset = queryset.filter(**{code_field: item_code})
        return queryset

    # Batches: received, accepted, rejected, duplicates (finished batches), refusals.
    done, refused = Q(status=BatchStatus.DONE), Q(status=BatchStatus.REFUSED)
    batches = scoped(Batch.objects.filter(created_at__gte=start, created_at__lt=end), "provider_id", "item_code")
    for entry in batches.values("provider_id", "item_code").annotate(
        n_done=Count("id", filter=done), n_refused=Count("id", filter=refused),
        s_received=Sum("received", filter=done), s_accepted=Sum("accepted", filter=done),
        s_rejected=Sum("rejected", filter=done), s_duplicates=Sum("duplicates", filter=done),
    ).order_by():
        r = row(entry["provider_id"], entry["item_code"])
        r.batches += entry["n_done"]
        r.refused_batches += entry["n_refused"]
        r.received += entry["s_received"] or 0
        r.accepted += entry["s_accepted"] or 0
        r.rejected += entry["s_rejected"] or 0
        r.duplicates += entry["s_duplicates"] or 0

    # Timeliness: records grouped by (provider, item version, decision date, receipt date).
    records = scoped(CreditRecord.objects.filter(created_at__gte=start, created_at__lt=end), "provider_id",
                     "item_code")
    timeliness_groups = list(
        records.annotate(received_on=TruncDate("created_at"))
        .values("provider_id", "item_id", "item_code", "decision_date", "received_on")
        .annotate(n=Count("id"))
        .order_by()
    )

    # Accepted rows (revisions of submissions and file corrections) and their items' optional fields.
    revisions = scoped(
        RecordRevision.objects.filter(
            created_at__gte=start, created_at__lt=end,
            source__in=[RevisionSource.SUBMISSION, RevisionSource.CORRECTION],
        ),
        "record__provider_id", "record__item_code",
    )
    revision_items = set(revisions.values_list("item_id_at", flat=True).distinct().order_by())

    # Rejections, one line per batch: distinct rows, unresolved rows, "required" errors.
    rejections = scoped(
        RejectedRow.objects.filter(batch__created_at__gte=start, batch__created_at__lt=end,
                                   batch__status=BatchStatus.DONE),
        "batch__provider_id", "batch__item_code",
    )
    rejection_groups = list(
        rejections.values("batch_id", "batch__provider_id", "batch__item_id", "batch__item_code",
                          "batch__created_at")
        .annotate(
            rows=Count("row_number", distinct=True),
            unresolved=Count("row_number", distinct=True, filter=Q(resolved=False)),
            required=Count("id", filter=Q(code=REQUIRED_RULE)),
        )
        .order_by()
    )

    # The catalog items involved: names and submission deadline parameters, by id and by code.
    item_ids = ({g["item_id"] for g in timeliness_groups} | revision_items
                | {g["batch__item_id"] for g in rejection_groups})
    codes = {code for _p, code in rows} | {g["item_code"] for g in timeliness_groups} | {
        g["batch__item_code"] for g in rejection_groups}
    items_by_id: dict[int, dict] = {}
    names_by_code: dict[str, str] = {}
    deadline_codes: set[str] = set()
    for item in (
        CatalogItem.objects.filter(Q(pk__in=item_ids) | Q(code__in=codes, version__status=VersionStatus.PUBLISHED))
        .values("id", "code", "name", "submission_deadline_parameter", "version__status")
        .order_by("version__number", "id")
    ):
        items_by_id[item["id"]] = item
        if item["version__status"] == VersionStatus.PUBLISHED:
            names_by_code[item["code"]] = item["name"]  # the name in force wins over older versions'
        else:
            names_by_code.setdefault(item["code"], item["name"])
        if item["submission_deadline_parameter"]:
            deadline_codes.add(item["code"])

    for group in timeliness_groups:
        r = row(group["provider_id"], group["item_code"])
        n = group["n"]
        r.timeliness.records += n
        received_on = group["received_on"]
        days = calendar.between(group["decision_date"], received_on)
        if days is None:
            r.timeliness.uncounted += n
            continue
        r.timeliness.add_days(days, n)
        name = (items_by_id.get(group["item_id"]) or {}).get("submission_deadline_parameter")
        if name:
            limit = deadlines.on(name, group["decision_date"])
            if limit is not None:
                r.timeliness.measured += n
                if days <= limit:
                    r.timeliness.within += n

    if revision_items:
        optional: dict[int, list[str]] = {}
        for f in ItemField.objects.filter(item_id__in=revision_items, required=False).values(
            "item_id", "code", "required_for"
        ):
            if not f["required_for"]:
                optional.setdefault(f["item_id"], []).append(f["code"])
        for item_id in sorted(revision_items):
            fields = optional.get(item_id, [])
            counts = {f"f{i}": Count("id", filter=Q(data__has_key=code)) for i, code in enumerate(fields)}
            code = (items_by_id.get(item_id) or {}).get("code")
            for entry in (
                revisions.filter(item_id_at=item_id)
                .values("record__provider_id", "record__item_code")
                .annotate(n=Count("id"), **counts)
                .order_by()
            ):
                r = row(entry["record__provider_id"], code or entry["record__item_code"])
                r.accepted_rows += entry["n"]
                r.optional_possible += entry["n"] * len(fields)
                r.optional_filled += sum(entry[f"f{i}"] for i in range(len(fields)))

    for group in rejection_groups:
        r = row(group["batch__provider_id"], group["batch__item_code"])
        r.rejected_rows += group["rows"]
        r.unresolved_rows += group["unresolved"]
        r.required_errors += group["required"]
        if not group["unresolved"]:
            continue
        received_on = timezone.localdate(group["batch__created_at"])
        name = (items_by_id.get(group["batch__item_id"]) or {}).get("submission_deadline_parameter") or DEADLINE_PARAMETER
        limit = deadlines.on(name, received_on)
        if limit is None:
            limit = deadlines.on(name, as_of)
        age = calendar.between(received_on, as_of)
        if age is None or limit is None:
            r.overdue_uncounted += group["unresolved"]
        elif age > limit:
            r.overdue_rows += group["unresolved"]

    # Names, departments, ranking.
    provider_names = dict(
        Organization.objects.filter(pk__in={p for p, _c in rows}).values_list("id", "name")
    )
    result_rows = [r for r in rows.values() if r.has_data]
    for r in result_rows:
        r.provider_name = provider_names.get(r.provider_id, "")
        r.item_name = names_by_code.get(r.item_code, r.item_code)
        r.double_publicity = r.item_code in deadline_codes
    result_rows.sort(key=lambda r: (r.provider_name, r.provider_id, r.item_code))

    departments: dict[int, DepartmentQuality] = {}
    for r in result_rows:
        d = departments.get(r.provider_id)
        if d is None:
            d = departments[r.provider_id] = DepartmentQuality(provider_id=r.provider_id,
                                                               provider_name=r.provider_name)
        d.merge(r)
        d.items += 1
    ranking = list(departments.values())
    for d in ranking:
        d.compute_score()
    ranking.sort(key=lambda d: (d.score is None, -(d.score or 0), -d.received, d.provider_name, d.provider_id))
    previous: tuple[float | None, int] | None = None
    for position, d in enumerate(ranking, start=1):
        if d.score is None:
            continue
        if previous is not None and previous[0] == d.score:
            d.rank = previous[1]
        else:
            d.rank = position
        previous = (d.score, d.rank)

    not_submitting = Organization.objects.filter(is_provider=True, is_active=True).exclude(pk__in=list(departments))
    if provider_ids is not None:
        not_submitting = not_submitting.filter(pk__in=list(provider_ids))
    if item_code:
        not_submitting = not_submitting.filter(catalog_items__code=item_code)

    try:
        deadline = parameter(DEADLINE_PARAMETER, as_of)
    except ParameterError:
        deadline = None
    return QualityReport(
        date_from=date_from, date_to=date_to, as_of=as_of, item_code=item_code, rows=result_rows,
        ranking=ranking, not_submitting=list(not_submitting.distinct().order_by("name")),
        missing_calendar_years=sorted(calendar.missing_years), deadline=deadline, rule_version=rule_version(),
    )
