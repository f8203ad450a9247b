"""`xinyong rules show PARAM [--on DATE]` and `xinyong rules list [--on DATE]`: the parameter registry.

References are printed as they are cited to people (《承德市社会信用促进条例》第二十八条); a value the platform
chose where the law sets no number is marked 本平台设定 (`platform_setting`)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from xinyong.regulation.parameters import (
    PLATFORM_SETTING,
    ParameterError,
    all_parameters,
    parameter,
    rule_version,
)


def _platform_setting() -> str:
    with translation.override("zh-hans"):
        return str(PLATFORM_SETTING)


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD: {raw!r}") from None


class Command(BaseCommand):
    help = "Show rule parameters: value, unit, the date it took effect and its reference."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="one parameter's value on a date (today by default)")
        show.add_argument("name", help="parameter name, e.g. objection.decision_deadline")
        show.add_argument("--on", help="the day to look up (YYYY-MM-DD); default today")
        listing = sub.add_parser("list", help="every parameter's value on a date (today by default)")
        listing.add_argument("--on", help="the day to look up (YYYY-MM-DD); default today")

    def handle(self, *args, **options):
        on = _date(options["on"]) if options.get("on") else None
        if options["action"] == "show":
            self._show(options["name"], on)
        else:
            self._list(on)

    def _show(self, name: str, on: dt.date | None) -> None:
        try:
            value = parameter(name, on)
        except ParameterError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        until = f" (until {value.until.isoformat()})" if value.until else ""
        lines = [
            f"{value.name}: {value.value} {value.unit}",
            f"description: {value.description}",
            f"effective from: {value.effective_from.isoformat()}{until}",
            *(f"reference: {ref.citation}" for ref in value.reference),
        ]
        if value.platform_setting:
            lines.append(f"set by: {_platform_setting()} (the references give the duty; the number is the "
                         "credit authority's setting)")
        if value.note:
            lines.append(f"note: {value.note}")
        lines.append(f"rule version: {value.rule_version}")
        self.stdout.write("\n".join(lines))

    def _list(self, on: dt.date | None) -> None:
        for name in all_parameters():
            try:
                value = parameter(name, on)
            except ParameterError:
                self.stdout.write(f"{name}\t-\tnot in force")
                continue
            basis = value.citation + (f"（{_platform_setting()}）" if value.platform_setting else "")
            self.stdout.write(
                f"{name}\t{value.value}\t{value.unit}\t{value.effective_from.isoformat()}\t{basis}"
            )
        self.stdout.write(f"rule version: {rule_version()}")
