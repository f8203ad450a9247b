"""`xinyong report`: issue a credit report at the credit authority's window, or revoke one (Art 21, 29).

    xinyong report --subject CODE --kind org|person [--id-type id] --variant full|public|no-violation \\
                   --out FILE.pdf [--purpose TEXT] [--domains D ...] [--from DATE --to DATE]
    xinyong report --revoke NUMBER --reason TEXT

The command serves the window (查询窗口, Art 21): the operator issues a report to a subject present in
person whose identity the window has checked. The kind is always given (`--kind`), never guessed from the
code: an organization by its USCC, a person by an ID document (`--id-type`, citizen ID by default). Full
and no-violation reports are read in mode "self" on the subject's behalf with channel "window" and the
purpose "window service" (logged in the query log and audited like every report); public reports in mode
"public" (organizations only).

Prints one JSON line. Exit 0 when the report was written, 2 for invalid input, 3 when the subject was not
found or the read was refused (the same answer for both, as everywhere).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.disclosure.access import WINDOW_CHANNEL
from xinyong.reports.choices import ReportKind, ReportVariant
from xinyong.reports.models import Report
from xinyong.reports.services import report_issue, report_number_normalize, report_revoke
from xinyong.subjects.selectors import subject_find_by_identifier

VARIANTS = {"full": ReportVariant.FULL, "public": ReportVariant.PUBLIC, "no-violation": ReportVariant.NO_VIOLATION}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}", returncode=2) from None


class Command(BaseCommand):
    help = "Issue a credit report to a subject at the window (or revoke one with --revoke)."

    def add_arguments(self, parser):
        parser.add_argument("--subject", help="the USCC (--kind org) or ID document number (--kind person)")
        parser.add_argument("--kind", choices=[k.value for k in ReportKind], help="org or person: never guessed")
        parser.add_argument("--id-type", default=IdentifierType.CITIZEN_ID.value,
                            help="a person's ID document type (default: id, the resident identity card)")
        parser.add_argument("--variant", choices=list(VARIANTS), help="full, public or no-violation")
        parser.add_argument("--out", help="the PDF file to write")
        parser.add_argument("--purpose", default="", help="the purpose stated by the subject (optional)")
        parser.add_argument("--domains", nargs="+", default=[],
                            help="no-violation: provider:USCC, category:CODE or item:CODE (or a name)")
        parser.add_argument("--from", dest="period_from", help="no-violation: first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="period_to", help="no-violation: last day (YYYY-MM-DD), default today")
        parser.add_argument("--revoke", metavar="NUMBER", help="revoke the report with this number")
        parser.add_argument("--reason", default="", help="why the report is revoked")

    def handle(self, *args, **options):
        if options["revoke"]:
            return self._revoke(options["revoke"], options["reason"])
        missing = [f"--{name.replace('_', '-')}" for name in ("subject", "kind", "variant", "out") if not options[name]]
        if missing:
            raise CommandError(f"missing {', '.join(missing)}", returncode=2)
        subject = self._subject(options["subject"], options["kind"], options["id_type"])
        period = None
        if options["period_from"] or options["period_to"]:
            period = (
                _date(options["period_from"]) if options["period_from"] else None,
                _date(options["period_to"]) if options["period_to"] else None,
            )
        try:
            report = report_issue(
                subject=subject, variant=VARIANTS[options["variant"]], requester=None, purpose=options["purpose"],
                domains=options["domains"], period=period, channel=WINDOW_CHANNEL,
            )
        except NotFoundOrForbidden:
            self._line({"report": None, "error": {"code": "not_found", "message": "subject not found"}})
            raise CommandError("subject not found", returncode=3) from None
        except ServiceError as exc:
            self._line({"report": None, "error": {"code": exc.code, "field": exc.field, "message": str(exc.message)}})
            raise CommandError(str(exc.message), returncode=2) from None
        out = Path(options["out"])
        out.write_bytes(bytes(report.pdf))
        self._line({
            "report": report.number, "variant": report.variant, "out": str(out), "bytes": len(report.pdf),
            "issued_at": report.issued_at.isoformat(), "valid_until": report.valid_until.isoformat(),
            "content_digest": report.content_digest, "key": report.signature_key_id,
        })

    def _subject(self, code: str, kind: str, id_type: str):
        try:
            identifier_type = IdentifierType.USCC if kind == ReportKind.ORGANIZATION else IdentifierType.parse(id_type)
        except ValueError:
            raise CommandError(f"unknown ID document type {id_type!r}", returncode=2) from None
        if kind == ReportKind.PERSON and identifier_type == IdentifierType.USCC:
            raise CommandError("a person is identified by an ID document, not a USCC", returncode=2)
        result = validate(identifier_type, code)
        if not (result.ok or result.legacy):
            raise CommandError(f"not a valid {identifier_type.value}: {result.error.code}", returncode=2)
        subject = subject_find_by_identifier(identifier_type.value, result.value)
        # The kind was said, not guessed: an organization's code must not reach a person, nor the reverse.
        if subject is None or subject.is_person != (kind == ReportKind.PERSON):
            self._line({"report": None, "error": {"code": "not_found", "message": "subject not found"}})
            raise CommandError("subject not found", returncode=3)
        return subject

    def _revoke(self, number: str, reason: str):
        normalized = report_number_normalize(number)
        report = Report.objects.filter(number=normalized).first() if normalized else None
        if report is None:
            raise CommandError("no report with this number", returncode=3)
        try:
            report = report_revoke(report=report, reason=reason)
        except ServiceError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        self._line({"report": report.number, "revoked": True, "revoked_at": report.revoked_at.isoformat()})

    def _line(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))
