"""Forms of the working-day calendar console (domain facts §11): choose a year, set a day, clear a day.

The forms check only what the page needs; the rules of the calendar (a make-up working day is a weekend
day, a name is given) are the services' and come back as `ServiceError`s shown next to their field.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinyong.core.text import TextField
from xinyong.regulation.choices import CalendarDayKind


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CalendarYearForm(forms.Form):
    """Which year of the calendar to show."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (y.year, str(y.year) if y.complete else _("%(year)s (being entered)") % {"year": y.year})
            for y in years
        ]


class CalendarDaySetForm(forms.Form):
    """Make a day of a loaded year a holiday or a make-up working day (`calendar_day_set`)."""

    day = forms.DateField(
        label=_("Date"),
        widget=_DateInput(),
        error_messages={"required": _("Enter the date."), "invalid": _("Enter a date such as 2026-10-01.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of day"),
        choices=[("", _("Choose…")), *CalendarDayKind.choices],
        help_text=_("A make-up working day is a Saturday or Sunday that is worked (调休上班)."),
        error_messages={"required": _("Choose holiday or make-up working day.")},
    )
    name = TextField(
        label=_("Name"),
        max_length=64,
        help_text=_("The holiday's name as in the State Council's notice, for example 国庆节."),
        error_messages={"required": _("Enter the name of the holiday.")},
    )

    def __init__(self, *args, loaded_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded_years = frozenset(loaded_years)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day.year not in self.loaded_years:
            raise ValidationError(
                _(
                    "The schedule for %(year)s is not loaded, so its days cannot be edited here. A new year's "
                    "schedule is entered as a whole with the command “xinyong calendar import”."
                ),
                code="year_not_loaded",
                params={"year": day.year},
            )
        return day


class CalendarDayClearForm(forms.Form):
    """Remove a day's entry (`calendar_day_clear`); the day follows the weekday rule again."""

    day = forms.DateField(label=_("Date"), widget=forms.HiddenInput)

    def __init__(self, *args, loaded_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded_years = frozenset(loaded_years)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day.year not in self.loaded_years:
            raise ValidationError(
                _("The schedule for %(year)s is not loaded, so its days cannot be edited here."),
                code="year_not_loaded",
                params={"year": day.year},
            )
        return day
