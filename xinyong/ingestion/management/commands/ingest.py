"""`xinyong ingest FILE --item CODE --provider USCC`: submit a file as one batch (Art 18–20, 30).

Prints exactly one JSON line: {"batch", "received", "accepted", "rejected", "duplicates", "receipt", …}.
Exit 0 when the file was processed (whatever was rejected; see the report), 2 when it was refused as a
whole (prohibited, unknown or missing column, unreadable file), 3 for an unknown item or provider.

`xinyong ingest resume [--batch N]`: take over the batches a crash left behind (security req. 22) — those
processing under an expired lease and those received but never started — and run them now, in this process,
one JSON line each: {"batch", "action": taken_over / processed / closed / skipped, "reason", counts …}.
`--batch N` runs that batch only, and also restarts it when it was closed as failed (after the cause is
fixed). Exit 0. (A file literally named "resume" is submitted as ./resume.)
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import ServiceError
from xinyong.ingestion.choices import BatchStatus, Channel
from xinyong.ingestion.leases import process_owner
from xinyong.ingestion.pipeline import ingest_file, item_current
from xinyong.ingestion.report import ReportWriter, field_names


class Command(BaseCommand):
    help = "Submit a CSV, XLSX or JSON Lines file of one catalog item for one provider department."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to submit, or `resume` to take over interrupted batches")
        parser.add_argument("--item", help="catalog item code, e.g. admin-penalty (required with a file)")
        parser.add_argument("--provider", help="the provider department's USCC (required with a file)")
        parser.add_argument("--batch", type=int, help="with `resume`: only this batch (also a failed one)")
        parser.add_argument("--format", choices=["csv", "xlsx", "jsonl"], help="default: from the file")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; store nothing")
        parser.add_argument("--report", help="rejection report path (default: next to the file)")

    def handle(self, *args, **options):
        if options["file"] == "resume":
            return self._resume(options["batch"])
        if not options["item"] or not options["provider"]:
            raise CommandError("--item and --provider are required with a file", returncode=3)
        path = Path(options["file"])
        report_path = Path(options["report"]) if options["report"] else path.with_name(f"{path.stem}.rejections.csv")
        try:
            item = item_current(options["item"])
        except ServiceError as exc:
            self._line({"batch": None, "error": {"code": "unknown_item", "message": str(exc.message)}})
            raise CommandError(f"unknown catalog item {options['item']!r}", returncode=3) from None
        writer = None

        def on_rejected(rows, headers):
            nonlocal writer
            if writer is None:
                writer = ReportWriter(report_path, field_names(item))
            writer.write(rows, headers)

        try:
            result = ingest_file(
                path_or_stream=path, item_code=options["item"], provider=options["provider"],
                fmt=options["format"], channel=Channel.COMMAND, dry_run=options["dry_run"], on_rejected=on_rejected,
            )
        except ServiceError as exc:
            self._close(writer, keep=False)
            self._line({"batch": None, "error": {"code": exc.code, "message": str(exc.message)}})
            raise CommandError(str(exc.message), returncode=3) from None
        except BaseException:
            self._close(writer, keep=False)
            raise
        line = result.as_line()
        if result.status != BatchStatus.DONE:
            self._close(writer, keep=False)
            self._line(line)
            raise CommandError(f"refused: {result.error_code} {result.field or ''}".strip(), returncode=2)
        if writer is not None:
            self._close(writer, keep=True)
            line["report"] = str(report_path)
        self._line(line)

    def _resume(self, batch_id: int | None) -> None:
        from xinyong.ingestion.recovery import batches_take_over

        outcomes = batches_take_over(owner=process_owner("resume"), batch_id=batch_id,
                                     retry_failed=batch_id is not None)
        for outcome in outcomes:
            self._line(outcome.as_line())

    def _close(self, writer, *, keep: bool) -> None:
        if writer is None:
            return
        writer.close()
        if not keep:
            writer.path.unlink(missing_ok=True)

    def _line(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))
