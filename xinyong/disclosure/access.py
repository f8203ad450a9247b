"""The one way to read a subject's credit information (Art 17–19, 21, 29; security req. 7, 8, 10, 11).

`access_subject_information` checks the rule of the query mode, writes exactly one query-log row for every
non-public read (served or refused) and returns the records the mode may see, their field values masked
(`xinyong.core.masking`). A refusal is logged (and audited, event 7010) and then raised as
`NotFoundOrForbidden`: a caller without a matching authorization hears exactly what a caller asking for a
subject that does not exist hears (Zulip's `access_<thing>_by_<key>` habit). Public reads are not logged.

What each mode sees (records that are active and pass their integrity check, `records_for_subject`):

| mode | who | rule | disclosure classes | publication window |
|---|---|---|---|---|
| public (依法公开, Art 18) | anyone | organizations only, never natural persons (Art 19) | public | only inside it, on the day asked |
| official (依职权, Art 21) | staff of a government body with QUERY_OFFICIAL | purpose stated; subject within the jurisdiction (`subject_restrict`) | public, shared | any; repaired records too, marked (Art 31) |
| self (本人, Art 29) | the subject's own account (or the subject in person at the service window, `WINDOW_CHANNEL`) | — | all | any; repaired records too, marked; with each revision's source and reason |
| authorized (授权, Art 21) | the grantee organization's accounts with QUERY_AUTHORIZED | a confirmed, unexpired, unrevoked authorization of this subject to this organization, for this purpose, covering the categories asked | public, authorized | any |

A record's own disclosure field may narrow its class, never widen it (`ItemRule.DISCLOSURE_PER_RECORD`).
What the public sees is one rule, `public_record_views`: for the public page as the platform knows it now, and
for "what the public page showed on day X" (Art 30 disputes; `xinyong public-view`, the console) as it knew it
at the end of that day — each record by the revision current then, with that revision's window and status.
Revocation and expiry are checked against the database and today's date on every call, so a revocation
takes effect on the grantee's next request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind, OrganizationKind
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import audit_record
from xinyong.catalog.choices import DisclosureClass, FieldType, InformationKind, ItemRule
from xinyong.catalog.models import CatalogItem, ItemField
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.identifiers import IdentifierType
from xinyong.core.masking import mask_identifier
from xinyong.disclosure.choices import (
    AuthorizationStatus,
    QueryMode,
    QueryResult,
    RefusalReason,
)
from xinyong.disclosure.models import Authorization, QueryLogEntry
from xinyong.notifications.hooks import data_read_notify
from xinyong.records.choices import RecordStatus
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.records.selectors import record_is_public_on, records_for_subject
from xinyong.subjects.models import Subject, SubjectAccount
from xinyong.subjects.selectors import subject_restrict

IMPLEMENTS = (
    "Art 17",
    "Art 18: access_public_profile",
    "Art 19",
    "Art 21",
    "Art 29: access_subject_information",
)

# Organizations whose staff may query by virtue of their office (依职权查询, Art 21).
GOVERNMENT_KINDS = frozenset(
    {OrganizationKind.AUTHORITY, OrganizationKind.DEPARTMENT, OrganizationKind.COURT, OrganizationKind.PROCURATORATE}
)

_MODE_CLASSES: dict[QueryMode, frozenset[str]] = {
    QueryMode.PUBLIC: frozenset({DisclosureClass.PUBLIC}),
    QueryMode.OFFICIAL: frozenset({DisclosureClass.PUBLIC, DisclosureClass.SHARED}),
    QueryMode.SELF: frozenset(DisclosureClass.values),
    QueryMode.AUTHORIZED: frozenset({DisclosureClass.PUBLIC, DisclosureClass.AUTHORIZED}),
}

# A record's own 公开类型 (credit commitments, domain facts §9) and the class it means.
_PER_RECORD_CLASS = {
    "社会公开": DisclosureClass.PUBLIC,
    "特定范围": DisclosureClass.SHARED,
    "不公开": DisclosureClass.AUTHORIZED,
}
_CLASS_NARROWNESS = {DisclosureClass.PUBLIC: 0, DisclosureClass.SHARED: 1, DisclosureClass.AUTHORIZED: 2}

ARTICLES = ["Art 17", "Art 21", "Art 29"]

# 实名认证查询 at the service window (Art 21): the subject in person, identity checked by the clerk who runs
# the `xinyong report` command, a trusted operator tool. Only there is a self read made without a portal
# account (requester None); pages and the API always pass the logged-in account, and the read is logged with
# this channel and no requester.
WINDOW_CHANNEL = "window"


# --- what a read returns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldValue:
    code: str
    name: str
    value: str


@dataclass(frozen=True)
class RevisionView:
    """One revision of a record as its subject sees it: what made it, when and why (Art 29)."""

    number: int
    source: str
    source_label: str
    reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class RecordView:
    """One record as a mode may see it; field values are masked where the catalog says so."""

    record: CreditRecord
    item_code: str
    item_name: str
    category_code: str
    category_name: str
    kind: str  # catalog.InformationKind
    provider_name: str
    document_number: str
    decision_date: dt.date
    publication_start: dt.date | None
    publication_end: dt.date | None  # exclusive
    disclosure_class: str
    fields: tuple[FieldValue, ...]
    under_objection: bool
    under_repair: bool
    revisions: tuple[RevisionView, ...] = ()  # filled for the subject's own reads only
    # Credit repair approved (Art 31): shown only to the subject itself and for official use.
    repaired: bool = False
    # The revision shown: the current one, or in a view of a past day the one current at the end of that day.
    revision: RecordRevision | None = None

    @property
    def kind_label(self) -> str:
        return str(InformationKind(self.kind).label)

    @property
    def publication_last_day(self) -> dt.date | None:
        return self.publication_end - dt.timedelta(days=1) if self.publication_end else None


@dataclass
class SubjectInformation:
    subject: Subject
    mode: str
    on: dt.date
    categories: tuple[str, ...]
    records: list[RecordView] = field(default_factory=list)
    authorization: Authorization | None = None
    log_entry: QueryLogEntry | None = None  # None for public reads
    # An official read of what the public page showed on a past day (`as_public_on`): records and list entries.
    public_view: object | None = None


# --- helpers ------------------------------------------------------------------------------------------------


def _kinds(categories) -> tuple[str, ...]:
    if categories is None:
        return ()
    if isinstance(categories, str):
        categories = [c for c in categories.split(",") if c.strip()]
    kinds = []
    for value in categories:
        try:
            kinds.append(InformationKind(str(value).strip()).value)
        except ValueError:
            raise ServiceError(
                "invalid_category", _("Unknown information category."), field="categories"
            ) from None
    return tuple(sorted(set(kinds)))


def effective_disclosure_class(record: CreditRecord, item: CatalogItem, data: dict) -> str:
    """The record's class, narrowed (never widened) by its own disclosure field where the item allows it."""
    result = record.disclosure_class
    if ItemRule.DISCLOSURE_PER_RECORD in (item.rules or []):
        for value in data.values():
            own = _PER_RECORD_CLASS.get(str(value).strip()) if isinstance(value, str) else None
            if own is not None and _CLASS_NARROWNESS.get(own, 0) > _CLASS_NARROWNESS.get(result, 0):
                result = own
    return result


def _display_value(item_field: ItemField, raw) -> str:
    from xinyong.ingestion.validation import scrub_id_numbers

    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    if item_field.field_type == FieldType.ID_NUMBER or item_field.masked:
        # Stored masked already (ingestion); masking again as a citizen ID keeps a masked value as it is and
        # guarantees no run of 8 digits whatever was stored (security req. 10).
        return mask_identifier(IdentifierType.CITIZEN_ID, text)
    if item_field.field_type == FieldType.USCC:
        return mask_identifier(IdentifierType.USCC, text)
    return scrub_id_numbers(text)


def _items(records: list[CreditRecord]) -> dict[int, CatalogItem]:
    return {
        item.pk: item
        for item in CatalogItem.objects.filter(pk__in={r.item_id for r in records})
        .select_related("category")
        .prefetch_related(Prefetch("fields", queryset=ItemField.objects.order_by("order", "id")))
    }


def _view(record: CreditRecord, item: CatalogItem, disclosure: str, with_revisions: bool,
          revision: RecordRevision | None = None) -> RecordView:
    """The record as `revision` (the current one by default) has it."""
    revision = revision or record.current_revision
    data = revision.data or {}
    values = []
    for item_field in item.fields.all():
        shown = _display_value(item_field, data.get(item_field.code))
        if shown:
            values.append(FieldValue(item_field.code, item_field.name, shown))
    revisions = ()
    if with_revisions:
        revisions = tuple(
            RevisionView(r.number, r.source, str(r.get_source_display()), r.reason, r.created_at)
            for r in record.revision_history
        )
    return RecordView(
        record=record,
        item_code=item.code,
        item_name=item.name,
        category_code=item.category.code,
        category_name=item.category.name,
        kind=item.category.kind,
        provider_name=record.provider.name,
        document_number=record.document_number,
        decision_date=revision.decision_date,
        publication_start=revision.publication_start,
        publication_end=revision.publication_end,
        disclosure_class=disclosure,
        fields=tuple(values),
        under_objection=record.under_objection,
        under_repair=record.under_repair,
        revisions=revisions,
        repaired=revision.status == RecordStatus.REPAIRED,
        revision=revision,
    )


#: Modes that still see a repaired record (Art 31: publication and sharing stop; official use as the law allows).
_MODES_SEEING_REPAIRED = frozenset({QueryMode.SELF, QueryMode.OFFICIAL})


def _end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the platform's time zone: what was recorded before it was known that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


def revision_known_at(record: CreditRecord, known_at: dt.datetime) -> RecordRevision | None:
    """The revision of a verified record that was current at `known_at` (by when each was created), None when
    the platform had not received the record yet."""
    known = [r for r in record.revision_history if r.created_at < known_at]
    return max(known, key=lambda r: r.number) if known else None


def public_record_views(subject: Subject | None, day: dt.date, *, kinds: tuple[str, ...] = (),
                        known_on: dt.date | None = None) -> list[RecordView]:
    """What the public could see of `subject`'s records on `day` (Art 18, 19, 31): nothing of a natural person;
    each record by its revision as the platform knows it now, or as it knew it at the end of `known_on` — that
    revision active (not withdrawn, repaired or archived), of the public class after its own disclosure field,
    with `day` inside its publication window (`record_is_public_on` on the revision's own fields).

    The one rule of the public page (`known_on` None) and of the view of a past day (`known_on` = that day);
    for today both give the same records."""
    if subject is None or subject.is_person:
        return []
    if known_on is None:
        # Known now: the current revision, which can be public only if the record is active.
        records = records_for_subject(subject, usable_only=True)
        known = {r.pk: r.current_revision for r in records}
    else:
        # A record withdrawn, corrected or repaired since is shown as it was; one received later is not shown.
        records = records_for_subject(subject)
        known_at = _end_of_day(known_on)
        known = {r.pk: revision_known_at(r, known_at) for r in records}
    items = _items(records)
    views = []
    for record in records:
        revision = known[record.pk]
        if revision is None:
            continue
        item = items[record.item_id]
        if kinds and item.category.kind not in kinds:
            continue
        disclosure = effective_disclosure_class(revision, item, revision.data or {})
        if disclosure != DisclosureClass.PUBLIC or not record_is_public_on(revision, day):
            continue
        views.append(_view(record, item, disclosure, with_revisions=False, revision=revision))
    return views


def _record_views(subject: Subject, mode: QueryMode, kinds: tuple[str, ...], day: dt.date) -> list[RecordView]:
    if mode == QueryMode.PUBLIC:
        return public_record_views(subject, day, kinds=kinds)
    records = records_for_subject(subject, usable_only=True, include_repaired=mode in _MODES_SEEING_REPAIRED)
    items = _items(records)
    classes = _MODE_CLASSES[mode]
    views = []
    for record in records:
        item = items[record.item_id]
        if kinds and item.category.kind not in kinds:
            continue
        disclosure = effective_disclosure_class(record, item, record.current_revision.data or {})
        if disclosure not in classes:
            continue
        views.append(_view(record, item, disclosure, with_revisions=mode == QueryMode.SELF))
    return views


def _authenticated(requester) -> bool:
    return requester is not None and getattr(requester, "is_authenticated", False) and requester.is_active


def _own_subject_id(requester) -> int | None:
    if not _authenticated(requester) or requester.kind != AccountKind.SUBJECT:
        return None
    return SubjectAccount.objects.filter(user=requester).values_list("subject_id", flat=True).first()


def _authorization(value) -> Authorization | None:
    if value is None or value == "":
        return None
    if isinstance(value, Authorization):
        value = value.pk
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return Authorization.objects.filter(pk=pk).first()


def _authorization_problem(
    authorization: Authorization | None, *, requester, subject: Subject, purpose: str, kinds: tuple[str, ...]
) -> RefusalReason | None:
    if authorization is None:
        return RefusalReason.NO_AUTHORIZATION
    if authorization.subject_id != subject.pk:
        return RefusalReason.WRONG_SUBJECT
    if authorization.grantee_id != getattr(requester, "organization_id", None):
        return RefusalReason.WRONG_GRANTEE
    if authorization.status == AuthorizationStatus.PENDING:
        return RefusalReason.AUTHORIZATION_NOT_CONFIRMED
    if authorization.status != AuthorizationStatus.CONFIRMED:
        return RefusalReason.AUTHORIZATION_REVOKED
    # The real date, never the `on` a caller passes: an authorization cannot be revived by asking about the past.
    if authorization.valid_until < timezone.localdate():
        return RefusalReason.AUTHORIZATION_EXPIRED
    if normalize_purpose(authorization.purpose) != purpose:
        return RefusalReason.PURPOSE_MISMATCH
    if kinds and not set(kinds) <= set(authorization.categories):
        return RefusalReason.CATEGORY_NOT_AUTHORIZED
    return None


def normalize_purpose(purpose: str) -> str:
    return " ".join((purpose or "").split())[:200]


def _log(
    *, requester, subject: Subject | None, subject_label: str, mode: QueryMode, kinds, purpose: str,
    authorization: Authorization | None, result: QueryResult, reason: str = "", count: int = 0, channel: str = "",
) -> QueryLogEntry:
    actor = requester if _authenticated(requester) else None
    return QueryLogEntry.objects.create(
        occurred_at=timezone.now(),
        requester=actor,
        requester_label=getattr(actor, "username", "") or "",
        organization_id=getattr(actor, "organization_id", None),
        subject=subject,
        subject_label=(subject.identifier_masked if subject is not None else subject_label)[:64],
        mode=mode,
        categories=list(kinds),
        purpose=purpose,
        authorization=authorization,
        authorization_digest=authorization.document_digest if authorization is not None else "",
        result=result,
        reason=reason,
        record_count=count,
        channel=channel[:16],
    )


def _refuse(reason: RefusalReason, error: ServiceError | None = None, **log) -> None:
    """Log the refusal, audit it (fail-closed together) and raise: "not found" unless `error` is given."""
    with transaction.atomic():
        entry = _log(result=QueryResult.REFUSED, reason=reason, **log)
        requester = log["requester"]
        audit_record(
            AuditEventType.QUERY_REFUSED,
            actor=requester if _authenticated(requester) else None,
            target=log["subject"],
            target_label=entry.subject_label,
            outcome=AuditOutcome.DENIED,
            articles=ARTICLES,
            details={
                "mode": str(log["mode"]), "reason": str(reason), "query_log_entry": entry.pk,
                "authorization": log["authorization"].pk if log["authorization"] is not None else None,
                "categories": list(log["kinds"]), "purpose": log["purpose"],
            },
        )
    raise error or NotFoundOrForbidden()


# --- the access functions -----------------------------------------------------------------------------------


def access_subject_information(
    *,
    requester,
    subject: Subject | None,
    mode: str,
    purpose: str = "",
    authorization=None,
    categories=None,
    on: dt.date | None = None,
    subject_label: str = "",
    channel: str = "",
    as_public_on: dt.date | None = None,
) -> SubjectInformation:
    """Read `subject`'s credit information in `mode` (see the module docstring for each mode's rule).

    `as_public_on` (official mode only, staff with `Permission.VIEW_PUBLIC_HISTORY`): instead of the official
    view, what the organization's public page showed on that day as the platform knew it then, records and
    list entries (`selectors.public_view_on`), for objections and disputes about it (Art 28, 30). Logged and
    notified like every official query; the day is named in the logged purpose.

    `subject` None means the key the caller gave matched nothing; in a non-public mode that refusal is logged
    like any other (`subject_label` names the key in the log). `authorization` is an `Authorization` or its
    id; `categories` a list of `InformationKind` values (None: all, or all the authorization covers); `on` the
    day whose public window applies (today by default). Raises `NotFoundOrForbidden` for every refusal,
    `ServiceError("purpose_required")` (400) when an official or authorized query states no purpose, and
    `ServiceError("invalid_category"/"invalid_mode")` for malformed input (not a read, not logged).
    """
    try:
        mode = QueryMode(mode)
    except ValueError:
        raise ServiceError("invalid_mode", _("Unknown query mode."), field="mode") from None
    kinds = _kinds(categories)
    day = on or timezone.localdate()
    if as_public_on is not None:
        if mode != QueryMode.OFFICIAL:
            raise ServiceError("invalid_mode", _("Unknown query mode."), field="mode")
        if as_public_on > timezone.localdate():
            raise ServiceError("future_date", _("The day cannot be in the future."), field="on")
        day = as_public_on

    if mode == QueryMode.PUBLIC:
        if subject is None or subject.is_person:
            raise NotFoundOrForbidden()
        return SubjectInformation(subject, mode, day, kinds, _record_views(subject, mode, kinds, day))

    purpose = normalize_purpose(purpose)
    found = _authorization(authorization) if mode == QueryMode.AUTHORIZED else None
    log = {
        "requester": requester, "subject": subject, "subject_label": subject_label, "mode": mode,
        "kinds": kinds, "purpose": purpose, "authorization": found, "channel": channel,
    }
    reason = None
    if mode == QueryMode.OFFICIAL:
        if not has_permission(requester, Permission.QUERY_OFFICIAL) or (
            as_public_on is not None and not has_permission(requester, Permission.VIEW_PUBLIC_HISTORY)
        ):
            reason = RefusalReason.NO_PERMISSION
        elif requester.organization.kind not in GOVERNMENT_KINDS:
            reason = RefusalReason.NOT_GOVERNMENT
        elif not purpose:
            _refuse(RefusalReason.PURPOSE_REQUIRED, _purpose_required(), **log)
        elif subject is None:
            reason = RefusalReason.NOT_FOUND
        elif not subject_restrict(requester, Subject.objects.filter(pk=subject.pk)).exists():
            reason = RefusalReason.OUTSIDE_JURISDICTION
    elif mode == QueryMode.SELF:
        own = _own_subject_id(requester)
        if requester is None and channel == WINDOW_CHANNEL and subject is not None:
            own = subject.pk  # in person at the service window: see WINDOW_CHANNEL
        if own is None:
            reason = RefusalReason.NOT_OWN_SUBJECT
        elif subject is None:
            reason = RefusalReason.NOT_FOUND
        elif own != subject.pk:
            reason = RefusalReason.NOT_OWN_SUBJECT
    else:  # authorized
        if not has_permission(requester, Permission.QUERY_AUTHORIZED):
            reason = RefusalReason.NO_PERMISSION
        elif not purpose:
            _refuse(RefusalReason.PURPOSE_REQUIRED, _purpose_required(), **log)
        elif subject is None:
            reason = RefusalReason.NOT_FOUND
        else:
            reason = _authorization_problem(found, requester=requester, subject=subject, purpose=purpose, kinds=kinds)
            if reason is None and not kinds:
                kinds = tuple(sorted(found.categories))
                log["kinds"] = kinds
    if reason is not None:
        _refuse(reason, **log)

    public_view = None
    if as_public_on is not None:
        from xinyong.disclosure.selectors import public_view_on

        public_view = public_view_on(subject, as_public_on)
        views = public_view.records
        log["purpose"] = normalize_purpose(f"{purpose[:160]}（{as_public_on.isoformat()}公示情况）")
    else:
        views = _record_views(subject, mode, kinds, day)
    if mode == QueryMode.SELF:
        entry = _log(result=QueryResult.SERVED, count=len(views), **log)
    else:
        # Art 29: the subject is told who read its information and why (a notice if it has a portal account);
        # the log entry and the notice are written together.
        count = len(views) + (len(public_view.list_entries) if public_view is not None else 0)
        with transaction.atomic():
            entry = _log(result=QueryResult.SERVED, count=count, **log)
            data_read_notify(entry=entry, requester=requester)
    return SubjectInformation(subject, mode, day, kinds, views, authorization=found, log_entry=entry,
                              public_view=public_view)


def _purpose_required() -> ServiceError:
    return ServiceError("purpose_required", _("State the purpose of the query."), field="purpose")


# --- the public page ----------------------------------------------------------------------------------------

# The order of the national public credit report (domain facts §6), then anything else by category order.
SECTION_CATEGORIES = ("registration", "administrative", "honor", "serious-dishonesty", "abnormal-list",
                      "commitment", "evaluation", "judicial")
CORE_ITEMS = ("admin-permit", "admin-penalty", "honor", "serious-dishonesty-list", "business-abnormal-list",
              "court-enforcement")
LIST_ITEMS = ("serious-dishonesty-list", "business-abnormal-list", "court-enforcement")
# Fields that end a listing: listed while the day is before the removal date / up to the "valid until" day.
_LIST_REMOVED_ON = {"business-abnormal-list": "YC_YCRQ"}
_LIST_VALID_UNTIL = {"serious-dishonesty-list": "SX_YXQZ"}


@dataclass(frozen=True)
class ProfileSection:
    item_code: str
    title: str
    records: list[RecordView]


@dataclass(frozen=True)
class ListStatus:
    item_code: str
    title: str
    listed: bool


@dataclass
class PublicProfile:
    subject: Subject
    on: dt.date
    records: list[RecordView]
    sections: list[ProfileSection]
    lists: list[ListStatus]

    @property
    def has_marks(self) -> bool:
        return any(r.under_objection or r.under_repair for r in self.records)


def _still_listed(view: RecordView, day: dt.date) -> bool:
    values = {f.code: f.value for f in view.fields}
    removed = values.get(_LIST_REMOVED_ON.get(view.item_code, ""), "")
    until = values.get(_LIST_VALID_UNTIL.get(view.item_code, ""), "")
    try:
        if removed and dt.date.fromisoformat(removed) <= day:
            return False
        if until and dt.date.fromisoformat(until) < day:
            return False
    except ValueError:
        pass
    return True


def _item_names() -> dict[str, str]:
    from xinyong.catalog.choices import VersionStatus

    names = {}
    for code, name in CatalogItem.objects.filter(
        code__in=CORE_ITEMS, version__status=VersionStatus.PUBLISHED
    ).values_list("code", "name"):
        names.setdefault(code, name)
    return names


def access_public_profile(subject: Subject | None, on: dt.date | None = None) -> PublicProfile:
    """An organization's public page (Art 18, 21): its public records inside their windows on `on`, grouped
    as the national public credit report orders them, and whether it is on a list that day. Natural persons
    (Art 19) and missing subjects raise `NotFoundOrForbidden`. Not logged: public reads are not."""
    info = access_subject_information(requester=None, subject=subject, mode=QueryMode.PUBLIC, on=on)
    names = _item_names()
    by_item: dict[str, list[RecordView]] = {}
    for view in info.records:
        by_item.setdefault(view.item_code, []).append(view)
        names.setdefault(view.item_code, view.item_name)
    category_of = {v.item_code: v.category_code for v in info.records}
    core_category = {"admin-permit": "administrative", "admin-penalty": "administrative", "honor": "honor",
                     "serious-dishonesty-list": "serious-dishonesty", "business-abnormal-list": "abnormal-list",
                     "court-enforcement": "judicial"}
    category_of.update(core_category)

    def order(code: str):
        category = category_of.get(code, "")
        rank = SECTION_CATEGORIES.index(category) if category in SECTION_CATEGORIES else len(SECTION_CATEGORIES)
        return (rank, CORE_ITEMS.index(code) if code in CORE_ITEMS else len(CORE_ITEMS), code)

    codes = sorted(set(CORE_ITEMS) | set(by_item), key=order)
    sections = [ProfileSection(code, names.get(code, code), by_item.get(code, [])) for code in codes]
    lists = [
        ListStatus(code, names.get(code, code), any(_still_listed(v, info.on) for v in by_item.get(code, [])))
        for code in LIST_ITEMS
    ]
    return PublicProfile(subject, info.on, info.records, sections, lists)
