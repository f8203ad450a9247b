from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    """Credit subjects and their related persons (Art 3, 19, 20, 24, 29)."""

    name = "xinyong.subjects"
    label = "subjects"
