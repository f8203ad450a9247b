"""Reads for objections and credit repair (Art 28–31): eligibility, who sees which case, timelines.

Staff see the cases of their own department; the credit authority's staff see every department's (they
supervise and escalate, Art 33 (5)). A subject sees its own cases. A case that is missing and one that is not
visible answer the same (`NotFoundOrForbidden`, security req. 7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.lists.choices import EntryState
from xinyong.lists.models import ListEntry
from xinyong.records.choices import RecordStatus
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_for_subject
from xinyong.regulation.parameters import parameter
from xinyong.regulation.repair_rules import RepairRule, repair_rule
from xinyong.rights.choices import CaseAction, CaseKind, CaseStatus
from xinyong.rights.models import Case, CaseEvent, CaseFile, ReputationNotice

#: List entry states an objection or a repair application can be about: decided and in force.
ENTRY_STATES_IN_FORCE = (EntryState.LISTED, EntryState.PUBLISHED)


# --- targets ------------------------------------------------------------------------------------------------


def target_of_subject(subject, *, record=None, entry=None) -> CreditRecord | ListEntry:
    """The subject's own record or entry (exactly one given); anyone else's answers like a missing one."""
    if (record is None) == (entry is None):
        raise NotFoundOrForbidden()
    if record is not None:
        pk = record.pk if isinstance(record, CreditRecord) else record
        found = CreditRecord.objects.select_related("provider", "subject", "item").filter(
            pk=pk, subject=subject
        ).first()
    else:
        pk = entry.pk if isinstance(entry, ListEntry) else entry
        found = ListEntry.objects.select_related("definition", "subject", "organization").filter(
            pk=pk, subject=subject
        ).first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


@dataclass
class ObjectionTargets:
    """What a subject may object to or apply to repair: its records in use and its entries in force."""

    records: list[CreditRecord] = field(default_factory=list)
    entries: list[ListEntry] = field(default_factory=list)


def objectionable_items(subject) -> ObjectionTargets:
    records = records_for_subject(subject, usable_only=True)
    entries = list(
        ListEntry.objects.filter(subject=subject, state__in=ENTRY_STATES_IN_FORCE)
        .select_related("definition")
        .order_by("-proposed_at", "-id")
    )
    return ObjectionTargets(records, entries)


# --- repair eligibility (Art 31) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """Whether a repair application may be made today, and why not (the legal reason, in the user's language)."""

    ok: bool
    code: str
    message: str
    rule: RepairRule | None = None
    materials: tuple[str, ...] = ()
    minimum_ends_on: dt.date | None = None
    disclosure_ends_on: dt.date | None = None  # exclusive

    def as_snapshot(self, on: dt.date) -> dict:
        return {
            "on": on.isoformat(), "ok": self.ok, "code": self.code,
            "minimum_ends_on": self.minimum_ends_on.isoformat() if self.minimum_ends_on else None,
            "disclosure_ends_on": self.disclosure_ends_on.isoformat() if self.disclosure_ends_on else None,
            "rule": self.rule.as_basis() if self.rule else None,
        }


def repair_target_key(target: CreditRecord | ListEntry) -> str:
    if isinstance(target, CreditRecord):
        return f"item:{target.item_code}"
    return f"list:{target.definition.code}"


def repair_eligibility(*, subject, record=None, entry=None, on: dt.date | None = None) -> Eligibility:
    """Check a repair application against the rules of Art 31 in force on `on` (today by default):

    1. the information type has a repair rule (dishonesty information) and it is repairable by law;
    2. the record is in use / the entry in force, inside its disclosure period (publication not yet ended);
    3. the minimum period has passed since the decision (records) or the listing (entries) — the period is
       the registry's value in force on the day of the application;
    4. no other repair application about it is open.
    """
    from xinyong.lists.services import add_period

    day = on or timezone.localdate()
    target = target_of_subject(subject, record=record, entry=entry)
    rule = repair_rule(repair_target_key(target), day)
    if rule is None:
        return Eligibility(False, "not_dishonesty_information",
                           str(_("Credit repair applies to dishonesty information only (Art 31).")))
    if not rule.repairable:
        return Eligibility(False, "not_repairable", rule.legal_reason, rule)
    if isinstance(target, CreditRecord):
        if target.status == RecordStatus.REPAIRED:
            return Eligibility(False, "already_repaired", str(_("This information has already been repaired.")), rule)
        if target.status != RecordStatus.ACTIVE:
            return Eligibility(False, "not_in_use", str(_("This information is no longer in use.")), rule)
        start, disclosure_end = target.decision_date, target.publication_end
    else:
        if target.state not in ENTRY_STATES_IN_FORCE:
            return Eligibility(False, "not_in_use", str(_("This list entry is no longer in force.")), rule)
        start, disclosure_end = target.listed_from, target.expires_on
    if disclosure_end is not None and day >= disclosure_end:
        return Eligibility(
            False, "disclosure_period_ended",
            str(_("Its disclosure period has ended and it is no longer published; there is nothing to repair.")),
            rule, disclosure_ends_on=disclosure_end,
        )
    minimum = parameter(rule.minimum_period, day)
    minimum_end = add_period(start, int(minimum.value), minimum.unit)
    if day < minimum_end:
        return Eligibility(
            False, "minimum_period_not_passed",
            str(_("Credit repair can be applied for once the minimum publication period has passed, on "
                  "%(day)s (Art 31).") % {"day": minimum_end.isoformat()}),
            rule, rule.materials, minimum_end, disclosure_end,
        )
    kind_filter = {"record": target} if isinstance(target, CreditRecord) else {"entry": target}
    if Case.objects.filter(kind=CaseKind.REPAIR, status=CaseStatus.OPEN, **kind_filter).exists():
        return Eligibility(False, "repair_pending", str(_("A repair application about it is already open.")),
                           rule, rule.materials, minimum_end, disclosure_end)
    return Eligibility(True, "eligible", "", rule, rule.materials, minimum_end, disclosure_end)


# --- who sees which case -------------------------------------------------------------------------------------


def _sees_every_department(user) -> bool:
    organization = getattr(user, "organization", None)
    return organization is not None and organization.kind == OrganizationKind.AUTHORITY and (
        has_permission(user, Permission.VIEW_RIGHTS_CASES) or has_permission(user, Permission.HANDLE_RIGHTS_CASES)
    )


def cases_restrict(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases a staff user may see: the authority's handlers and supervisors every one, a department's its own."""
    queryset = Case.objects.all() if queryset is None else queryset
    organization = getattr(user, "organization", None)
    if organization is None:
        return queryset.none()
    if _sees_every_department(user):
        return queryset
    if has_permission(user, Permission.HANDLE_RIGHTS_CASES) or has_permission(user, Permission.VIEW_RIGHTS_CASES):
        return queryset.filter(organization=organization)
    return queryset.none()


def may_decide(user, case: Case) -> bool:
    """Only the deciding department's own staff decide and extend its cases."""
    return (
        has_permission(user, Permission.HANDLE_RIGHTS_CASES)
        and getattr(user, "organization_id", None) is not None
        and user.organization_id == case.organization_id
    )


_CASE_RELATED = ("subject", "record", "record__provider", "entry", "entry__definition", "organization",
                 "applicant", "decided_by")


def case_for_staff(user, case_id: int) -> Case:
    case = cases_restrict(user).select_related(*_CASE_RELATED).filter(pk=case_id).first()
    if case is None:
        raise NotFoundOrForbidden()
    return case


def cases_of_subject(subject) -> list[Case]:
    return list(
        Case.objects.filter(subject=subject).select_related("record", "entry", "entry__definition", "organization")
        .order_by("-filed_at", "-id")
    )


def case_of_subject(subject, case_id: int) -> Case:
    case = Case.objects.select_related(*_CASE_RELATED).filter(pk=case_id, subject=subject).first()
    if case is None:
        raise NotFoundOrForbidden()
    return case


def file_of_case(case: Case, file_id: int) -> CaseFile:
    found = CaseFile.objects.filter(case=case, pk=file_id).first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


# --- the timeline (Saleor habit: one small renderer per step) -------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    on: dt.date
    action: str
    label: str
    actor_label: str
    organization_name: str
    note: str
    articles: tuple[str, ...]


def _due(details: dict) -> str:
    """A due date of a timeline step, marked when it was provisional (domain facts §11)."""
    mark = _("(provisional: to be recomputed once the holiday schedule is published)")
    return details["due_on"] + (str(mark) if details.get("due_on_provisional") else "")


def _label(event: CaseEvent) -> str:
    details = event.details or {}
    base = str(CaseAction(event.action).label)
    if event.action == CaseAction.FILED and details.get("due_on"):
        return str(_("%(step)s; decision due by %(day)s") % {"step": base, "day": _due(details)})
    if event.action == CaseAction.EXTENDED and details.get("due_on"):
        return str(_("%(step)s by %(days)s working days, to %(day)s")
                   % {"step": base, "days": details.get("days"), "day": _due(details)})
    if event.action == CaseAction.DUE_SET and details.get("due_on"):
        return str(_("%(step)s: %(day)s") % {"step": base, "day": _due(details)})
    if event.action == CaseAction.DECIDED and details.get("outcome"):
        from xinyong.rights.choices import Outcome

        return str(_("%(step)s: %(outcome)s") % {"step": base, "outcome": Outcome(details["outcome"]).label})
    return base


def case_timeline(case: Case) -> list[TimelineItem]:
    return [
        TimelineItem(e.at, e.on, e.action, _label(e), e.actor_label, e.organization_name, e.note,
                     tuple(e.articles))
        for e in case.events.order_by("at", "id")
    ]


def public_reputation_notices(limit: int = 50) -> list[ReputationNotice]:
    """Published 信誉恢复公告 (Art 30 ¶2), newest first; natural persons' notices are never public (Art 19)."""
    return list(ReputationNotice.objects.filter(is_public=True).order_by("-published_at", "-id")[:limit])
