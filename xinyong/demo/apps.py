from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The `xinyong demo` command: synthetic data for demonstrations and load tests (no models)."""

    name = "xinyong.demo"
    label = "demo"
