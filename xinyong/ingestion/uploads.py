"""Stored uploads: submission files kept encrypted while their batch needs them (Art 15, 17, 32; security
req. 19, 22).

A file submitted through the console or as a large API upload is written, while it streams in, as an
encrypted stream (`xinyong.core.crypto.streaming`: chunked SM4-GCM under the data key, context
"ingestion.upload") into `settings.XINYONG_UPLOAD_DIR` (mode 0700) as a file of mode 0600 with a random
name; the provider's own file name stays in the batch row only. The pipeline reads it back through the
decrypting stream; nothing is decrypted to disk (XLSX workbooks are read from the stream into memory, as
before). The stored file lets a batch interrupted by a crash restart from it (`xinyong.ingestion.leases`).

After the batch has finished, the file is kept for `retention.submission_upload` days (the value in force
on the day it finished), then `uploads_expire` deletes it with one audit record per run
(`SUBMISSION_UPLOADS_DELETED`). The batch keeps what users need: counts, digest, signed receipt, and the
rejected rows with their reasons (ID numbers masked) for the rejection report. Files no batch names (an
upload whose batch was never registered because the process died in between) are deleted too once a day old,
and so are the plaintext uploads earlier versions kept under `MEDIA_ROOT/submissions/`.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import audit_record
from xinyong.core.crypto.streaming import DecryptingReader, encrypt_file, open_decrypting
from xinyong.ingestion.choices import BatchStatus
from xinyong.ingestion.models import Batch
from xinyong.regulation.parameters import parameter, rule_version

CONTEXT = "ingestion.upload"
SUFFIX = ".xystrm"
RETENTION = "retention.submission_upload"
ARTICLES = ["Art 15", "Art 17", "Art 32"]
ORPHAN_AGE = dt.timedelta(days=1)
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class StoredUpload:
    name: str  # the file's name in the upload directory
    size: int  # plaintext bytes
    key_id: str


def upload_dir() -> Path:
    """The upload directory, created (with its parent) mode 0700; an existing one is narrowed to 0700."""
    directory = Path(settings.XINYONG_UPLOAD_DIR)
    directory.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    directory.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        directory.chmod(DIRECTORY_MODE)
    return directory


def _path(name: str) -> Path:
    # Names are ours (hex + suffix); anything else is refused rather than joined into a path.
    if not name or "/" in name or "\\" in name or name.startswith(".") or not name.endswith(SUFFIX):
        raise ValueError("not a stored upload name")
    return Path(settings.XINYONG_UPLOAD_DIR) / name


def upload_store(chunks: Iterable[bytes]) -> StoredUpload:
    """Encrypt the uploaded bytes (an iterable of chunks, e.g. `UploadedFile.chunks()`) into a new file.

    Written under a temporary name and renamed when complete, so a crash mid-way leaves no file that looks
    stored (the partial file is deleted by `uploads_expire` as an orphan)."""
    directory = upload_dir()
    name = f"{secrets.token_hex(16)}{SUFFIX}"
    partial = directory / f".{name}.part"
    try:
        writer = encrypt_file(chunks, partial, context=CONTEXT, mode=FILE_MODE)
        os.replace(partial, directory / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return StoredUpload(name=name, size=writer.plaintext_bytes, key_id=writer.key_id)


def upload_open(name: str) -> DecryptingReader:
    """The plaintext of a stored upload as a seekable binary stream (authenticated chunk by chunk)."""
    return open_decrypting(_path(name), context=CONTEXT)


def upload_exists(name: str) -> bool:
    try:
        return bool(name) and _path(name).is_file()
    except ValueError:
        return False


def upload_discard(name: str) -> None:
    """Remove a stored upload no batch was registered for (the caller's registration failed)."""
    _path(name).unlink(missing_ok=True)


# --- retention ----------------------------------------------------------------------------------------------


def upload_keep_until(batch: Batch) -> dt.date | None:
    """The last day the batch's upload is kept: the day it finished plus `retention.submission_upload` days
    in force on that day; None while the batch is unfinished."""
    if batch.finished_at is None or batch.status in (BatchStatus.RECEIVED, BatchStatus.PROCESSING):
        return None
    finished_on = timezone.localdate(batch.finished_at)
    return finished_on + dt.timedelta(days=int(parameter(RETENTION, finished_on).value))


@dataclass
class ExpireResult:
    on: dt.date
    deleted: list[int] = field(default_factory=list)  # batch ids
    orphans: int = 0
    kept: int = 0

    def as_summary(self) -> dict:
        return {"on": self.on.isoformat(), "deleted": len(self.deleted), "orphans": self.orphans, "kept": self.kept}


def uploads_expire(*, on: dt.date | None = None, actor=None) -> ExpireResult:
    """Delete the stored uploads past retention on `on` (default today) and orphaned files; one audit record
    naming the batches, the parameter and the rule version (Art 15, 17, 32; security req. 19)."""
    on = on or timezone.localdate()
    result = ExpireResult(on=on)
    now = timezone.now()
    due: list[Batch] = []
    values: dict[str, int] = {}
    candidates = Batch.objects.filter(upload_deleted_at__isnull=True, finished_at__isnull=False).exclude(
        upload_name="").exclude(status__in=[BatchStatus.RECEIVED, BatchStatus.PROCESSING])
    for batch in candidates.only("pk", "status", "finished_at", "upload_name").iterator(chunk_size=2000):
        keep_until = upload_keep_until(batch)
        if keep_until is not None and on > keep_until:
            due.append(batch)
            finished_on = timezone.localdate(batch.finished_at).isoformat()
            values[finished_on] = int(parameter(RETENTION, timezone.localdate(batch.finished_at)).value)
        else:
            result.kept += 1
    named = set(Batch.objects.exclude(upload_name="").filter(upload_deleted_at__isnull=True)
                .values_list("upload_name", flat=True))
    orphans = []
    directory = Path(settings.XINYONG_UPLOAD_DIR)
    if directory.is_dir():
        for entry in directory.iterdir():
            bare = entry.name[1:-len(".part")] if entry.name.startswith(".") and entry.name.endswith(".part") \
                else entry.name
            if bare in named or not entry.is_file():
                continue
            if now.timestamp() - entry.stat().st_mtime > ORPHAN_AGE.total_seconds():
                orphans.append(entry)
    # Earlier versions kept console uploads in plaintext under MEDIA_ROOT/submissions/: those go too.
    legacy = Path(settings.MEDIA_ROOT) / "submissions"
    if legacy.is_dir():
        orphans += [p for p in legacy.rglob("*") if p.is_file()
                    and now.timestamp() - p.stat().st_mtime > ORPHAN_AGE.total_seconds()]
    if not due and not orphans:
        return result
    with transaction.atomic():
        ids = [b.pk for b in due]
        if ids:
            Batch.objects.filter(pk__in=ids, upload_deleted_at__isnull=True).update(upload_deleted_at=now)
        audit_record(
            AuditEventType.SUBMISSION_UPLOADS_DELETED, actor=actor, target_label="ingestion.batch.upload",
            articles=ARTICLES,
            details={"on": on.isoformat(), "batches": ids, "orphans": len(orphans),
                     "parameters": {RETENTION: sorted(set(values.values()))}, "finished_on": values,
                     "rule_version": rule_version()},
        )
        # Inside the transaction: if a file cannot be deleted nothing is marked and the next run retries; if
        # the commit fails after the files went, the next run finds them gone and marks them then.
        for path in [_path(b.upload_name) for b in due] + orphans:
            path.unlink(missing_ok=True)
    result.deleted = ids
    result.orphans = len(orphans)
    return result
