"""`xinyong revisions check|export|restore`: find damaged credit-record revisions and restore one from the audit
log or a backup, as a new signed revision (security req. 18; Art 32, 33; docs/operations/recovery.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyong.audit.log import event_authenticated
from xinyong.core.crypto import get_provider
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.records.integrity import RecordHead, revision_hmac_ok, revision_snapshot
from xinyong.records.models import CreditRecord, RecordRevision
from xinyong.records.selectors import damaged_records, revision_snapshot_events
from xinyong.records.services import record_revision_restore


class Command(BaseCommand):
    help = "Find damaged credit-record revisions, export an intact one from a backup, restore a damaged one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="list the records whose revisions fail their integrity check, with "
                                             "the audit events that keep a copy (exit 3 when any)")
        check.add_argument("record_ids", nargs="*", type=int, metavar="RECORD_ID")
        export = sub.add_parser("export", help="write an intact revision as JSON (run it on a restored backup)")
        export.add_argument("record_id", type=int)
        export.add_argument("number", type=int)
        export.add_argument("--out", type=Path, metavar="FILE")
        restore = sub.add_parser("restore", help="restore a damaged revision from an authentic copy, as a new "
                                                 "signed revision (audited)")
        restore.add_argument("record_id", type=int)
        restore.add_argument("number", type=int)
        source = restore.add_mutually_exclusive_group(required=True)
        source.add_argument("--from-audit", type=int, metavar="SEQ",
                            help="the audit event that keeps the revision's snapshot")
        source.add_argument("--from-file", type=Path, metavar="FILE",
                            help="the revision as `xinyong revisions export` wrote it from a backup")
        restore.add_argument("--reason", required=True, help="why, for the audit record (e.g. the incident number)")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "check":
            self._check(options["record_ids"] or None)
        elif action == "export":
            self._export(options["record_id"], options["number"], options["out"])
        else:
            self._restore(options)

    def _check(self, record_ids) -> None:
        found = 0
        for record, result in damaged_records(record_ids):
            found += 1
            self.stdout.write(f"record {record.pk} ({record.item_code} {record.document_number}): "
                              + "; ".join(result.problems))
            for number in result.damaged:
                if number in result.restored:
                    continue
                revision = RecordRevision.objects.get(record=record, number=number)
                seqs = revision_snapshot_events(revision)
                where = f"audit events {', '.join(map(str, seqs))}" if seqs else "no audit event: use a backup"
                self.stdout.write(f"  revision {number}: a copy is kept in {where}")
        if found:
            raise CommandError(f"{found} record(s) fail their integrity check", returncode=3)
        self.stdout.write("ok: every revision passes its integrity check")

    def _export(self, record_id: int, number: int, out: Path | None) -> None:
        revision = RecordRevision.objects.select_related("record").filter(record_id=record_id, number=number).first()
        if revision is None:
            raise CommandError(f"record {record_id} has no revision {number}")
        record = revision.record
        head = RecordHead(record.pk, record.provider_id, record.item_code, record.document_number)
        if not revision_hmac_ok(head, revision):
            raise CommandError(f"revision {number} of record {record_id} fails its integrity check here too; "
                               "use an older backup", returncode=3)
        text = json.dumps(revision_snapshot(head, revision), ensure_ascii=False, sort_keys=True)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)

    def _restore(self, options) -> None:
        record_id, number = options["record_id"], options["number"]
        if options["from_audit"] is not None:
            seq = options["from_audit"]
            event = event_authenticated(seq)
            if event is None:
                raise CommandError(f"audit event {seq} does not verify (missing, altered or not chained); "
                                   "it cannot vouch for a copy", returncode=3)
            snapshots = [c["after"] for c in event.changes if c["object_type"] == "records.recordrevision"
                         and isinstance(c["after"], dict) and c["after"].get("record") == record_id
                         and c["after"].get("number") == number]
            if not snapshots:
                raise CommandError(f"audit event {seq} keeps no copy of revision {number} of record {record_id}")
            snapshot, origin = snapshots[0], {"audit_event": seq}
        else:
            path = options["from_file"]
            try:
                raw = path.read_bytes()
                snapshot = json.loads(raw)
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read {path}: {exc}", returncode=2) from None
            if not isinstance(snapshot, dict):
                raise CommandError(f"{path} is not a revision exported by `xinyong revisions export`", returncode=2)
            origin = {"backup_file": path.name, "sm3": get_provider().sm3(raw).hex()}
        try:
            revision = record_revision_restore(record_id=record_id, number=number, snapshot=snapshot, origin=origin,
                                               reason=options["reason"])
        except NotFoundOrForbidden:
            raise CommandError(f"no record {record_id}") from None
        except ServiceError as exc:
            raise CommandError(str(exc.message), returncode=3) from None
        record = CreditRecord.objects.get(pk=record_id)
        self.stdout.write(f"restored revision {number} of record {record_id} as revision {revision.number}; "
                          f"the record is served again (revision {record.revision})")
