"""Data quality of submissions (Art 18; Art 33 (3)): timeliness in working days, completeness, rejection rate,
overdue corrections, the ranking of departments and its export to Excel (security req. 27)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from ingestion_fixtures import penalty_row, write_csv
from openpyxl import load_workbook

from xinyong.core.workdays import reset_calendar_cache
from xinyong.ingestion.exports import quality_workbook, safe_cell
from xinyong.ingestion.models import RejectedRow
from xinyong.ingestion.pipeline import ingest_file
from xinyong.ingestion.quality import quality_report
from xinyong.regulation.models import CalendarYear
from xinyong.regulation.parameters import parameter

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18", "Art 33")]

BEIJING = ZoneInfo("Asia/Shanghai")


@contextmanager
def received_on(monkeypatch, day: dt.date):
    """Everything the platform does inside happens at 10:00 Beijing time on `day`."""
    moment = dt.datetime.combine(day, dt.time(10, 0), tzinfo=BEIJING)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def submit(monkeypatch, tmp_path, provider, rows, day: dt.date):
    path = write_csv(tmp_path / f"{provider.pk}-{day}-{len(rows)}.csv", rows)
    with received_on(monkeypatch, day):
        result = ingest_file(path_or_stream=path, item_code="admin-penalty", provider=provider)
    assert result.status == "done", result.as_dict()
    return result


def decided(provider, day: dt.date, **overrides):
    return penalty_row(provider.uscc, **{"处罚决定日期": day.isoformat(), **overrides})


def optional_fields(item) -> int:
    return len([f for f in item.fields.all() if not f.required and not f.required_for])


@pytest.fixture
def other_provider(make_org):
    return make_org(name="承德市生态环境局")


def test_the_deadline_is_the_double_publicity_parameter_of_seven_working_days():
    assert parameter("publicity.double_publicity_deadline", dt.date(2025, 9, 30)).value == 7


def test_timeliness_counts_working_days_across_the_national_day_holiday(monkeypatch, tmp_path, penalty, provider):
    # 2025-10-01..08 were holidays and 2025-09-28 a make-up working day: from a decision on 2025-09-30 to a
    # receipt on 2025-10-10 are 2 working days (10-09, 10-10), within 7 although 10 calendar days passed.
    # From 2025-09-12 they are 15 (5 + 5 + 09-28 + 09-29, 09-30 + 10-09, 10-10): late.
    submit(monkeypatch, tmp_path, provider,
           [decided(provider, dt.date(2025, 9, 30)), decided(provider, dt.date(2025, 9, 12))], dt.date(2025, 10, 10))
    report = quality_report(date_from=dt.date(2025, 10, 1), date_to=dt.date(2025, 10, 31), as_of=dt.date(2025, 10, 31))
    (row,) = report.rows
    assert row.double_publicity and row.item_code == "admin-penalty"
    assert row.timeliness.days == {2: 1, 15: 1}
    assert (row.timeliness.measured, row.timeliness.within) == (2, 1)
    assert row.timeliness.share_within == 0.5
    assert row.timeliness.median == 8.5 and row.timeliness.maximum == 15


def test_the_last_day_of_the_deadline_is_within_it_and_the_next_is_late(monkeypatch, tmp_path, penalty, provider):
    # Decision on Thursday 2026-03-05: the 7th working day after it is Monday 2026-03-16.
    submit(monkeypatch, tmp_path, provider, [decided(provider, dt.date(2026, 3, 5))], dt.date(2026, 3, 16))
    submit(monkeypatch, tmp_path, provider, [decided(provider, dt.date(2026, 3, 5))], dt.date(2026, 3, 17))
    first = quality_report(date_from=dt.date(2026, 3, 16), date_to=dt.date(2026, 3, 16)).rows[0]
    second = quality_report(date_from=dt.date(2026, 3, 17), date_to=dt.date(2026, 3, 17)).rows[0]
    assert (first.timeliness.maximum, first.timeliness.within) == (7, 1)
    assert (second.timeliness.maximum, second.timeliness.within) == (8, 0)


def test_a_record_reaching_a_year_without_a_loaded_calendar_is_not_counted_and_the_year_is_named(
    monkeypatch, tmp_path, penalty, provider
):
    submit(monkeypatch, tmp_path, provider, [decided(provider, dt.date(2025, 12, 30))], dt.date(2026, 1, 6))
    CalendarYear.objects.filter(year=2026).update(complete=False)
    reset_calendar_cache()
    try:
        report = quality_report(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31),
                                as_of=dt.date(2026, 1, 31))
    finally:
        CalendarYear.objects.filter(year=2026).update(complete=True)
        reset_calendar_cache()
    (row,) = report.rows
    assert (row.timeliness.records, row.timeliness.uncounted, row.timeliness.measured) == (1, 1, 0)
    assert row.timeliness.share_within is None and row.timeliness.median is None
    assert report.missing_calendar_years == [2026]


@pytest.fixture
def two_departments(monkeypatch, tmp_path, penalty, provider, other_provider):
    """Both decide on Thursday 2026-03-05 and submit the next day; the second leaves 违法事实 empty twice."""
    day, decision = dt.date(2026, 3, 6), dt.date(2026, 3, 5)
    submit(monkeypatch, tmp_path, provider, [decided(provider, decision) for _ in range(4)], day)
    rows = [decided(other_provider, decision) for _ in range(2)]
    rows += [decided(other_provider, decision, **{"违法事实": ""}) for _ in range(2)]
    submit(monkeypatch, tmp_path, other_provider, rows, day)
    return provider, other_provider


def report_for(**kwargs):
    return quality_report(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31), **kwargs)


def test_rejection_rate_completeness_and_required_field_errors_per_department(two_departments, penalty):
    good, sloppy = two_departments
    rows = {r.provider_id: r for r in report_for(as_of=dt.date(2026, 3, 17)).rows}
    assert (rows[good.pk].received, rows[good.pk].rejected, rows[good.pk].rejection_rate) == (4, 0, 0)
    assert (rows[sloppy.pk].received, rows[sloppy.pk].accepted, rows[sloppy.pk].rejected) == (4, 2, 2)
    assert rows[sloppy.pk].rejection_rate == 0.5
    assert rows[sloppy.pk].required_errors == 2 and rows[good.pk].required_errors == 0
    # Each penalty row fills 法定代表人 and 罚款金额 among the item's optional fields.
    optional = optional_fields(penalty)
    assert rows[good.pk].optional_possible == 4 * optional
    assert rows[good.pk].completeness == pytest.approx(2 / optional)
    assert rows[sloppy.pk].optional_possible == 2 * optional


def test_rejected_rows_are_overdue_only_after_more_than_the_deadline_in_working_days(two_departments):
    _good, sloppy = two_departments
    # Received Friday 2026-03-06: 7 working days later is Tuesday 03-17 (not yet overdue), 03-18 is overdue.
    on_time = {r.provider_id: r for r in report_for(as_of=dt.date(2026, 3, 17)).rows}[sloppy.pk]
    late = {r.provider_id: r for r in report_for(as_of=dt.date(2026, 3, 18)).rows}[sloppy.pk]
    assert (on_time.rejected_rows, on_time.unresolved_rows, on_time.overdue_rows) == (2, 2, 0)
    assert late.overdue_rows == 2
    RejectedRow.objects.filter(batch__provider=sloppy).update(resolved=True)
    resolved = {r.provider_id: r for r in report_for(as_of=dt.date(2026, 3, 18)).rows}[sloppy.pk]
    assert (resolved.unresolved_rows, resolved.overdue_rows) == (0, 0)


def test_the_ranking_puts_the_timely_accurate_department_first_with_its_documented_score(two_departments, penalty):
    good, sloppy = two_departments
    report = report_for(as_of=dt.date(2026, 3, 20))
    first, second = report.ranking
    assert (first.provider_id, first.rank, second.provider_id, second.rank) == (good.pk, 1, sloppy.pk, 2)
    completeness = 2 / optional_fields(penalty)
    # 40 timeliness + 30 acceptance + 20 corrections in time + 10 completeness, over 100.
    assert first.score == round(40 + 30 + 20 + 10 * completeness, 1)
    assert second.score == round(40 + 30 * 0.5 + 20 * 0 + 10 * completeness, 1)
    assert first.components["timeliness"] == 1 and second.components["corrections"] == 0


def test_a_department_sees_only_itself_and_an_item_filter_narrows_the_rows(two_departments):
    good, _sloppy = two_departments
    report = report_for(provider_ids={good.pk})
    assert [r.provider_id for r in report.rows] == [good.pk]
    assert [d.provider_id for d in report.ranking] == [good.pk]
    assert report_for(item_code="admin-permit").rows == []


def test_providers_that_submitted_nothing_are_listed_unranked(two_departments, make_org):
    from xinyong.accounts.models import Organization

    silent = make_org(name="承德市应急管理局")
    Organization.objects.filter(pk=silent.pk).update(is_provider=True)
    report = report_for()
    assert [o.pk for o in report.not_submitting] == [silent.pk]
    assert silent.pk not in {d.provider_id for d in report.ranking}


def queries_of_a_report() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        report_for(as_of=dt.date(2026, 3, 20))
    return len(captured.captured_queries)


def test_the_report_takes_as_many_queries_for_many_records_as_for_few(two_departments, monkeypatch, tmp_path,
                                                                      provider):
    before = queries_of_a_report()
    rows = [decided(provider, dt.date(2026, 3, day)) for day in (2, 3, 4) for _ in range(10)]
    rows += [decided(provider, dt.date(2026, 3, 2), **{"违法事实": ""}) for _ in range(5)]
    submit(monkeypatch, tmp_path, provider, rows, dt.date(2026, 3, 9))
    submit(monkeypatch, tmp_path, provider, [decided(provider, dt.date(2026, 3, 9)) for _ in range(5)],
           dt.date(2026, 3, 10))
    assert queries_of_a_report() == before <= 14


# --- the Excel export ----------------------------------------------------------------------------------------


def test_the_workbook_has_a_sheet_per_table_with_the_expected_numbers(two_departments):
    good, sloppy = two_departments
    workbook = load_workbook(BytesIO(quality_workbook(report_for(as_of=dt.date(2026, 3, 20)))))
    assert len(workbook.sheetnames) == 3
    detail, ranking, method = (workbook[name] for name in workbook.sheetnames)
    by_department = {row[0]: row for row in detail.iter_rows(min_row=2, values_only=True)}
    sloppy_row = by_department[sloppy.name]
    assert sloppy_row[6:11] == (4, 2, 2, 0, 0.5)  # received, accepted, rejected, duplicates, rejection rate
    assert by_department[good.name][6] == 4
    ranked = list(ranking.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in ranked] == [(1, good.name), (2, sloppy.name)]
    assert ranked[0][2] == report_for(as_of=dt.date(2026, 3, 20)).ranking[0].score
    assert ranking.cell(row=2, column=4).number_format == "0.0%"
    method_values = {row[0]: row[1] for row in method.iter_rows(min_row=2, values_only=True)}
    assert 7 in method_values.values()


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3+4", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_like_text_is_neutralized(text):
    assert safe_cell(text) == "'" + text


def test_numbers_and_ordinary_text_are_written_as_they_are():
    assert safe_cell(-5) == -5 and safe_cell(0.25) == 0.25 and safe_cell("承德市") == "承德市"
    assert safe_cell("a\x00b\x07c") == "abc"


def test_a_department_named_like_a_formula_is_exported_as_text(monkeypatch, tmp_path, penalty, make_org):
    rogue = make_org(name="=cmd|'/c calc'!A1")
    submit(monkeypatch, tmp_path, rogue, [decided(rogue, dt.date(2026, 3, 5))], dt.date(2026, 3, 6))
    workbook = load_workbook(BytesIO(quality_workbook(report_for())))
    for sheet in workbook.worksheets[:2]:
        cell = sheet.cell(row=2, column=1 if sheet is workbook.worksheets[0] else 2)
        assert cell.value == "'=cmd|'/c calc'!A1" and cell.data_type == "s"
