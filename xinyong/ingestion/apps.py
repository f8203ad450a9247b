from django.apps import AppConfig


class IngestionConfig(AppConfig):
    """Submissions from provider departments: parsing, validation, linking, bulk load, quality (Art 18–20, 30)."""

    name = "xinyong.ingestion"
    label = "ingestion"

    def ready(self):
        from xinyong.exports.kinds import ExportKind, register
        from xinyong.ingestion import views
        from xinyong.ingestion.quality import quality_scope

        register(ExportKind(
            code=views.QUALITY_EXPORT_KIND, label=views.QUALITY_EXPORT_LABEL, allowed=lambda user: quality_scope(user) is not None,
            describe=views.quality_export_describe, produce=views.quality_export_produce,
            articles=["Art 17", "Art 18", "Art 33"], page_url_name="ingestion:quality",
        ))
