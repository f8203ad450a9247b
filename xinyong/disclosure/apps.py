from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    """Public disclosure, the query service, written authorizations and the query log (Art 17–19, 21, 29)."""

    name = "xinyong.disclosure"
    label = "disclosure"
