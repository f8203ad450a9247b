from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Bulk exports under a second approver of the same organization (Art 15, 17, 32; security requirement 26)."""

    name = "xinyong.exports"
    label = "exports"
