"""The submission pipeline: parse, screen, validate, link, store, audit, sign (Art 18, 19, 20, 30).

`ingest_file` / `ingest_records` run one submission as one batch:

1. the header row is mapped to the item's fields (code, Chinese name or alias); a prohibited column (Art 19),
   an unknown or server-owned column, or a missing required column refuses the whole submission and
   nothing is stored;
2. rows are read and validated in chunks of `CHUNK_ROWS` (bounded memory), each error naming the row,
   the field and the rule;
3. accepted rows are linked to subjects through the blind index (one query per chunk; new subjects are
   created in bulk; a differing name is flagged, never written over the registry's);
4. records and their first revisions are stored in bulk (binary COPY on PostgreSQL), corrections add
   revisions (Art 30), duplicates — the same (provider, item, document number) stored before or repeated in
   the file — are counted and skipped, so a resubmission changes nothing;
5. one audit record for the batch (counts, content digest, rule version) and a signed receipt naming its
   audit sequence number (security req. 17).

The whole batch is one transaction: a crash leaves all of it or none (security req. 22). The run holds the
batch's lease (`xinyong.ingestion.leases`): its heartbeat writes the progress (`Batch.progress_rows`) per
chunk through a second connection on PostgreSQL so the console can show it while the batch transaction is
open (on SQLite it is written at the end), and the transaction commits only if the lease is still this run's,
so a batch taken over after a crash is stored exactly once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from itertools import islice

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from xinyong.accounts.models import Organization
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import audit_record
from xinyong.core.crypto import blind_index, get_provider, load_keyring
from xinyong.core.errors import NotFoundOrForbidden, ServiceError, bilingual
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.core.masking import mask_identifier
from xinyong.ingestion.catalog_access import field_for_header, header_key, item_current, prohibited_kind
from xinyong.ingestion.choices import BatchStatus, Channel
from xinyong.ingestion.leases import BatchLease, LeaseLost, NoLease, lease_fields, new_token, process_owner
from xinyong.ingestion.models import Batch, RejectedRow
from xinyong.ingestion.readers import Source, SubmissionRefused, open_source, records_source
from xinyong.ingestion.storage import storage_for_connection
from xinyong.ingestion.validation import (
    CONVENTION_HEADERS,
    IGNORED_HEADERS,
    OP_CORRECT,
    SERVER_OWNED,
    ItemSchema,
    RowError,
    RowValidator,
    ValidRow,
    _text,
    chengde_divisions,
    normalize_cell,
    scrub_id_numbers,
)
from xinyong.notifications.hooks import batch_new_information_notify
from xinyong.records.choices import RecordStatus, RevisionSource
from xinyong.records.integrity import (
    RecordHead,
    canonical_data,
    canonical_time,
    integrity_key,
    revision_message,
)
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.records.publication import PublicationWindows
from xinyong.records.selectors import record_revision_verify
from xinyong.records.services import names_differ, revision_build
from xinyong.regulation.parameters import rule_version
from xinyong.subjects.models import Subject, SubjectName

IMPLEMENTS = ("Art 7: ingest_records", "Art 18", "Art 19", "Art 20", "Art 30")

logger = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
RECEIPT_FORMAT = "xinyong-submission-receipt/1"
ARTICLES = ["Art 18", "Art 19", "Art 20"]


@dataclass
class BatchResult:
    batch: int | None
    status: str
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    corrected: int = 0
    subjects_created: int = 0
    name_mismatches: int = 0
    resolved_rejections: int = 0
    digest: str = ""
    audit_seq: int | None = None
    receipt: str = ""
    receipt_key_id: str = ""
    error_code: str = ""
    error: str = ""
    field: str | None = None
    dry_run: bool = False
    record_ids: list[int] = dc_field(default_factory=list)  # filled for small (API) batches only
    errors: list[RowError] = dc_field(default_factory=list)  # likewise

    def as_line(self) -> dict:
        line = {"batch": self.batch, "received": self.received, "accepted": self.accepted,
                "rejected": self.rejected, "duplicates": self.duplicates}
        if self.status == BatchStatus.DONE:
            line["receipt"] = {"seq": self.audit_seq, "digest": self.digest, "signature": self.receipt,
                               "key": self.receipt_key_id}
        if self.dry_run:
            line["dry_run"] = True
        if self.error_code:
            line["error"] = {"code": self.error_code, "field": self.field, "message": self.error}
        return line

    def as_dict(self) -> dict:
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data


class _DryRunRollback(Exception):
    pass


# --- entry points -----------------------------------------------------------------------------------------


def resolve_provider(provider) -> Organization:
    if isinstance(provider, Organization):
        return provider
    found = Organization.objects.filter(uscc=str(provider).strip().upper(), is_active=True).first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


def provider_may_submit(provider: Organization, item) -> bool:
    """A provider submits only items it provides; an item without listed providers takes any (Art 18)."""
    providers = list(item.providers.values_list("id", flat=True))
    return not providers or provider.pk in providers


def ingest_file(
    *,
    path_or_stream,
    item_code: str,
    provider,
    fmt: str | None = None,
    actor=None,
    channel: str = Channel.COMMAND,
    dry_run: bool = False,
    file_name: str = "",
    on_rejected: Callable[[list[RejectedRow], list[str]], None] | None = None,
    batch: Batch | None = None,
    lease: BatchLease | None = None,
) -> BatchResult:
    """Run one file through the pipeline as one batch (see the module docstring). A registered `batch` comes
    with the `lease` its caller claimed (`xinyong.ingestion.recovery.batch_run`)."""
    organization = resolve_provider(provider)
    item = item_current(item_code)
    if not provider_may_submit(organization, item):
        raise NotFoundOrForbidden()
    if batch is not None and lease is None:
        raise ValueError("a registered batch is processed under its lease (xinyong.ingestion.recovery.batch_run)")
    try:
        source = open_source(path_or_stream, fmt, file_name)
    except SubmissionRefused as exc:
        return _refused_before_reading(exc, organization, item, actor, channel, file_name, dry_run, batch, lease)
    try:
        return _run(source, organization, item, actor, channel, dry_run, on_rejected, batch, lease=lease)
    finally:
        source.close()


def ingest_records(*, records: list[dict], item_code: str, provider, actor=None, channel: str = Channel.API,
                   dry_run: bool = False) -> BatchResult:
    """Run parsed JSON records (the API) through the same pipeline as one batch."""
    organization = resolve_provider(provider)
    item = item_current(item_code)
    if not provider_may_submit(organization, item):
        raise NotFoundOrForbidden()
    return _run(records_source(records), organization, item, actor, channel, dry_run, None, None,
                keep_details=len(records) <= 10_000)


def batch_receive(*, item_code: str, provider, actor=None, channel: str = Channel.CONSOLE, file_name: str = "",
                  upload=None, path=None) -> Batch:
    """Register a stored upload (`xinyong.ingestion.uploads.upload_store`) for background processing; the
    caller enqueues `ingest_batch_task` with the batch's id. From here the submission is acknowledged: its
    batch number stands, and a crash before it is processed only delays it (the lease, security req. 22)."""
    organization = resolve_provider(provider)
    item = item_current(item_code)
    if not provider_may_submit(organization, item):
        raise NotFoundOrForbidden()
    return Batch.objects.create(provider=organization, item=item, item_code=item.code, channel=channel,
                                actor=actor if getattr(actor, "pk", None) else None,
                                file_name=(file_name or str(path or "").rsplit("/", 1)[-1])[:255],
                                upload_name=upload.name if upload else "", upload_bytes=upload.size if upload else 0)


def batch_process(batch: Batch, *, lease: BatchLease, path=None) -> BatchResult:
    """Process a received batch from its stored upload (or `path`), under the lease its caller claimed."""
    from xinyong.ingestion.uploads import upload_open

    stream = path if path is not None else upload_open(batch.upload_name)
    try:
        return ingest_file(path_or_stream=stream, item_code=batch.item_code, provider=batch.provider,
                           actor=batch.actor, channel=batch.channel, file_name=batch.file_name, batch=batch,
                           lease=lease)
    finally:
        if path is None:
            stream.close()


# --- the run ----------------------------------------------------------------------------------------------


def _new_batch(organization, item, actor, channel, source_name, source: Source | None) -> tuple[Batch, BatchLease]:
    """A batch processed in this process at once (command, API), under this process's lease: if the process
    dies, the lease expires and the batch is closed as interrupted (nothing of it was stored)."""
    now = timezone.now()
    owner, token = process_owner(channel), new_token()
    batch = Batch.objects.create(
        provider=organization, item=item, item_code=item.code, channel=channel,
        actor=actor if getattr(actor, "pk", None) else None, file_name=(source_name or "")[:255],
        format=source.format if source else "", encoding=source.encoding if source else "",
        status=BatchStatus.PROCESSING, started_at=now, attempts=1, **lease_fields(owner, token, now),
    )
    return batch, BatchLease(batch_id=batch.pk, owner=owner, token=token)


def _refused_before_reading(exc, organization, item, actor, channel, file_name, dry_run, batch, lease) -> BatchResult:
    if dry_run:
        return BatchResult(batch=None, status=BatchStatus.REFUSED, error_code=exc.code, error=str(exc.message),
                           field=exc.field, dry_run=True)
    if batch is None:
        batch, lease = _new_batch(organization, item, actor, channel, file_name, None)
    return _mark_refused(batch, exc, actor, lease)


def _mark_refused(batch: Batch, exc: ServiceError, actor, lease) -> BatchResult:
    """Record a refusal: the batch row says why, and one audit record (outcome failure) is written."""
    with transaction.atomic():
        lease.fence()
        Batch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.REFUSED, error_code=exc.code, error=str(exc.message)[:2000],
            finished_at=timezone.now(), received=0, accepted=0, rejected=0, duplicates=0, lease_expires_at=None,
        )
        audit_record(
            AuditEventType.SUBMISSION_REFUSED, actor=actor, organization=batch.provider, target=batch,
            target_label=f"{batch.item_code} {batch.file_name}", outcome=AuditOutcome.FAILURE,
            articles=ARTICLES, details={"code": exc.code, "column": exc.field, "channel": batch.channel},
        )
    return BatchResult(batch=batch.pk, status=BatchStatus.REFUSED, error_code=exc.code, error=str(exc.message),
                       field=exc.field)


def _run(source, organization, item, actor, channel, dry_run, on_rejected, batch, keep_details=False, lease=None):
    if dry_run:
        lease = NoLease()
    elif batch is None:
        batch, lease = _new_batch(organization, item, actor, channel, source.file_name, source)
    else:
        Batch.objects.filter(lease.held()).update(format=source.format, encoding=source.encoding)
        batch.refresh_from_db()
    lease.start()
    try:
        with transaction.atomic():
            if dry_run:
                batch, _lease = _new_batch(organization, item, actor, channel, source.file_name, source)
            run = _BatchRun(batch, source, organization, item, actor, on_rejected, lease, keep_details)
            result = run.execute()
            if dry_run:
                result.batch, result.dry_run = None, True
                raise _DryRunRollback()
    except _DryRunRollback:
        return result
    except SubmissionRefused as exc:
        if dry_run:
            return BatchResult(batch=None, status=BatchStatus.REFUSED, error_code=exc.code,
                               error=str(exc.message), field=exc.field, dry_run=True)
        return _mark_refused(batch, exc, actor, lease)
    except LeaseLost:
        raise  # another run has the batch now; this one stored nothing and changes nothing
    except (OperationalError, InterfaceError):
        raise  # the database went away: the lease expires and the batch is taken over
    except Exception as exc:
        if batch is not None and not dry_run:
            Batch.objects.filter(lease.held()).update(
                status=BatchStatus.FAILED, error_code="internal_error", error=type(exc).__name__,
                finished_at=timezone.now(), lease_expires_at=None,
            )
        raise
    finally:
        lease.close()
    if not dry_run and result.status == BatchStatus.DONE and result.accepted > result.corrected:
        _notify_subjects(batch, item, organization)
    return result


def _notify_subjects(batch, item, organization) -> None:
    """After the batch has committed: subjects with a portal account that got new records hear of it (Art 29).
    The batch stands whatever happens here, so a failure is logged, not raised."""
    try:
        batch_new_information_notify(batch=batch, item=item, provider=organization)
    except Exception:
        logger.exception("notices of new information for batch %s failed", batch.pk)


def _chunks(iterator: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(iterator, size)):
        yield chunk


class _BatchRun:
    def __init__(self, batch, source: Source, organization, item, actor, on_rejected, progress, keep_details):
        self.batch = batch
        self.source = source
        self.provider = organization
        self.item = item
        self.actor = actor if getattr(actor, "pk", None) else None
        self.on_rejected = on_rejected
        self.progress = progress
        self.keep_details = keep_details
        self.schema = ItemSchema(item)
        missing_roles = self.schema.problems()
        if missing_roles:
            raise SubmissionRefused("item_not_submittable", bilingual(
                f"目录事项“{item.name}”缺少{'、'.join(missing_roles)}字段，暂不能接收报送",
                f"catalog item {item.code} lacks {', '.join(missing_roles)} fields"))
        self.divisions = chengde_divisions()
        self.today = timezone.localdate()
        self.validator = RowValidator(self.schema, provider_uscc=organization.uscc, today=self.today,
                                      divisions=set(self.divisions))
        self.windows = PublicationWindows(item)
        self.storage = storage_for_connection()
        if connection.vendor == "postgresql":
            # Foreign keys are checked as the COPY runs (in the worker, overlapping validation) instead of
            # all at once at commit; for this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.now = timezone.now()
        self.now_text = canonical_time(self.now)
        self.key_id, self.key = integrity_key()
        self.seen_new: set[str] = set()
        self.seen_corrections: set[str] = set()
        self.index_cache: dict[tuple[str, str], str] = {}
        self.subjects: dict[tuple[str, str], tuple[int, str]] = {}  # (type, index) → (id, registry name)
        self.result = BatchResult(batch=batch.pk, status=BatchStatus.PROCESSING)
        self.plan: list[tuple[int, str]] = []
        self.dict_plan: dict[str, str] = {}
        self.headers: list[str] = []
        self.corrections_present = False

    # headers ---------------------------------------------------------------------------------------------
    def map_header(self, header: str) -> str | None:
        """The field code (or convention column) a header names, None for an ignored column; refuses the
        submission for prohibited, server-owned and unknown columns (Art 18, 19; security req. 9)."""
        key = header_key(header)
        if not key or key in IGNORED_HEADERS:
            return None
        kind = prohibited_kind(header)
        if kind:
            raise SubmissionRefused("prohibited_field", bilingual(
                f"列“{header}”属于禁止采集的个人信息（第十九条：宗教信仰、基因、指纹、血型、疾病、病史等），整个文件不予接收",
                f"column '{header}' is prohibited personal data ({kind}, Art 19); the whole file is refused"),
                field=header)
        if key in SERVER_OWNED:
            raise SubmissionRefused("server_owned_field", bilingual(
                f"列“{header}”由平台确定，不能在报送中设置，整个文件不予接收",
                f"column '{header}' is set by the platform; the whole file is refused"), field=header)
        for code, names in CONVENTION_HEADERS.items():
            if key in {header_key(n) for n in names}:
                return code
        found = field_for_header(self.item, header, self.schema.fields)
        if found is None:
            raise SubmissionRefused("unknown_column", bilingual(
                f"列“{header}”不是目录事项“{self.item.name}”的字段，整个文件不予接收（请删除该列或改用目录中的字段名称）",
                f"column '{header}' is not a field of catalog item {self.item.code}; the whole file is refused"),
                field=header)
        return found.code

    def map_headers(self, headers: list[str]) -> None:
        self.headers = [str(h) for h in headers]
        seen: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            code = self.map_header(header)
            if code is None:
                continue
            if code in seen:
                raise SubmissionRefused("duplicate_column", bilingual(
                    f"列“{header}”与列“{seen[code]}”指向同一字段", f"columns '{header}' and '{seen[code]}' name the same field"),
                    field=header)
            seen[code] = header
            self.plan.append((index, code))
            self.dict_plan[header] = code
        present = set(seen)
        missing = [s for s in self.schema.specs.values() if s.required and s.code not in present]
        if missing:
            names = "、".join(f"{s.name}（{s.code}）" for s in missing)
            raise SubmissionRefused("missing_required_column", bilingual(
                f"缺少必填列：{names}", f"required columns missing: {', '.join(s.code for s in missing)}"),
                field=missing[0].code)

    def values_of(self, row) -> dict:
        if isinstance(row, dict):
            out = {}
            for key, value in row.items():
                code = self.dict_plan.get(key)
                if code is None and key not in self.dict_plan:
                    code = self.map_header(str(key))
                    self.dict_plan[key] = code
                    self.headers.append(str(key))
                if code is not None:
                    out[code] = value if isinstance(value, str | int | float | dt.date) or value is None else str(value)
            return out
        n = len(row)
        return {code: row[i] for i, code in self.plan if i < n}

    # the run ---------------------------------------------------------------------------------------------
    def execute(self) -> BatchResult:
        try:
            return self._execute()
        except BaseException:
            # Never leave the transaction while a COPY is still writing; the first error is the one to report.
            with contextlib.suppress(BaseException):
                self.storage.wait()
            raise

    def _execute(self) -> BatchResult:
        self.map_headers(self.source.headers)
        rows = self.source.rows
        processed = 0
        row_number = 1  # the header is row 1
        for chunk in _chunks(rows, CHUNK_ROWS):
            numbered = []
            for raw in chunk:
                row_number += 1
                if not raw or (isinstance(raw, list) and all(c in ("", None) for c in raw)):
                    continue  # empty lines are not rows
                numbered.append((row_number, raw))
            self.process_chunk(numbered)
            processed += len(numbered)
            self.progress.update(processed)
        self.storage.wait()
        return self.finish(processed)

    def process_chunk(self, numbered: list[tuple[int, object]]) -> None:
        result = self.result
        result.received += len(numbered)
        rejected: dict[int, tuple[object, list[RowError]]] = {}
        new_rows: list[ValidRow] = []
        corrections: list[ValidRow] = []
        validate_row = self.validator.validate
        values_of = self.values_of
        for number, raw in numbered:
            outcome = validate_row(values_of(raw), number)
            if isinstance(outcome, list):
                rejected[number] = (raw, outcome)
                continue
            doc = outcome.document_number
            if outcome.op == OP_CORRECT:
                if doc in self.seen_new:
                    rejected[number] = (raw, [RowError(number, self.validator.r_document, "correction_in_same_file",
                                                       "修正的记录在同一文件中新增，请分两次报送",
                                                       "the record corrected is added in the same file")])
                    continue
                self.corrections_present = True
                corrections.append(outcome)
            else:
                if doc in self.seen_new:
                    result.duplicates += 1
                    continue
                self.seen_new.add(doc)
                new_rows.append(outcome)
        self.storage.wait()  # the previous chunk's COPY ran while this chunk was read and validated
        existing = self.existing_records([r.document_number for r in new_rows] +
                                         [r.document_number for r in corrections])
        fresh = []
        for row in new_rows:
            if row.document_number in existing:
                result.duplicates += 1
            else:
                fresh.append(row)
        to_correct = []
        for row in corrections:
            if row.document_number not in existing:
                rejected[row.row] = (self._raw_for(numbered, row.row), [RowError(
                    row.row, self.validator.r_document, "correction_target_missing",
                    "要修正的记录不存在（本单位、本目录事项下没有该文书号的记录）",
                    "no stored record with this document number to correct")])
            else:
                to_correct.append((row, existing[row.document_number]))
        linked = self.link_subjects(fresh + [row for row, _id in to_correct])
        self.store_new(fresh, linked)
        self.store_corrections(to_correct, linked, rejected, numbered)
        self.store_rejections(rejected)
        self.resolve_earlier_rejections([r.document_number for r in fresh] +
                                        [r.document_number for r, _id in to_correct if r.row not in rejected])

    @staticmethod
    def _raw_for(numbered, number):
        for n, raw in numbered:
            if n == number:
                return raw
        return {}

    # duplicates ------------------------------------------------------------------------------------------
    def existing_records(self, documents: list[str]) -> dict[str, int]:
        if not documents:
            return {}
        found: dict[str, int] = {}
        unique = list(dict.fromkeys(documents))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT document_number, id FROM {CreditRecord._meta.db_table} WHERE provider_id = %s "  # noqa: S608
                    "AND item_code = %s AND document_number = ANY(%s)",
                    [self.provider.pk, self.item.code, unique],
                )
                found.update(cursor.fetchall())
            return found
        for start in range(0, len(unique), 900):
            found.update(CreditRecord.objects.filter(
                provider=self.provider, item_code=self.item.code, document_number__in=unique[start:start + 900]
            ).values_list("document_number", "id"))
        return found

    # subjects --------------------------------------------------------------------------------------------
    def _index(self, identifier_type: str, identifier: str) -> str:
        key = (identifier_type, identifier)
        index = self.index_cache.get(key)
        if index is None:
            index = blind_index(identifier_type, identifier)
            self.index_cache[key] = index
        return index

    def link_subjects(self, rows: list[ValidRow]) -> dict[tuple[str, str], tuple[int, str]]:
        """Find each row's subject by blind index (one query per chunk), create the missing ones in bulk."""
        wanted: dict[tuple[str, str], ValidRow] = {}
        for row in rows:
            key = (row.identifier_type, self._index(row.identifier_type, row.identifier))
            if key not in self.subjects and key not in wanted:
                wanted[key] = row
        if wanted:
            self._lookup(wanted)
            missing = {k: r for k, r in wanted.items() if k not in self.subjects}
            if missing:
                self._create_subjects(missing)
        return self.subjects

    def _lookup(self, wanted) -> None:
        indexes = list({index for _type, index in wanted})
        for start in range(0, len(indexes), 900):
            for pk, identifier_type, index, name in Subject.objects.filter(
                identifier_index__in=indexes[start:start + 900]
            ).values_list("id", "identifier_type", "identifier_index", "name"):
                self.subjects[(identifier_type, index)] = (pk, name)

    def _create_subjects(self, missing: dict[tuple[str, str], ValidRow]) -> None:
        subjects = []
        for (identifier_type, index), row in missing.items():
            subject = Subject(
                kind=row.kind, identifier_type=identifier_type, identifier=row.identifier,
                identifier_masked=mask_identifier(identifier_type, row.identifier),
                name=" ".join(row.name.split()) or mask_identifier(identifier_type, row.identifier),
                division_id=self.divisions.get(row.division_code) if row.division_code else None,
            )
            subject.identifier_index = index
            subjects.append(subject)
        try:
            with transaction.atomic():
                Subject.objects.bulk_create(subjects, batch_size=2000)
        except Exception:
            # Another batch created some of them meanwhile: take theirs, create the rest.
            self._lookup(missing)
            subjects = [s for s in subjects if (s.identifier_type, s.identifier_index) not in self.subjects]
            Subject.objects.bulk_create(subjects, batch_size=2000)
        if subjects and subjects[0].pk is None:  # a backend without RETURNING: read the ids back
            self._lookup({(s.identifier_type, s.identifier_index): None for s in subjects})
        else:
            for s in subjects:
                self.subjects[(s.identifier_type, s.identifier_index)] = (s.pk, s.name)
        source = f"submission batch {self.batch.pk}"
        SubjectName.objects.bulk_create(
            [SubjectName(subject_id=self.subjects[(s.identifier_type, s.identifier_index)][0], name=s.name,
                         valid_from=self.today, source=source) for s in subjects],
            batch_size=5000,
        )
        self.result.subjects_created += len(subjects)

    # storage ---------------------------------------------------------------------------------------------
    def store_new(self, rows: list[ValidRow], linked) -> None:
        if not rows:
            return
        ids = self.storage.reserve_record_ids(len(rows))
        records, revisions = [], []
        item, provider_id, batch_id = self.item, self.provider.pk, self.batch.pk
        item_id, item_code, disclosure = item.pk, item.code, item.disclosure_class
        now, now_text, key, key_id = self.now, self.now_text, self.key, self.key_id
        active, submission = RecordStatus.ACTIVE.value, RevisionSource.SUBMISSION.value
        window = self.windows.window
        index_of = self._index
        provider_hmac = get_provider().hmac_sm3
        actor_id = self.actor.pk if self.actor else None
        mismatches = 0
        keep = self.keep_details
        for record_id, row in zip(ids, rows, strict=True):
            subject_id, registry_name = linked[(row.identifier_type, index_of(row.identifier_type, row.identifier))]
            mismatch = names_differ(row.name, registry_name)
            mismatches += mismatch
            start, end = window(row.decision_date)
            records.append((record_id, subject_id, item_id, item_code, provider_id, row.document_number,
                            row.decision_date, disclosure, start, end, active, False, False, mismatch, batch_id, 1,
                            now))
            data_json = canonical_data(row.data)
            message = revision_message(
                RecordHead(record_id, provider_id, item_code, row.document_number), number=1,
                subject_id=subject_id, item_id=item_id, disclosure_class=disclosure, status=active,
                decision_date=row.decision_date, publication_start=start, publication_end=end,
                data_json=data_json, source=submission, reason="", actor_id=actor_id, created_at=now_text,
            )
            revisions.append((record_id, 1, subject_id, item_id, disclosure, active, row.decision_date, start, end,
                              data_json, "", submission, actor_id, now, provider_hmac(key, message).hex(), key_id))
            if keep:
                self.result.record_ids.append(record_id)
        self.storage.store(records, revisions)
        self.result.accepted += len(rows)
        self.result.name_mismatches += mismatches

    def store_corrections(self, pairs, linked, rejected, numbered) -> None:
        """File corrections (Art 30): a new revision per corrected record, the history kept; an unchanged
        correction (a resubmitted correction file) counts as a duplicate."""
        if not pairs:
            return
        records = {r.pk: r for r in CreditRecord.objects.select_for_update().filter(pk__in=[pk for _r, pk in pairs])}
        revisions: dict[int, list[RecordRevision]] = {}
        for rev in RecordRevision.objects.filter(record_id__in=list(records)).order_by("record_id", "number"):
            revisions.setdefault(rev.record_id, []).append(rev)
        new_revisions, changed = [], []
        for row, pk in pairs:
            record = records[pk]
            check = record_revision_verify(record, revisions.get(pk, []))
            problem = None
            if not check.ok:
                problem = ("integrity_failed", "该记录未通过完整性校验，不能修正，已通知平台", "the record failed its integrity check")
            elif record.status != RecordStatus.ACTIVE:
                problem = ("record_not_active", "该记录已撤回或归档，不能修正", "the record is not active")
            elif linked[(row.identifier_type, self._index(row.identifier_type, row.identifier))][0] != record.subject_id:
                problem = ("subject_change_not_allowed", "修正不能改变信用主体，请撤回后重新报送",
                           "a correction cannot move the record to another subject")
            if problem:
                rejected[row.row] = (self._raw_for(numbered, row.row),
                                     [RowError(row.row, self.validator.r_document, *problem)])
                continue
            current = check.current
            if row.data == current.data or row.document_number in self.seen_corrections:
                self.result.duplicates += 1
                continue
            self.seen_corrections.add(row.document_number)
            record.decision_date = row.decision_date
            record.publication_start, record.publication_end = self.windows.window(row.decision_date)
            record.name_mismatch = names_differ(row.name, linked[(row.identifier_type, self._index(
                row.identifier_type, row.identifier))][1])
            record.revision = current.number + 1
            new_revisions.append(revision_build(
                record, number=record.revision, data=row.data, status=record.status,
                source=RevisionSource.CORRECTION, reason=row.reason, actor=self.actor, created_at=self.now,
            ))
            changed.append(record)
        CreditRecord.objects.bulk_update(
            changed, ["decision_date", "publication_start", "publication_end", "name_mismatch", "revision"],
            batch_size=2000,
        )
        RecordRevision.objects.bulk_create(new_revisions, batch_size=2000)
        self.result.accepted += len(changed)
        self.result.corrected += len(changed)

    def masked_raw(self, raw) -> list[list[str]]:
        """The row's values as [header, value] pairs, ID numbers masked (never stored in plain)."""
        id_code = self.validator.r_id_number
        type_code = self.validator.r_id_type
        if isinstance(raw, dict):
            pairs = [(str(k), v) for k, v in raw.items()]
        else:
            pairs = [(self.headers[i] if i < len(self.headers) else f"#{i + 1}", v) for i, v in enumerate(raw)]
        codes = {h: self.dict_plan.get(h) for h, _v in pairs}
        id_type = ""
        for header, value in pairs:
            if codes.get(header) == type_code and value:
                id_type = str(value)
        out = []
        for header, value in pairs:
            text = "" if value is None else (value.isoformat() if isinstance(value, dt.date) else str(value))
            if codes.get(header) == id_code and text:
                text = _mask_any_id(id_type, text)
            elif len(text) >= 15:
                text = scrub_id_numbers(text)
            out.append([header, text])
        return out

    def document_number_of(self, raw) -> str:
        """The row's document number as validation would normalize it, or "" when it cannot be read."""
        field = self.validator.r_document
        try:
            value = self.values_of(raw).get(field) if field else None
        except (KeyError, IndexError, TypeError, ValueError):
            return ""
        return _text(normalize_cell(value))[:200] if value is not None else ""

    def resolve_earlier_rejections(self, documents: list[str]) -> None:
        """Rows of earlier batches rejected for a document number this batch accepted are resolved (Art 18, 30)."""
        unique = sorted({d for d in documents if d})
        for start in range(0, len(unique), 900):
            self.result.resolved_rejections += RejectedRow.objects.filter(
                batch__provider=self.provider, batch__item__code=self.item.code, resolved=False,
                document_number__in=unique[start:start + 900],
            ).exclude(batch_id=self.batch.pk).update(resolved=True, resolved_by=self.batch.pk)

    def store_rejections(self, rejected: dict[int, tuple[object, list[RowError]]]) -> None:
        if not rejected:
            return
        objects = []
        for number in sorted(rejected):
            raw, errors = rejected[number]
            masked = self.masked_raw(raw)
            document = self.document_number_of(raw)
            for error in errors:
                objects.append(RejectedRow(batch_id=self.batch.pk, row_number=number, field=error.field or "",
                                           code=error.code, message=error.message, message_en=error.message_en,
                                           raw=masked, document_number=document))
            if self.keep_details:
                self.result.errors.extend(errors)
        RejectedRow.objects.bulk_create(objects, batch_size=2000)
        self.result.rejected += len(rejected)
        if self.on_rejected is not None:
            self.on_rejected(objects, list(self.headers))

    # the end ---------------------------------------------------------------------------------------------
    def finish(self, processed: int) -> BatchResult:
        result = self.result
        result.digest = self.source.digest()
        if result.received != result.accepted + result.rejected + result.duplicates:
            raise RuntimeError("row accounting failed: received ≠ accepted + rejected + duplicates")  # never commit
        basis = {"rule_version": rule_version(), "parameters": dict(self.windows.used)}
        articles = ARTICLES + (["Art 30"] if result.corrected else [])
        self.progress.fence()  # only the run holding the lease commits (exactly once, security req. 22)
        event = audit_record(
            AuditEventType.SUBMISSION_ACCEPTED, actor=self.actor, organization=self.provider, target=self.batch,
            target_label=f"{self.item.code} {self.batch.file_name}"[:255], articles=articles,
            details={
                "batch": self.batch.pk, "item": self.item.code, "item_id": self.item.pk,
                "catalog_version": self.item.version_id, "provider": self.provider.uscc,
                "channel": self.batch.channel, "format": self.source.format, "encoding": self.source.encoding,
                "digest": result.digest, "received": result.received, "accepted": result.accepted,
                "rejected": result.rejected, "duplicates": result.duplicates, "corrected": result.corrected,
                "subjects_created": result.subjects_created, "name_mismatches": result.name_mismatches,
                "resolved_rejections": result.resolved_rejections, **basis,
            },
        )
        result.audit_seq = event.seq
        result.receipt_key_id, result.receipt = sign_receipt(self.batch.pk, self.provider.uscc, self.item.code,
                                                             result, event.seq)
        result.status = BatchStatus.DONE
        Batch.objects.filter(pk=self.batch.pk).update(
            status=BatchStatus.DONE, received=result.received, accepted=result.accepted, rejected=result.rejected,
            duplicates=result.duplicates, corrected=result.corrected, subjects_created=result.subjects_created,
            name_mismatches=result.name_mismatches, progress_rows=processed, content_digest=result.digest,
            format=self.source.format, encoding=self.source.encoding, finished_at=timezone.now(),
            rule_version=basis["rule_version"], audit_seq=event.seq, receipt_signature=result.receipt,
            receipt_key_id=result.receipt_key_id, lease_expires_at=None,
        )
        return result


def _mask_any_id(id_type: str, value: str) -> str:
    try:
        kind = IdentifierType.parse(header_key(id_type)) if id_type else IdentifierType.CITIZEN_ID
    except ValueError:
        kind = IdentifierType.CITIZEN_ID
    if kind is IdentifierType.USCC:
        kind = IdentifierType.CITIZEN_ID
    return mask_identifier(kind, value)


# --- receipts (security req. 17) ---------------------------------------------------------------------------


def receipt_message(batch_id: int, provider_uscc: str, item_code: str, counts: dict, digest: str, seq: int) -> bytes:
    return json.dumps(
        [RECEIPT_FORMAT, batch_id, provider_uscc, item_code, counts["received"], counts["accepted"],
         counts["rejected"], counts["duplicates"], digest, seq],
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


def sign_receipt(batch_id: int, provider_uscc: str, item_code: str, result: BatchResult, seq: int) -> tuple[str, str]:
    key = load_keyring().active("signing")
    counts = {"received": result.received, "accepted": result.accepted, "rejected": result.rejected,
              "duplicates": result.duplicates}
    message = receipt_message(batch_id, provider_uscc, item_code, counts, result.digest, seq)
    return key.id, get_provider().sm2_sign(key.material, message).hex()


def batch_receipt_verify(batch: Batch) -> bool:
    """The receipt's SM2 signature verifies and the audit event at its sequence number is this batch's."""
    from xinyong.audit.models import AuditEvent

    if batch.audit_seq is None or not batch.receipt_signature:
        return False
    entry = load_keyring().get("signing", batch.receipt_key_id)
    if entry is None or entry.public is None:
        return False
    counts = {"received": batch.received, "accepted": batch.accepted, "rejected": batch.rejected,
              "duplicates": batch.duplicates}
    message = receipt_message(batch.pk, batch.provider.uscc, batch.item_code, counts, batch.content_digest,
                              batch.audit_seq)
    try:
        signature = bytes.fromhex(batch.receipt_signature)
    except ValueError:
        return False
    if not get_provider().sm2_verify(entry.public, message, signature):
        return False
    event = AuditEvent.objects.filter(seq=batch.audit_seq).first()
    return (
        event is not None and event.target_type == "ingestion.batch" and event.target_id == str(batch.pk)
        and event.details.get("digest") == batch.content_digest
    )


def batch_rejections(batch: Batch) -> Iterable[RejectedRow]:
    return batch.rejections.order_by("row_number", "id").iterator(chunk_size=2000)


__all__ = [
    "BatchResult", "batch_process", "batch_receipt_verify", "batch_receive", "batch_rejections", "ingest_file",
    "ingest_records", "validate",
]
