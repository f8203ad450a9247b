"""`xinyong compliance [--strict]`: for each article, the code that cites it and the tests that cite it."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinyong.regulation.compliance import compliance_report
from xinyong.regulation.selectors import article_list


class Command(BaseCommand):
    help = (
        "List every article of the regulation with the files under xinyong/ and tests/ that cite it, "
        "articles with no software duty and their reason, and the missing ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--strict", action="store_true", help="exit non-zero if any article is missing")

    def handle(self, *args, **options):
        articles = list(article_list())
        if not articles:
            raise CommandError("the articles are not loaded: run `xinyong migrate` first")
        report = compliance_report(settings.BASE_DIR, articles)
        for row in report.articles:
            head = f"Art {row.number}\t第{row.chapter}章 {row.chapter_title}\t{row.status}"
            if row.no_duty_reason:
                head += f": {row.no_duty_reason}"
            self.stdout.write(head)
            self.stdout.write(f"    code: {', '.join(row.code) or '-'}")
            self.stdout.write(f"    tests: {', '.join(row.tests) or '-'}")
        summary = report.summary()
        self.stdout.write(summary)
        if options["strict"] and any(row.status == "missing" for row in report.articles):
            raise CommandError("some articles are neither implemented nor marked as without software duty")
