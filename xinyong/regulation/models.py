"""The regulation as data: its articles, and the working-day calendar its deadlines are counted in.

`Article` rows are loaded from the vendored text of the regulation (`data/`), never typed in. The calendar
(`CalendarDay`, `CalendarYear`) is seeded from the `chinesecalendar` package and edited by the authority
through `xinyong.regulation.services`; `CalendarVersion` changes on every edit so that cached calendars
(`xinyong.core.workdays`) notice. Parameters live in files (`parameters/`), not in the database.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyong.regulation.choices import CalendarDayKind


class Article(models.Model):
    """One article (条) of the 承德市社会信用促进条例, with the chapter it stands in."""

    number = models.PositiveSmallIntegerField(_("article number"), unique=True)
    chapter = models.PositiveSmallIntegerField(_("chapter number"))
    chapter_title = models.CharField(_("chapter title"), max_length=64)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(name="regulation_article_number_positive", condition=Q(number__gte=1)),
            models.CheckConstraint(name="regulation_article_chapter_positive", condition=Q(chapter__gte=1)),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How code, audit records and tests cite it: "Art N"."""
        return f"Art {self.number}"


class CalendarYear(models.Model):
    """A year of the working-day calendar; only `complete` years may be used to count working days.

    A year the authority is still entering stays incomplete, so no deadline is computed from a half-entered
    schedule (domain facts §11).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(_("schedule complete"), default=False)
    source = models.CharField(_("source"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}{'' if self.complete else ' (incomplete)'}"


class CalendarDay(models.Model):
    """A day the State Council's schedule changes: a holiday, or a weekend day that is worked (调休)."""

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=64)
    source = models.CharField(_("source"), max_length=255)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(
                name="regulation_calendarday_kind_valid",
                condition=Q(kind__in=[k.value for k in CalendarDayKind]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()} {self.name}"


class CalendarVersion(models.Model):
    """A single row changed with every calendar edit: the key of the in-process calendar caches.

    `token` is random rather than derived from `version`: a rolled-back edit can reuse a version number, but
    never a token, so a cache filled inside a rolled-back transaction is never mistaken for current.
    """

    version = models.PositiveIntegerField(_("version"), default=0)
    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar versions")

    def __str__(self) -> str:
        return f"calendar v{self.version}"
