"""Reading a year's holiday schedule from a TOML file, as the State Council announces it each November.

    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知"

    [[holiday]]
    name = "元旦"
    from = 2027-01-01
    to = 2027-01-03          # inclusive; omit for a single day

    [[makeup_workday]]
    name = "春节"
    date = 2027-02-07

The file is loaded with `xinyong calendar import FILE --actor USER` (docs/operations/regulation-registry.md).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass

from xinyong.core.errors import ServiceError, bilingual
from xinyong.regulation.choices import CalendarDayKind
from xinyong.regulation.services import CalendarEntry


@dataclass(frozen=True)
class YearSchedule:
    year: int
    source: str
    entries: tuple[CalendarEntry, ...]


def _bad(message_zh: str, message_en: str) -> ServiceError:
    return ServiceError("invalid_calendar_file", bilingual(message_zh, message_en), field="file")


def _as_date(value, what: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise _bad(f"{what} 应为日期（如 2027-01-01）", f"{what} must be a date such as 2027-01-01")


def parse_year_schedule(text: str) -> YearSchedule:
    """The year, its source document and one entry per day; ServiceError for a malformed file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(f"不是有效的 TOML 文件：{exc}", f"Not valid TOML: {exc}") from None
    year, source = data.get("year"), data.get("source")
    if not isinstance(year, int) or isinstance(year, bool):
        raise _bad("缺少年份 year", "year is missing")
    if not isinstance(source, str) or not source.strip():
        raise _bad(
            "缺少来源文件 source（国务院办公厅通知的标题和文号）", "source (the notice's title) is missing"
        )
    entries: dict[dt.date, CalendarEntry] = {}

    def add(day: dt.date, kind: str, name: str) -> None:
        if day in entries:
            raise _bad(f"{day.isoformat()} 重复出现", f"{day.isoformat()} appears twice")
        entries[day] = CalendarEntry(day=day, kind=kind, name=name)

    for item in data.get("holiday", []):
        name = str(item.get("name", "")).strip()
        start = _as_date(item.get("from"), "holiday.from")
        end = _as_date(item.get("to", start), "holiday.to")
        if end < start or (end - start).days > 31:
            raise _bad(f"{name} 的起止日期有误", f"{name}: bad date range")
        day = start
        while day <= end:
            add(day, CalendarDayKind.HOLIDAY, name)
            day += dt.timedelta(days=1)
    for item in data.get("makeup_workday", []):
        add(
            _as_date(item.get("date"), "makeup_workday.date"),
            CalendarDayKind.MAKEUP_WORKDAY,
            str(item.get("name", "")).strip(),
        )
    return YearSchedule(
        year=year, source=source.strip(), entries=tuple(sorted(entries.values(), key=lambda e: e.day))
    )
