from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The subject's inbox, and email and SMS delivery through a retried outbox (Art 24, 29)."""

    name = "xinyong.notifications"
    label = "notifications"
