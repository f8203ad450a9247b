from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log and change log (Art 15, 32, 33)."""

    name = "xinyong.audit"
    label = "audit"
