import logging

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Credit reports: issued through the query service, signed with SM2, verifiable by anyone (Art 21, 29)."""

    name = "xinyong.reports"
    label = "reports"
    verbose_name = "credit reports"

    def ready(self) -> None:
        # WeasyPrint logs each layout step of every PDF at INFO: seven lines per report in the platform's log
        # and a measurable share of the render time. Its warnings (missing fonts, bad CSS) still show.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
