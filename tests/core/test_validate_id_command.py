"""`xinyong validate-id`: one tab-separated line per value; exit 0 only when all are valid."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

XINYONG = shutil.which("xinyong") or str(Path(sys.executable).with_name("xinyong"))


def run(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [XINYONG, "validate-id", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_valid_values_print_ok_and_exit_zero():
    result = run("--type", "uscc", "91110000600037341L", "Y1130800MA0ABCDEFR")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["91110000600037341L\tok", "Y1130800MA0ABCDEFR\tok"]


def test_an_invalid_value_prints_code_and_chinese_message_and_exits_non_zero():
    result = run("--type", "id", "11010519491231002X", "110105194912310021")
    assert result.returncode != 0
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines[0] == ["11010519491231002X", "ok"]
    assert lines[1][:3] == ["110105194912310021", "error", "bad_check_character"]
    assert "校验码错误" in lines[1][3]


def test_values_can_come_from_standard_input():
    result = run("--type", "id", "-", stdin="11010519491231002X\n110105491231002\n")
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [line[1] for line in lines] == ["ok", "error"]
    assert lines[1][2] == "legacy_15_digit"
    assert result.returncode != 0


def test_the_type_is_required_never_guessed():
    result = run("91110000600037341L")
    assert result.returncode != 0
    assert "--type" in result.stderr
