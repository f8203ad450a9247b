"""API: submissions by provider departments' systems (Art 18, 19, 20, 30; security req. 7, 9, 17).

A provider submits only for itself (the caller's organization; rows naming another data-source unit are
refused) and only items it provides. Server-owned fields (status, disclosure class …) in a body are
refused, never ignored. Batches and their rejections are visible to the provider that sent them only;
another provider's batch answers exactly like a missing one.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Body, Query, Router, Schema

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.core.errors import NotFoundOrForbidden, PermissionDenied, ServiceError, bilingual
from xinyong.core.paging import paging
from xinyong.core.uploads import check_upload_size, upload_limit
from xinyong.ingestion.choices import BatchStatus, Channel
from xinyong.ingestion.forms import MAX_UPLOAD_BYTES
from xinyong.ingestion.models import Batch
from xinyong.ingestion.pipeline import (
    BatchResult,
    ingest_file,
    ingest_records,
    item_current,
    provider_may_submit,
)
from xinyong.ingestion.readers import SubmissionRefused
from xinyong.ingestion.validation import ItemSchema, RowsRejected, check_keys
from xinyong.records.models import CreditRecord

router = Router(tags=["submissions"])

MAX_RECORDS = 10_000
BACKGROUND_BYTES = 2 * 1024 * 1024  # uploads larger than this are processed by the background worker


class ReceiptOut(Schema):
    seq: int | None
    digest: str
    signature: str
    key: str


class BatchOut(Schema):
    batch: int | None
    status: str
    received: int
    accepted: int
    rejected: int
    duplicates: int
    corrected: int = 0
    progress_rows: int = 0
    receipt: ReceiptOut | None = None
    error: dict | None = None


class RecordSubmitted(Schema):
    id: int
    status: str  # created / duplicate / corrected
    batch: int | None
    receipt: ReceiptOut | None = None


class RejectionOut(Schema):
    row: int
    field: str
    code: str
    message: str
    values: list[list[str]]
    resolved: bool


def _organization(request):
    require(request, Permission.SUBMIT_RECORDS)
    organization = getattr(caller(request), "organization", None)
    if organization is None or not organization.is_active:
        raise PermissionDenied()
    return organization


def _item_for(organization, item_code: str):
    item = item_current(item_code)
    if not provider_may_submit(organization, item):
        raise NotFoundOrForbidden()
    return item


def _receipt(result: BatchResult) -> dict | None:
    if result.status != BatchStatus.DONE:
        return None
    return {"seq": result.audit_seq, "digest": result.digest, "signature": result.receipt,
            "key": result.receipt_key_id}


def _batch_out(result: BatchResult) -> dict:
    out = {"batch": result.batch, "status": result.status, "received": result.received,
           "accepted": result.accepted, "rejected": result.rejected, "duplicates": result.duplicates,
           "corrected": result.corrected, "progress_rows": result.received, "receipt": _receipt(result)}
    if result.error_code:
        out["error"] = {"code": result.error_code, "field": result.field, "message": result.error}
    return out


def _refusal(result: BatchResult) -> ServiceError:
    return SubmissionRefused(result.error_code, result.error, field=result.field)


def _check_body(item, record: Any, organization) -> None:
    if not isinstance(record, dict) or not record:
        raise SubmissionRefused("invalid_input", _("Each record is a JSON object of field code → value."))
    schema = ItemSchema(item)
    mapping = check_keys(schema, record.keys())
    source = schema.roles.get("source_uscc")
    for key, code in mapping.items():
        if code == source and str(record[key] or "").strip().upper() not in ("", organization.uscc):
            raise PermissionDenied(bilingual("只能报送本单位的信息", "A provider submits only its own information."))


@router.post("/{item_code}/records", response={201: RecordSubmitted, 200: RecordSubmitted},
             summary="Submit one record (field code → value)")
def submit_record(request, item_code: str, payload: dict[str, Any] = Body(...)):  # noqa: B008
    organization = _organization(request)
    item = _item_for(organization, item_code)
    _check_body(item, payload, organization)
    result = ingest_records(records=[payload], item_code=item.code, provider=organization, actor=caller(request))
    if result.status != BatchStatus.DONE:
        raise _refusal(result)
    if result.rejected:
        raise RowsRejected(result.errors)
    if result.record_ids:
        return 201, {"id": result.record_ids[0], "status": "created", "batch": result.batch,
                     "receipt": _receipt(result)}
    schema = ItemSchema(item)
    document_key = next(k for k, c in check_keys(schema, payload.keys()).items() if c == schema.roles["document_number"])
    existing = CreditRecord.objects.get(provider=organization, item_code=item.code,
                                        document_number=str(payload[document_key]).strip())
    status = "corrected" if result.corrected else "duplicate"
    return 200, {"id": existing.pk, "status": status, "batch": result.batch, "receipt": _receipt(result)}


@router.post("/{item_code}/batches", response={200: BatchOut, 202: BatchOut},
             summary="Submit a batch: a JSON array of up to 10,000 records, or a file upload (multipart 'file')",
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": {"type": "array", "items": {"type": "object"}, "maxItems": MAX_RECORDS}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}},
             }}})
@upload_limit(MAX_UPLOAD_BYTES)
def submit_batch(request, item_code: str):
    organization = _organization(request)
    item = _item_for(organization, item_code)
    actor = caller(request)
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise SubmissionRefused("invalid_input", _("Upload the file in the form field 'file'."), field="file")
        check_upload_size(upload, MAX_UPLOAD_BYTES)  # measured while it arrived (xinyong.core.uploads)
        if upload.size > BACKGROUND_BYTES:
            from xinyong.ingestion.tasks import submission_enqueue

            # Stored encrypted (security req. 19) and acknowledged with the batch number (req. 22).
            batch = submission_enqueue(chunks=upload.chunks(), item_code=item.code, provider=organization,
                                       actor=actor, channel=Channel.API, file_name=upload.name.rsplit("/", 1)[-1])
            batch.refresh_from_db()
            return 202, _stored_batch_out(batch)
        result = ingest_file(path_or_stream=upload.file, item_code=item.code, provider=organization,
                             actor=actor, channel=Channel.API, file_name=upload.name)
    else:
        try:
            records = json.loads(request.body or b"null")
        except ValueError:
            raise SubmissionRefused("invalid_input", _("The body is not valid JSON.")) from None
        if not isinstance(records, list) or not records:
            raise SubmissionRefused("invalid_input", _("The body is a non-empty JSON array of records."))
        if len(records) > MAX_RECORDS:
            raise SubmissionRefused("too_many_records", bilingual(
                f"一次最多报送{MAX_RECORDS}条记录，更多请上传文件", f"at most {MAX_RECORDS} records per request"))
        for record in records[:1] + [r for r in records[1:] if not isinstance(r, dict)][:1]:
            _check_body(item, record, organization)
        result = ingest_records(records=records, item_code=item.code, provider=organization, actor=actor)
    if result.status == BatchStatus.REFUSED:
        raise _refusal(result)
    return 200, _batch_out(result)


def _own_batch(request, batch_id: int) -> Batch:
    organization = _organization(request)
    batch = Batch.objects.filter(pk=batch_id, provider=organization).first()
    if batch is None:
        raise NotFoundOrForbidden()
    return batch


def _stored_batch_out(batch: Batch) -> dict:
    out = {"batch": batch.pk, "status": batch.status, "received": batch.received, "accepted": batch.accepted,
           "rejected": batch.rejected, "duplicates": batch.duplicates, "corrected": batch.corrected,
           "progress_rows": batch.progress_rows, "receipt": None}
    if batch.status == BatchStatus.DONE:
        out["receipt"] = {"seq": batch.audit_seq, "digest": batch.content_digest,
                          "signature": batch.receipt_signature, "key": batch.receipt_key_id}
    if batch.error_code:
        out["error"] = {"code": batch.error_code, "field": None, "message": batch.error}
    return out


@router.get("/batches/{batch_id}", response=BatchOut, summary="A batch of the caller's organization")
def batch_detail(request, batch_id: int):
    return _stored_batch_out(_own_batch(request, batch_id))


RejectionPage = paging(default=500, maximum=5000)


@router.get("/batches/{batch_id}/rejections", response=list[RejectionOut],
            summary="Rejected rows of a batch (ID numbers masked)")
def batch_rejections(request, batch_id: int, page: Query[RejectionPage]):
    batch = _own_batch(request, batch_id)
    rows = page.window(batch.rejections.order_by("row_number", "id"))
    return [{"row": r.row_number, "field": r.field, "code": r.code,
             "message": bilingual(r.message, r.message_en or r.message), "values": r.raw, "resolved": r.resolved}
            for r in rows]
