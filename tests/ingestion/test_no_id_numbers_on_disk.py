"""No valid ID number on disk after submissions (security req. 19; Art 17, 32): files submitted through the
console, the API (inline and in the background) and the command, accepted and rejected rows, rejection
reports — and then a scan of the platform's var/ directory (`XINYONG_VAR_DIR`; scripts/test.sh gives the
suite a fresh one) checks every 18-character candidate with the identifier validator and finds none."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from ingestion_fixtures import person_id, person_row, write_csv, write_xlsx

from xinyong.accounts.testing import staff_session
from xinyong.catalog.selectors import field_for_header
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.ingestion.models import Batch

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

_CANDIDATE = re.compile(rb"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def valid_id_numbers(directory: Path) -> dict[str, list[str]]:
    """Every valid citizen ID number in any file under `directory`, by file."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [c.decode() for c in _CANDIDATE.findall(data)
                if validate(IdentifierType.CITIZEN_ID, c.decode()).ok]
        if hits:
            found[str(path.relative_to(directory))] = hits
    return found


def rows_with_id_numbers(uscc: str, first: int, count: int) -> list[dict]:
    """Natural persons' rows, a quarter rejected, with ID numbers also in free text and in wrong columns."""
    rows = []
    for n in range(first, first + count):
        row = person_row(uscc, n)
        if n % 4 == 1:
            row["违法事实"] = ""  # rejected: the row, with its ID number, goes to the rejected rows
        if n % 4 == 2:
            row["违法事实"] = f"当事人（身份证号{person_id(n + 5000)}）销售不合格产品"
        if n % 8 == 3:
            row["罚款金额（万元）"] = "-1"  # rejected, with an ID number in 备注 and in the USCC column
            row["备注"] = f"=联系人{person_id(n + 6000)}"
            row["统一社会信用代码"] = person_id(n + 7000)
        rows.append(row)
    return rows


def test_the_scan_finds_a_plaintext_id_number(tmp_path):
    (tmp_path / "plain.csv").write_text(f"证件号码\n{person_id(1)}\n", encoding="utf-8")
    (tmp_path / "not-one.txt").write_text("123456789012345678 130802199001010000\n")
    assert valid_id_numbers(tmp_path) == {"plain.csv": [person_id(1)]}


def test_after_submissions_through_the_console_api_and_command_var_holds_no_id_number(
    penalty, provider, make_staff, api_client_for, tmp_path,
):
    var = Path(settings.VAR_DIR)
    upload_dir = Path(settings.XINYONG_UPLOAD_DIR)
    assert upload_dir.is_relative_to(var)  # the default: stored uploads live in var/
    # The console: a CSV and an XLSX, processed in the background from the stored upload.
    console = staff_session(Client(), make_staff(roles=("data_submitter",), organization=provider))
    csv_file = write_csv(tmp_path / "console.csv", rows_with_id_numbers(provider.uscc, 100, 40))
    xlsx_file = write_xlsx(tmp_path / "console.xlsx", rows_with_id_numbers(provider.uscc, 200, 40))
    for path in (csv_file, xlsx_file):
        response = console.post(reverse("ingestion:upload"), {
            "item": "admin-penalty", "file": SimpleUploadedFile(path.name, path.read_bytes())})
        assert response.status_code == 302
    # The API: records as JSON, a small file processed at once, a large one in the background.
    api = api_client_for(provider, {"data_submitter"})
    records = [{field_for_header(penalty, h).code: v for h, v in row.items()}
               for row in rows_with_id_numbers(provider.uscc, 300, 20)]
    assert api.post("/api/v1/submissions/admin-penalty/batches", records,
                    content_type="application/json").status_code == 200
    small = write_csv(tmp_path / "small.csv", rows_with_id_numbers(provider.uscc, 400, 20))
    large = write_csv(tmp_path / "large.csv", rows_with_id_numbers(provider.uscc, 1000, 7000))
    assert large.stat().st_size > 2 * 1024 * 1024  # the background path
    for path, status in ((small, 200), (large, 202)):
        with path.open("rb") as stream:
            response = api.post("/api/v1/submissions/admin-penalty/batches", {"file": stream})
        assert response.status_code == status, response.content
    # The command, its rejection report written into var/.
    command_file = write_csv(tmp_path / "command.csv", rows_with_id_numbers(provider.uscc, 500, 40))
    report = var / "reports" / "command.rejections.csv"
    report.parent.mkdir(parents=True, exist_ok=True)
    call_command("ingest", str(command_file), "--item", "admin-penalty", "--provider", provider.uscc,
                 "--report", str(report), stdout=io.StringIO())
    # The console's rejection report (a download, written through a temporary file).
    batch = Batch.objects.filter(channel="console").order_by("pk").first()
    assert b"".join(console.get(reverse("ingestion:batch-report", args=[batch.pk])).streaming_content)

    batches = Batch.objects.order_by("pk")
    assert [b.status for b in batches] == ["done"] * 6 and all(b.rejected for b in batches)
    stored = {b.upload_name for b in batches if b.upload_name}
    assert len(stored) == 3 and stored <= {p.name for p in upload_dir.iterdir()}
    assert report.stat().st_size > 1000
    assert valid_id_numbers(var) == {}
