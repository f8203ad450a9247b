from django.apps import AppConfig


class RegulationConfig(AppConfig):
    """The regulation as data: articles and dated, referenced parameters (OpenFisca habit)."""

    name = "xinyong.regulation"
    label = "regulation"
