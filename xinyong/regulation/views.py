"""The working-day calendar console (domain facts §11): the years loaded, a year's holidays and make-up
working days, and the authority's edits of single days.

Staff with `Permission.MANAGE_CALENDAR` see the page; only those of the credit authority (an organization
of kind "authority") may change it — others see it read-only and are refused (403) if they post. Every
change goes through `calendar_day_set` / `calendar_day_clear`, which audit it with before/after snapshots
and the articles whose deadlines move, and recompute the provisional deadlines (domain facts §11); the
page says what was recomputed. A new year is entered as a whole with `xinyong calendar import`, so the page
edits only loaded years. From 1 November (`calendar.next_year_warning_lead`) the page, like the console
home of those who may edit the calendar, warns while next year's schedule is not loaded.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from xinyong.accounts.choices import OrganizationKind
from xinyong.accounts.models import Organization
from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import ServiceError
from xinyong.regulation.choices import CalendarDayKind
from xinyong.regulation.forms import CalendarDayClearForm, CalendarDaySetForm, CalendarYearForm
from xinyong.regulation.selectors import calendar_days, calendar_missing_year, calendar_years
from xinyong.regulation.services import DeadlineRecompute, calendar_day_clear, calendar_day_set
from xinyong.web.views import staff_required


def may_edit_calendar(user) -> bool:
    """The calendar is the credit authority's: the permission, and an organization of kind authority."""
    if not has_permission(user, Permission.MANAGE_CALENDAR):
        return False
    kind = Organization.objects.filter(pk=user.organization_id).values_list("kind", flat=True).first()
    return kind == OrganizationKind.AUTHORITY


def _require_view(user) -> None:
    if not has_permission(user, Permission.MANAGE_CALENDAR):
        raise PermissionDenied


def _require_edit(user) -> None:
    if not may_edit_calendar(user):
        raise PermissionDenied


def years_label(years: list[int]) -> str:
    """Years as runs of consecutive years: [2004, 2005, 2006, 2009] -> "2004–2006, 2009"."""
    spans: list[list[int]] = []
    for year in sorted(years):
        if spans and spans[-1][1] == year - 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _report_recompute(request, recomputed: DeadlineRecompute | None) -> None:
    """Tell the editor what the edit did to the provisional deadlines (none: say nothing)."""
    if recomputed is None or not recomputed.checked:
        return
    messages.info(
        request,
        _("Provisional deadlines recomputed: %(checked)s examined, %(final)s now final, %(moved)s moved, "
          "%(still)s still provisional.")
        % {"checked": recomputed.checked, "final": recomputed.final, "moved": recomputed.moved,
           "still": recomputed.still_provisional},
    )


def _calendar_url(year: int | None = None) -> str:
    url = reverse("regulation:calendar")
    return f"{url}?year={year}" if year else url


def _calendar_page(request, *, year: int | None = None, set_form=None, clear_error=None, status=200):
    years = list(calendar_years())
    loaded = [y.year for y in years if y.complete]
    being_entered = [y.year for y in years if not y.complete]
    today = timezone.localdate()

    # The year asked for in the address (an unknown one is reported by the form), else the one being
    # re-shown after a refused edit, else this year if loaded, else the last loaded year.
    year_form = CalendarYearForm(request.GET if "year" in request.GET else None, years=years)
    if year is None and year_form.is_bound and year_form.is_valid():
        year = year_form.cleaned_data["year"]
    if year is None or year not in {y.year for y in years}:
        year = today.year if today.year in loaded else (loaded[-1] if loaded else None)
    if not year_form.is_bound:
        year_form = CalendarYearForm(initial={"year": year}, years=years)

    editable = may_edit_calendar(request.user)
    if set_form is None and editable:
        set_form = CalendarDaySetForm(loaded_years=loaded)
    days = list(calendar_days(year)) if year else []
    last_loaded = loaded[-1] if loaded else None
    return render(
        request,
        "regulation/calendar.html",
        {
            "year": year,
            "year_form": year_form,
            "set_form": set_form if editable else None,
            "clear_error": clear_error,
            "editable": editable,
            "days": days,
            "holiday_count": sum(1 for d in days if d.kind == CalendarDayKind.HOLIDAY),
            "makeup_count": sum(1 for d in days if d.kind == CalendarDayKind.MAKEUP_WORKDAY),
            "year_is_loaded": year in loaded,
            "loaded_label": years_label(loaded),
            "being_entered_label": years_label(being_entered),
            "last_loaded": last_loaded,
            "last_day": dt.date(last_loaded, 12, 31) if last_loaded else None,
            "missing_year": calendar_missing_year(today),
        },
        status=status,
    )


@staff_required
def calendar(request):
    _require_view(request.user)
    return _calendar_page(request)


@staff_required
@require_POST
def calendar_set(request):
    _require_edit(request.user)
    loaded = [y.year for y in calendar_years() if y.complete]
    form = CalendarDaySetForm(request.POST, loaded_years=loaded)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = calendar_day_set(
                day=data["day"], kind=data["kind"], name=data["name"], actor=request.user
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _("%(date)s is now a %(kind)s: %(name)s.")
                % {"date": entry.day.isoformat(), "kind": entry.get_kind_display(), "name": entry.name},
            )
            _report_recompute(request, entry.deadlines)
            return HttpResponseRedirect(_calendar_url(entry.day.year))
    shown = form.cleaned_data.get("day")
    return _calendar_page(request, year=shown.year if shown else None, set_form=form)


@staff_required
@require_POST
def calendar_clear(request):
    _require_edit(request.user)
    loaded = [y.year for y in calendar_years() if y.complete]
    form = CalendarDayClearForm(request.POST, loaded_years=loaded)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return _calendar_page(request, clear_error=" ".join(problems))
    day = form.cleaned_data["day"]
    try:
        recomputed = calendar_day_clear(day=day, actor=request.user)
    except ServiceError as error:
        return _calendar_page(request, year=day.year, clear_error=str(error.message))
    messages.success(
        request,
        _("The entry for %(date)s is removed: it follows the weekday rule again.")
        % {"date": day.isoformat()},
    )
    _report_recompute(request, recomputed)
    return HttpResponseRedirect(_calendar_url(day.year))
