"""`xinyong ingest`: one JSON line, a report a clerk can use, exit codes (Art 18, 19; security req. 27)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from ingestion_fixtures import penalty_row, write_csv

from xinyong.cli import main
from xinyong.records.models import CreditRecord

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]


def run(capsys, *args) -> tuple[int, list[str]]:
    """The command as `xinyong ingest ...` runs it; the exit code is the CommandError's return code."""
    out = io.StringIO()
    try:
        call_command("ingest", *args, stdout=out)
        code = 0
    except CommandError as error:
        code = error.returncode
    return code, [line for line in out.getvalue().splitlines() if line.strip()]


def test_the_xinyong_command_maps_hyphenated_names(capsys):
    with pytest.raises(SystemExit):
        main(["xinyong", "ingest", "--help"])
    assert "--provider" in capsys.readouterr().out


def test_the_command_prints_exactly_one_json_line_and_writes_the_report(tmp_path, capsys, penalty, provider):
    rows = [penalty_row(provider.uscc) for _ in range(3)]
    rows.append(penalty_row(provider.uscc, **{"违法事实": "", "备注": "=HYPERLINK(\"x\")"}))
    rows.append(dict(rows[0]))
    path = write_csv(tmp_path / "处罚2026.csv", rows)
    code, lines = run(capsys, str(path), "--item", "admin-penalty", "--provider", provider.uscc)
    assert code == 0 and len(lines) == 1
    line = json.loads(lines[0])
    assert {k: line[k] for k in ("received", "accepted", "rejected", "duplicates")} == {
        "received": 5, "accepted": 3, "rejected": 1, "duplicates": 1}
    assert isinstance(line["batch"], int) and line["receipt"]["signature"]
    report = tmp_path / "处罚2026.rejections.csv"
    assert line["report"] == str(report)
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][:4] == ["行号", "字段", "错误代码", "错误说明"]
    assert table[1][0] == "5" and "CF_SY" in table[1][1] and table[1][2] == "required"
    assert table[1][table[0].index("备注")] == "'=HYPERLINK(\"x\")"
    assert CreditRecord.objects.count() == 3


def test_a_prohibited_column_exits_non_zero_and_stores_nothing(tmp_path, capsys, penalty, provider):
    path = write_csv(tmp_path / "p.csv", [dict(penalty_row(provider.uscc), 血型="O")])
    code, lines = run(capsys, str(path), "--item", "admin-penalty", "--provider", provider.uscc,
                      "--report", str(tmp_path / "rep.csv"))
    assert code == 2 and len(lines) == 1
    line = json.loads(lines[0])
    assert line["error"]["code"] == "prohibited_field" and line["error"]["field"] == "血型"
    assert not CreditRecord.objects.exists()
    assert not (tmp_path / "rep.csv").exists()


def test_unknown_item_provider_or_unreadable_file_exit_non_zero(tmp_path, capsys, penalty, provider):
    path = write_csv(tmp_path / "ok.csv", [penalty_row(provider.uscc)])
    assert run(capsys, str(path), "--item", "no-such-item", "--provider", provider.uscc)[0] != 0
    assert run(capsys, str(path), "--item", "admin-penalty", "--provider", "91110000600037341L")[0] != 0
    code, lines = run(capsys, str(tmp_path / "missing.csv"), "--item", "admin-penalty", "--provider", provider.uscc)
    assert code != 0 and json.loads(lines[0])["error"]["code"] == "unreadable_file"
    assert not CreditRecord.objects.exists()


def test_a_dry_run_stores_nothing(tmp_path, capsys, penalty, provider):
    path = write_csv(tmp_path / "d.csv", [penalty_row(provider.uscc), penalty_row(provider.uscc, **{"违法事实": ""})])
    code, lines = run(capsys, str(path), "--item", "admin-penalty", "--provider", provider.uscc, "--dry-run",
                      "--format", "csv")
    line = json.loads(lines[0])
    assert code == 0 and (line["batch"], line["accepted"], line["rejected"], line["dry_run"]) == (None, 1, 1, True)
    assert (tmp_path / "d.rejections.csv").exists()
    assert not CreditRecord.objects.exists()
