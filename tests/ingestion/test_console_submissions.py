"""Submitting a file through the console: upload, background processing, the batch page with its counts,
receipt and rejected rows, the rejection report, dry runs, and one department never seeing another's
batches (Art 18, 19, 30; security req. 7, 17)."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from ingestion_fixtures import penalty_row, write_csv, write_xlsx

from xinyong.accounts.testing import staff_session
from xinyong.ingestion.models import Batch, RejectedRow
from xinyong.records.models import CreditRecord

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]




class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.tables = self.captions = 0
        self.header_cells: list[dict] = []
        self.progress: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.header_cells.append(a)
        elif tag == "progress":
            self.progress.append(a)
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit", "button"}:
            self.controls.append(a)


def accessible(response) -> Page:
    page = Page(response.content.decode())
    assert page.h1 == 1
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    for control in page.controls:
        assert control.get("id") in page.label_for, f"{control} has a <label for>"
    assert page.captions == page.tables
    assert all(cell.get("scope") in {"col", "row"} for cell in page.header_cells)
    return page


def text_of(response) -> str:
    # <wbr> only lets a long signature wrap; it is no gap in the text.
    html = response.content.decode().replace("<wbr>", "")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def count_cell(response, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', response.content.decode()).group(1))


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XINYONG_UPLOAD_DIR = tmp_path / "var" / "ingestion" / "uploads"
    return settings.XINYONG_UPLOAD_DIR


@pytest.fixture
def submitter(make_staff, provider, penalty):
    return make_staff(roles=("data_submitter",), organization=provider)


@pytest.fixture
def other_department(make_org, make_staff, penalty):
    return make_staff(roles=("data_submitter",), organization=make_org(name="承德市生态环境局"))


def csv_upload(tmp_path, rows, name="处罚.csv") -> SimpleUploadedFile:
    path = write_csv(tmp_path / "upload.csv", rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def upload(client, file, *, item="admin-penalty", dry_run=False):
    data = {"item": item, "file": file}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("ingestion:upload"), data)


@pytest.fixture
def processed(submitter, provider, tmp_path):
    """Three rows uploaded, one of them without 违法事实; returns the client and the batch."""
    client = staff_session(Client(), submitter)
    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc), penalty_row(provider.uscc, **{"违法事实": ""})]
    response = upload(client, csv_upload(tmp_path, rows))
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ingestion:batch", args=[batch.pk])
    return client, batch


def test_the_upload_page_offers_the_items_the_department_provides(submitter):
    response = staff_session(Client(), submitter).get(reverse("ingestion:upload"))
    assert response.status_code == 200
    page = accessible(response)
    assert 'value="admin-penalty"' in response.content.decode()
    assert {"item", "file", "dry_run"} <= {c.get("name") for c in page.controls}


def test_an_uploaded_csv_is_processed_and_its_page_shows_counts_receipt_and_rejected_rows(processed, uploads):
    client, batch = processed
    batch.refresh_from_db()
    assert (batch.status, batch.channel, batch.received, batch.accepted, batch.rejected) == ("done", "console", 3, 2, 1)
    assert CreditRecord.objects.filter(batch=batch).count() == 2
    (saved,) = uploads.iterdir()
    assert saved.name == batch.upload_name and "处罚" not in saved.name  # a random name
    assert not (uploads.parent.parent / "media" / "submissions").exists()
    response = client.get(reverse("ingestion:batch", args=[batch.pk]))
    assert response.status_code == 200
    page = accessible(response)
    assert [count_cell(response, n) for n in ("received", "accepted", "rejected", "duplicates")] == [3, 2, 1, 0]
    text = text_of(response)
    assert "违法事实（CF_SY）" in text and "required" in text and "违法事实：必填项为空" in text
    assert str(batch.audit_seq) in text and batch.receipt_signature in text
    assert response.context["receipt_verified"] is True
    assert page.progress and all(p.get("aria-label") for p in page.progress)
    assert "batch-progress.js" not in response.content.decode()  # nothing to follow once done


def test_the_upload_is_stored_encrypted_mode_0600_in_a_0700_directory(submitter, provider, tmp_path, uploads):
    from xinyong.ingestion.uploads import upload_open

    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc)]
    plain = write_csv(tmp_path / "plain.csv", rows).read_bytes()
    client = staff_session(Client(), submitter)
    upload(client, SimpleUploadedFile("处罚.csv", plain, content_type="text/csv"))
    batch = Batch.objects.get()
    (saved,) = uploads.iterdir()
    assert saved.stat().st_mode & 0o777 == 0o600 and uploads.stat().st_mode & 0o777 == 0o700
    stored = saved.read_bytes()
    assert stored.startswith(b"xystrm1\n") and rows[0]["行政处罚决定书文号"].encode() not in stored
    assert "行政相对人名称".encode() not in stored
    with upload_open(batch.upload_name) as stream:
        assert stream.read() == plain
    assert batch.upload_bytes == len(plain)


def test_the_rejection_report_downloads_as_csv_with_the_row_and_the_reason(processed):
    client, batch = processed
    response = client.get(reverse("ingestion:batch-report", args=[batch.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, line = list(csv.reader(io.StringIO(content)))
    assert header[:4] == ["行号", "字段", "错误代码", "错误说明"]
    assert line[0] == "4" and line[2] == "required" and "违法事实" in line[1]


def test_the_batch_status_answers_json_for_the_progress_script(processed):
    client, batch = processed
    body = client.get(reverse("ingestion:batch-status", args=[batch.pk])).json()
    assert body == {"status": "done", "text": body["text"], "progress_rows": 3, "finished": True}


def test_a_batch_still_processing_shows_a_progress_bar_that_follows_itself(submitter, provider, penalty):
    from xinyong.ingestion.pipeline import batch_receive

    batch = batch_receive(path="/nonexistent/x.csv", item_code="admin-penalty", provider=provider,
                          actor=submitter, file_name="x.csv")
    response = staff_session(Client(), submitter).get(reverse("ingestion:batch", args=[batch.pk]))
    page = accessible(response)
    html = response.content.decode()
    (progress,) = page.progress
    assert progress.get("aria-label") and "value" not in progress  # indeterminate until finished
    assert "batch-progress.js" in html and 'data-poll-seconds="2"' in html
    assert reverse("ingestion:batch-status", args=[batch.pk]) in html
    assert "<noscript>" in html
    assert 'data-count="received"' not in html


def test_the_list_shows_the_departments_batches_only(processed, other_department, provider, tmp_path):
    client, _batch = processed
    other = staff_session(Client(), other_department)
    upload(other, csv_upload(tmp_path, [penalty_row(other_department.organization.uscc)], name="环境.csv"))
    response = client.get(reverse("ingestion:batches"))
    accessible(response)
    text = text_of(response)
    assert "处罚.csv" in text and "环境.csv" not in text


@pytest.mark.parametrize("name", ["ingestion:batch", "ingestion:batch-status", "ingestion:batch-report"])
def test_another_department_gets_404_for_a_batch_as_for_a_missing_one(processed, other_department, name):
    _client, batch = processed
    other = staff_session(Client(), other_department)
    assert other.get(reverse(name, args=[batch.pk])).status_code == 404
    assert other.get(reverse(name, args=[batch.pk + 1000])).status_code == 404


@pytest.mark.parametrize("name", ["ingestion:batches", "ingestion:upload"])
def test_staff_without_the_submit_permission_get_403(make_staff, provider, name):
    supervisor = make_staff(roles=("supervisor",), organization=provider)
    assert staff_session(Client(), supervisor).get(reverse(name)).status_code == 403


def test_anonymous_visitors_are_sent_to_the_staff_login(db):
    response = Client().get(reverse("ingestion:upload"))
    assert response.status_code == 302 and reverse("web:staff-login") in response["Location"]


def test_a_dry_run_shows_the_counts_and_errors_and_stores_nothing(submitter, provider, tmp_path, uploads):
    client = staff_session(Client(), submitter)
    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc, **{"罚款金额（万元）": "-3"})]
    response = upload(client, csv_upload(tmp_path, rows), dry_run=True)
    assert response.status_code == 200
    accessible(response)
    assert [count_cell(response, n) for n in ("received", "accepted", "rejected")] == [2, 1, 1]
    assert "negative_amount" in text_of(response)
    assert not Batch.objects.exists() and not CreditRecord.objects.exists() and not RejectedRow.objects.exists()
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_file_with_a_prohibited_column_is_refused_as_a_whole(submitter, provider, tmp_path):
    client = staff_session(Client(), submitter)
    response = upload(client, csv_upload(tmp_path, [dict(penalty_row(provider.uscc), 血型="A")]))
    batch = Batch.objects.get()
    assert response.status_code == 302 and batch.status == "refused"
    page = client.get(reverse("ingestion:batch", args=[batch.pk]))
    assert "prohibited_field" in text_of(page) and not CreditRecord.objects.exists()


def test_an_xlsx_file_is_accepted_too(submitter, provider, tmp_path):
    path = write_xlsx(tmp_path / "处罚.xlsx", [penalty_row(provider.uscc)])
    file = SimpleUploadedFile("处罚.xlsx", path.read_bytes())
    upload(staff_session(Client(), submitter), file)
    assert Batch.objects.get().accepted == 1


def test_an_unsupported_file_type_or_an_item_not_provided_is_refused_by_the_form(submitter, provider, tmp_path):
    client = staff_session(Client(), submitter)
    response = upload(client, SimpleUploadedFile("处罚.pdf", b"%PDF-1.4"))
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    response = upload(client, csv_upload(tmp_path, [penalty_row(provider.uscc)]), item="no-such-item")
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not Batch.objects.exists()


def test_an_item_listing_other_providers_is_not_offered(submitter, penalty, make_org):
    penalty.providers.add(make_org(name="承德市税务局"))
    client = staff_session(Client(), submitter)
    assert 'value="admin-penalty"' not in client.get(reverse("ingestion:upload")).content.decode()


def test_a_dry_run_of_a_file_that_would_be_refused_says_why_and_stores_nothing(submitter, provider, tmp_path):
    client = staff_session(Client(), submitter)
    response = upload(client, csv_upload(tmp_path, [dict(penalty_row(provider.uscc), 血型="A")]), dry_run=True)
    assert response.status_code == 200
    accessible(response)
    assert "prohibited_field" in text_of(response) and "血型" in text_of(response)
    assert not Batch.objects.exists()
