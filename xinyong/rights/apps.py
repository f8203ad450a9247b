from django.apps import AppConfig


class RightsConfig(AppConfig):
    """Subjects' rights: objections, wrongful punishment, credit repair and their deadlines (Art 28–31, 33)."""

    name = "xinyong.rights"
    label = "rights"
