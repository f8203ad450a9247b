from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks without domain models: identifiers, masking, crypto, request context."""

    name = "xinyong.core"
    label = "core"
