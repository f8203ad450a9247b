"""Stored uploads are kept `retention.submission_upload` days after their batch finished, then deleted by the
daily job with one audit record; the batch keeps its counts, receipt and rejection report (security req.
19; Art 15, 17, 32). Orphaned files and the plaintext uploads of earlier versions are deleted too."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from ingestion_fixtures import penalty_row, write_csv

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.ingestion.models import Batch
from xinyong.ingestion.tasks import submission_enqueue
from xinyong.ingestion.uploads import upload_keep_until, uploads_expire
from xinyong.regulation.parameters import parameter

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

FINISHED = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 23:00 on 10 March in Chengde


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.XINYONG_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.XINYONG_UPLOAD_DIR


@pytest.fixture
def submitter(make_staff, provider, penalty):
    return make_staff(roles=("data_submitter",), organization=provider)


@pytest.fixture
def finished_batch(tmp_path, provider, submitter):
    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc, **{"违法事实": ""})]
    data = write_csv(tmp_path / "f.csv", rows).read_bytes()
    batch = submission_enqueue(chunks=[data], item_code="admin-penalty", provider=provider, actor=submitter,
                               channel="console", file_name="处罚.csv")
    Batch.objects.filter(pk=batch.pk).update(finished_at=FINISHED)
    batch.refresh_from_db()
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 1, 1)
    return batch


def test_the_retention_is_a_dated_registry_parameter_citing_the_chengde_regulation():
    value = parameter("retention.submission_upload", dt.date(2026, 3, 10))
    assert (value.value, value.unit) == (30, "days")
    assert {"Art 15", "Art 17", "Art 32"} <= {str(r) for r in value.reference}
    assert parameter("retention.submission_upload", dt.date(2024, 5, 1)).value == 30


def test_an_upload_is_kept_through_the_last_day_of_retention_and_deleted_the_day_after(
    finished_batch, upload_dir, submitter,
):
    path = upload_dir / finished_batch.upload_name
    last_day = dt.date(2026, 3, 10) + dt.timedelta(days=30)  # finished on 10 March, local time
    assert upload_keep_until(finished_batch) == last_day

    kept = uploads_expire(on=last_day)
    assert (kept.deleted, kept.kept) == ([], 1) and path.exists()
    assert not AuditEvent.objects.filter(event_type=int(AuditEventType.SUBMISSION_UPLOADS_DELETED)).exists()

    gone = uploads_expire(on=last_day + dt.timedelta(days=1))
    assert gone.deleted == [finished_batch.pk] and not path.exists()
    finished_batch.refresh_from_db()
    assert finished_batch.upload_deleted_at is not None
    (event,) = AuditEvent.objects.filter(event_type=int(AuditEventType.SUBMISSION_UPLOADS_DELETED))
    assert event.details["batches"] == [finished_batch.pk]
    assert event.details["parameters"] == {"retention.submission_upload": [30]}
    assert {"Art 15", "Art 17", "Art 32"} <= set(event.articles)
    assert uploads_expire(on=last_day + dt.timedelta(days=2)).deleted == []  # once

    # What users need stays with the batch: its page, its receipt and its rejection report.
    client = staff_session(Client(), submitter)
    assert client.get(reverse("ingestion:batch", args=[finished_batch.pk])).status_code == 200
    report = client.get(reverse("ingestion:batch-report", args=[finished_batch.pk]))
    assert report.status_code == 200 and "必填项为空" in b"".join(report.streaming_content).decode("utf-8-sig")


def test_an_unfinished_batch_keeps_its_upload(tmp_path, provider, upload_dir, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, no worker
    data = write_csv(tmp_path / "f.csv", [penalty_row(provider.uscc)]).read_bytes()
    batch = submission_enqueue(chunks=[data], item_code="admin-penalty", provider=provider, channel="api",
                               file_name="f.csv")
    assert Batch.objects.get(pk=batch.pk).status == "received"
    assert uploads_expire(on=timezone.localdate() + dt.timedelta(days=400)).deleted == []
    assert (upload_dir / batch.upload_name).exists()


def test_orphaned_files_and_old_plaintext_uploads_are_deleted_once_a_day_old(finished_batch, upload_dir, settings):
    orphan = upload_dir / ("0" * 32 + ".xystrm")
    partial = upload_dir / ".abc.xystrm.part"
    fresh = upload_dir / ("1" * 32 + ".xystrm")
    legacy = settings.MEDIA_ROOT / "submissions" / "2026" / "03" / "a.csv"
    legacy.parent.mkdir(parents=True)
    for path in (orphan, partial, fresh, legacy):
        path.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    for path in (orphan, partial, legacy):
        os.utime(path, (two_days_ago, two_days_ago))
    result = uploads_expire(on=dt.date(2026, 3, 11))
    assert result.orphans == 3 and result.deleted == []
    assert not orphan.exists() and not partial.exists() and not legacy.exists()
    assert fresh.exists() and (upload_dir / finished_batch.upload_name).exists()


def test_the_scheduler_runs_the_retention_job(finished_batch, upload_dir, monkeypatch):
    monkeypatch.setattr("xinyong.rights.scheduler.deliver_notifications", lambda: "")
    out = io.StringIO()
    call_command("scheduler", "--once", "--on", "2026-04-09", stdout=out)  # 10 March + 30 days
    assert "uploads-expire 2026-04-09: ok (deleted=0, orphans=0, kept=1, attempts=1)" in out.getvalue()
    out = io.StringIO()
    call_command("scheduler", "--once", "--on", "2026-04-10", stdout=out)
    assert "uploads-expire 2026-04-10: ok (deleted=1, orphans=0, kept=0, attempts=1)" in out.getvalue()
    assert not (upload_dir / finished_batch.upload_name).exists()
