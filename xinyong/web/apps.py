from django.apps import AppConfig


class WebConfig(AppConfig):
    """Base templates, vendored static assets, the public portal and the staff console shell."""

    name = "xinyong.web"
    label = "web"
