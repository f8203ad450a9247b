from django.apps import AppConfig


class IngestionConfig(AppConfig):
    """Submissions from provider departments: parsing, validation, linking, bulk load, quality (Art 18–20, 30)."""

    name = "xinyong.ingestion"
    label = "ingestion"
