"""`xinyong rules show`, `xinyong workdays` and `xinyong calendar` print answers and exit non-zero on errors."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinyong.regulation.models import CalendarDay
from xinyong.regulation.parameters import rule_version

pytestmark = pytest.mark.smoke

XINYONG = shutil.which("xinyong") or str(Path(sys.executable).with_name("xinyong"))


def xinyong(*args) -> subprocess.CompletedProcess:
    return subprocess.run([XINYONG, *args], capture_output=True, text=True, timeout=120)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rules_show_prints_value_unit_effective_date_and_reference():
    result = xinyong("rules", "show", "objection.decision_deadline", "--on", "2026-06-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "objection.decision_deadline: 5 working_days"
    assert "effective from: 2024-05-01" in lines
    # References as they are cited to people; the number is the platform's setting, said so.
    assert "reference: 《承德市社会信用促进条例》第二十八条" in lines
    assert "reference: 《承德市社会信用促进条例》第三十条" in lines
    assert ("set by: 本平台设定 (the references give the duty; the number is the credit authority's setting)"
            in lines)
    assert not [line for line in lines if line.startswith("reference:") and "上海" in line]
    assert f"rule version: {rule_version()}" in lines


def test_rules_show_does_not_call_a_value_set_by_law_a_platform_setting():
    lines = run("rules", "show", "fines.organization_minimum", "--on", "2026-06-01").splitlines()
    assert "reference: 《承德市社会信用促进条例》第三十四条" in lines
    assert not [line for line in lines if line.startswith("set by:")]


def test_rules_show_on_the_day_before_a_change_gives_the_old_value():
    before = xinyong("rules", "show", "publication.general_penalty_minimum", "--on", "2026-03-31")
    after = xinyong("rules", "show", "publication.general_penalty_minimum", "--on", "2026-04-01")
    assert before.stdout.splitlines()[0] == "publication.general_penalty_minimum: 12 months"
    assert "effective from: 2023-05-01 (until 2026-04-01)" in before.stdout
    assert after.stdout.splitlines()[0] == "publication.general_penalty_minimum: 3 months"


def test_rules_show_refuses_an_unknown_parameter_with_a_clear_message():
    result = xinyong("rules", "show", "objection.no_such_thing")
    assert result.returncode != 0
    assert "objection.no_such_thing" in result.stderr
    assert "unknown_parameter" in result.stderr


def test_rules_show_refuses_a_date_without_a_value_or_a_malformed_date():
    early = xinyong("rules", "show", "objection.decision_deadline", "--on", "2020-01-01")
    assert early.returncode != 0 and "parameter_not_in_force" in early.stderr
    bad = xinyong("rules", "show", "objection.decision_deadline", "--on", "2026-02-30")
    assert bad.returncode != 0 and "YYYY-MM-DD" in bad.stderr


def test_rules_list_prints_every_parameter():
    out = run("rules", "list", "--on", "2026-06-01")
    assert ("objection.decision_deadline\t5\tworking_days\t2024-05-01\t"
            "《承德市社会信用促进条例》第二十八条、第三十条（本平台设定）\n") in out
    assert out.rstrip().endswith(f"rule version: {rule_version()}")


@pytest.mark.django_db
def test_workdays_add_prints_the_iso_date():
    assert run("workdays", "add", "2025-09-30", "5").strip() == "2025-10-14"
    assert run("workdays", "add", "2025-10-03", "0").strip() == "2025-10-03"


@pytest.mark.django_db
def test_workdays_between_prints_the_count():
    assert run("workdays", "between", "2025-09-30", "2025-10-14").strip() == "5"


@pytest.mark.django_db
def test_workdays_add_inside_the_loaded_years_prints_no_provisional_mark():
    # Thursday 24 December 2026 + 5 working days: Thursday 31 December, the last day of the last loaded year.
    assert run("workdays", "add", "2026-12-24", "5") == "2026-12-31\n"


@pytest.mark.django_db
def test_workdays_add_past_the_loaded_years_prints_a_weekends_only_date_with_the_provisional_mark(make_staff):
    # 2026-12-31 Thu, 2027-01-01 Fri (counted: 2027 is not loaded), 01-04 Mon, 01-05 Tue, 01-06 Wed.
    assert run("workdays", "add", "2026-12-30", "5") == (
        "2027-01-06\t（暂定，待节假日安排公布后重新计算）\t2027年节假日安排尚未录入，按周六、周日休息计算\n"
    )
    officer = make_staff(roles=("system_admin",))
    run("calendar", "set", "2027-01-01", "--kind", "holiday", "--name", "元旦", "--actor", officer.username)
    assert run("workdays", "add", "2026-12-30", "5").startswith("2027-01-06\t（暂定")  # 2027 still being entered
    run("calendar", "mark-loaded", "2027", "--actor", officer.username, "--source", "国务院办公厅通知")
    assert run("workdays", "add", "2026-12-30", "5") == "2027-01-07\n"  # New Year's Day 2027 is off


@pytest.mark.django_db
def test_workdays_between_past_the_loaded_years_exits_non_zero_with_the_chinese_message():
    with pytest.raises(CommandError) as info:
        run("workdays", "between", "2026-12-30", "2027-01-06")
    assert info.value.returncode != 0
    assert "2027年的节假日安排尚未录入，无法计算期限" in str(info.value)


@pytest.mark.django_db
def test_workdays_refuses_a_negative_count_and_a_bad_date():
    with pytest.raises(CommandError, match="负数"):
        run("workdays", "add", "2025-09-30", "-1")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("workdays", "between", "2025-13-01", "2025-10-01")


@pytest.mark.django_db
def test_calendar_commands_edit_and_show_a_year(make_staff, tmp_path):
    officer = make_staff(roles=("system_admin",))
    assert "2026\tcomplete\tchinesecalendar 1.11.0" in run("calendar", "years")
    run("calendar", "set", "2026-07-10", "--kind", "holiday", "--name", "防汛", "--actor", officer.username)
    assert "2026-07-10\t周五\tholiday\t防汛\tedited by" in run("calendar", "show", "2026")
    run("calendar", "clear", "2026-07-10", "--actor", officer.username)
    assert not CalendarDay.objects.filter(day="2026-07-10").exists()

    schedule = tmp_path / "2027.toml"
    schedule.write_text(
        'year = 2027\nsource = "通知"\n[[holiday]]\nname = "元旦"\nfrom = 2027-01-01\nto = 2027-01-03\n',
        encoding="utf-8",
    )
    assert run("calendar", "import", str(schedule), "--actor", officer.username).startswith("2027\tcomplete")
    assert run("workdays", "add", "2026-12-31", "1").strip() == "2027-01-04"


@pytest.mark.django_db
def test_calendar_edits_need_an_existing_account_and_report_refusals(make_staff):
    with pytest.raises(CommandError, match="no active account"):
        run("calendar", "set", "2026-07-10", "--kind", "holiday", "--name", "x", "--actor", "nobody")
    officer = make_staff(roles=("system_admin",))
    with pytest.raises(CommandError, match="calendar_year_empty"):
        run("calendar", "mark-loaded", "2031", "--actor", officer.username)
    assert run("calendar", "seed").strip() == "loaded: nothing new"
