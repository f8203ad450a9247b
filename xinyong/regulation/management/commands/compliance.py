"""`xinyong compliance [--format text|json] [--strict]`: for each article, the services and tests declaring it.

Exit status: 0 when the report is written (missing articles included); 1 with `--strict` while an article
is missing; 2 when a declaration is invalid (the errors are listed, no report is written).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinyong.regulation.compliance import MISSING, NO_DUTY, STATUS_LABELS, compliance_report

EXIT_MISSING = 1
EXIT_INVALID = 2


class Command(BaseCommand):
    help = (
        "For every article of the regulation: the service modules that declare it (IMPLEMENTS), the tests "
        "marked for it (pytest.mark.articles), or the reason it places no duty on the software. An article "
        "without both a service and a test is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=("text", "json"), default="text", help="text (default) or json"
        )
        parser.add_argument(
            "--strict", action="store_true", help=f"exit {EXIT_MISSING} while any article is missing"
        )
        parser.add_argument(
            "--root",
            type=Path,
            default=None,
            help="the source tree to read (holding xinyong/ and tests/); by default the project's",
        )

    def handle(self, *args, **options):
        root = options["root"] or Path(settings.BASE_DIR)
        report = compliance_report(root)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(report.errors)} invalid article declaration(s); no report written",
                returncode=EXIT_INVALID,
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        else:
            self.write_text(report)
        if options["strict"] and any(row.status == MISSING for row in report.articles):
            raise CommandError(
                "some articles are missing (no declared service or no marked test)", returncode=EXIT_MISSING
            )

    def write_text(self, report):
        for row in report.articles:
            head = f"Art {row.number}\t第{row.chapter}章 {row.chapter_title}\t{STATUS_LABELS[row.status]}"
            if row.status == NO_DUTY:
                head += f": {row.no_duty_reason}"
            elif row.status == MISSING:
                head += f": no {' and no '.join(row.lacking)}"
            self.stdout.write(head)
            for service in row.services:
                self.stdout.write(f"    service  {service.label()}")
            for test in row.tests:
                self.stdout.write(f"    test     {test.label()}")
        self.stdout.write(report.summary())
