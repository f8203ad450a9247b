"""Choices for the regulation registry and the working-day calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    """What the State Council's schedule makes of a day; days without an entry follow the weekday rule."""

    HOLIDAY = "holiday", _("holiday")  # 法定节假日及调休放假日
    MAKEUP_WORKDAY = "makeup_workday", _("make-up working day")  # 调休上班日 (a weekend day worked)


class ParameterUnit(models.TextChoices):
    """Units a parameter value may carry (OpenFisca habit: every number states what it counts)."""

    DAYS = "days", _("days")
    WORKING_DAYS = "working_days", _("working days")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")
    COUNT = "count", _("count")
    MINUTES = "minutes", _("minutes")
    YUAN = "yuan", _("yuan")
    PERCENT = "percent", _("percent")
