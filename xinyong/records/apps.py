from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Credit records and their revisions, publication windows and status flags (Art 18, 28–31)."""

    name = "xinyong.records"
    label = "records"
