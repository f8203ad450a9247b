"""Publication windows (Art 18, 31; domain facts §4): from the decision date for the item's period rule.

The period is the value of the item's `publication_period_parameter` in force on the decision date (the
clock starts at the decision date; a later change of the rule does not move published windows). An item
without a period rule, or a rule with a unit that is not a calendar length, has no automatic end.
"""

from __future__ import annotations

import calendar
import datetime as dt

from xinyong.regulation.parameters import ParameterError, parameter


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class PublicationWindows:
    """Computes (start, end) for an item's records, cached per decision date (batches share few dates)."""

    def __init__(self, item):
        self.name = item.publication_period_parameter or ""
        self._cache: dict[dt.date, tuple[dt.date, dt.date | None]] = {}
        self.used: dict[str, object] = {}

    def window(self, decision_date: dt.date) -> tuple[dt.date, dt.date | None]:
        cached = self._cache.get(decision_date)
        if cached is not None:
            return cached
        end = None
        if self.name:
            try:
                value = parameter(self.name, decision_date)
            except ParameterError:
                # A decision older than the rule's first value: the earliest value applies.
                value = self._earliest()
            if value is not None:
                end = _add(decision_date, value.value, value.unit)
                self.used[f"{self.name}@{value.effective_from.isoformat()}"] = value.value
        result = (decision_date, end)
        self._cache[decision_date] = result
        return result

    def _earliest(self):
        from xinyong.regulation.parameters import parameter_definition

        try:
            definition = parameter_definition(self.name)
        except ParameterError:
            return None
        first = next((e for e in definition.entries if not e.ended), None)
        return parameter(self.name, first.effective_from) if first is not None else None


def _add(day: dt.date, amount, unit: str) -> dt.date | None:
    if unit == "months":
        return add_months(day, int(amount))
    if unit == "years":
        return add_months(day, int(amount) * 12)
    if unit == "days":
        return day + dt.timedelta(days=int(amount))
    return None
