"""The audit log console (Art 32, 33; security requirements 12–17): events, the change log, verification.

Only the audit administrator reads these pages (三员分立: `Permission.VIEW_AUDIT`); signing a checkpoint needs
`Permission.SIGN_AUDIT_CHECKPOINTS`. The pages show the records exactly as stored — services never put a plain
identifier into an audit record, and nothing here looks one up — with the organization's name the only join.
Times are shown in Asia/Shanghai (China Standard Time) whatever the server's zone.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.audit.choices import AuditEventType
from xinyong.audit.log import AuditLogBroken, audit_log_verify, checkpoint_create
from xinyong.audit.models import AuditCheckpoint, AuditEvent
from xinyong.web.views import staff_required

EVENT_PAGE_SIZE = 50
CHECKPOINTS_SHOWN = 10
DISPLAY_TIME_ZONE = "Asia/Shanghai"
_DISPLAY_TZ = ZoneInfo(DISPLAY_TIME_ZONE)

# How the services name what a change did to an object (`Change.action`).
CHANGE_ACTIONS = {"create": _("Created"), "update": _("Updated"), "delete": _("Deleted")}


def breakable(value: str, every: int = 16) -> SafeString:
    """A long hash that may wrap between groups of `every` characters (<wbr>), yet copies as one string."""
    value = value or ""
    return mark_safe("<wbr>".join(escape(value[i : i + every]) for i in range(0, len(value), every)))  # noqa: S308


def _require(user, permission: Permission) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied


# --- the event list --------------------------------------------------------------------------------------------


def _event_type_choices():
    return [
        ("", _("All event types")),
        *((value, capfirst(label)) for value, label in AuditEventType.choices),
    ]


def _target_type_choices():
    """Audit targets are model instances (`target._meta.label_lower`): offer the platform's models."""
    models = sorted(
        (m for m in apps.get_models() if m.__module__.startswith("xinyong.")),
        key=lambda m: m._meta.label_lower,
    )
    return [
        ("", _("All target types")),
        *((m._meta.label_lower, f"{capfirst(m._meta.verbose_name)} ({m._meta.label_lower})") for m in models),
    ]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class EventFilterForm(forms.Form):
    """Filters of the event list; every one is optional and they combine (AND)."""

    event_type = forms.TypedChoiceField(
        label=_("Event type"), choices=_event_type_choices, coerce=int, required=False, empty_value=None
    )
    actor = forms.CharField(
        label=_("Actor name contains"),
        max_length=150,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    target_type = forms.ChoiceField(label=_("Target type"), choices=_target_type_choices, required=False)
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=_DateInput())
    date_to = forms.DateField(label=_("Until (date, inclusive)"), required=False, widget=_DateInput())
    request_id = forms.CharField(
        label=_("Request id"),
        max_length=64,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, queryset):
        """Apply the filters that are valid (an invalid one is reported and left out)."""
        data = self.cleaned_data if self.is_bound else {}
        if data.get("event_type") is not None:
            queryset = queryset.filter(event_type=data["event_type"])
        if data.get("actor"):
            queryset = queryset.filter(actor_label__icontains=data["actor"])
        if data.get("target_type"):
            queryset = queryset.filter(target_type=data["target_type"])
        if data.get("date_from"):
            queryset = queryset.filter(occurred_at__gte=_day_start(data["date_from"]))
        if data.get("date_to") and "date_to" not in self.errors:
            queryset = queryset.filter(occurred_at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
        if data.get("request_id"):
            queryset = queryset.filter(request_id=data["request_id"])
        return queryset

    @property
    def active(self) -> bool:
        return self.is_bound and any(v not in (None, "") for v in self.cleaned_data.values())


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight China Standard Time: a date in the filters is a day in Chengde, not in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=_DISPLAY_TZ)


@staff_required
def event_list(request):
    _require(request.user, Permission.VIEW_AUDIT)
    filters = EventFilterForm(request.GET or None)
    if filters.is_bound:
        filters.is_valid()  # fills cleaned_data with the valid filters and the errors to show
    events = filters.filter(AuditEvent.objects.select_related("organization")).order_by("-seq")
    page = Paginator(events, EVENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {
            "filters": filters,
            "filtered": filters.active,
            "page": page,
            "events": page.object_list,
            "display_tz": DISPLAY_TIME_ZONE,
        },
    )


# --- one event and its change log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedValue:
    key: str
    before: str
    after: str
    in_before: bool
    in_after: bool
    changed: bool


@dataclass(frozen=True)
class ChangeTable:
    object_type: str
    object_id: str
    action: str
    action_label: str
    rows: list[ChangedValue]

    @property
    def changed_count(self) -> int:
        return sum(1 for row in self.rows if row.changed)


def _show(value) -> str:
    """A stored JSON value as text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def change_table(change) -> ChangeTable:
    """The before/after snapshot of one object as rows, the keys in the order the snapshots give them."""
    before = change.before if isinstance(change.before, dict) else {}
    after = change.after if isinstance(change.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    rows = [
        ChangedValue(
            key=key,
            before=_show(before[key]) if key in before else "",
            after=_show(after[key]) if key in after else "",
            in_before=key in before,
            in_after=key in after,
            changed=(key in before) != (key in after) or before.get(key) != after.get(key),
        )
        for key in keys
    ]
    label = CHANGE_ACTIONS.get(change.action, change.action)
    return ChangeTable(change.object_type, change.object_id, change.action, label, rows)


@staff_required
def event_detail(request, seq: int):
    _require(request.user, Permission.VIEW_AUDIT)
    event = AuditEvent.objects.select_related("organization").filter(seq=seq).first()
    if event is None:
        raise Http404
    stored = event.details if isinstance(event.details, dict) else {"": event.details}
    details = [(key, _show(value)) for key, value in sorted(stored.items())]
    newer = AuditEvent.objects.filter(seq=seq + 1).exists()
    return render(
        request,
        "audit/event_detail.html",
        {
            "event": event,
            "leaf_hash": breakable(event.leaf_hash),
            "chain_hash": breakable(event.chain_hash),
            "details": details,
            "changes": [change_table(c) for c in event.changes.order_by("id")],
            "previous_seq": seq - 1 if seq > 1 else None,
            "next_seq": seq + 1 if newer else None,
            "display_tz": DISPLAY_TIME_ZONE,
        },
    )


# --- verification and checkpoints ------------------------------------------------------------------------------


def _integrity_page(request, *, result=None, status=200):
    latest = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    return render(
        request,
        "audit/integrity.html",
        {
            "log_size": latest,
            "result": result,
            "result_root": breakable(result.root) if result else "",
            "checkpoints": list(AuditCheckpoint.objects.order_by("-size", "-id")[:CHECKPOINTS_SHOWN]),
            "may_sign": has_permission(request.user, Permission.SIGN_AUDIT_CHECKPOINTS),
            "display_tz": DISPLAY_TIME_ZONE,
        },
        status=status,
    )


@staff_required
def integrity(request):
    """The verification panel (run on demand, it reads the whole log) and the latest signed checkpoints."""
    _require(request.user, Permission.VIEW_AUDIT)
    return _integrity_page(request)


@staff_required
@require_POST
def integrity_verify(request):
    _require(request.user, Permission.VIEW_AUDIT)
    return _integrity_page(request, result=audit_log_verify())


@staff_required
@require_POST
def checkpoint_add(request):
    _require(request.user, Permission.VIEW_AUDIT)
    _require(request.user, Permission.SIGN_AUDIT_CHECKPOINTS)
    previous = AuditCheckpoint.objects.order_by("-size", "-id").first()
    try:
        checkpoint = checkpoint_create()
    except AuditLogBroken as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("audit:integrity"))
    if previous is not None and checkpoint.pk == previous.pk:
        messages.info(
            request,
            _("No event was added since checkpoint %(size)s; it remains the latest checkpoint.")
            % {"size": checkpoint.size},
        )
    else:
        messages.success(
            request,
            _("Checkpoint %(size)s is signed (SM2 key %(key)s).")
            % {"size": checkpoint.size, "key": checkpoint.key_id},
        )
    return HttpResponseRedirect(reverse("audit:integrity"))
