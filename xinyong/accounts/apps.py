from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organizations, jurisdictions, staff and subject accounts, roles, API clients (Art 6, 7)."""

    name = "xinyong.accounts"
    label = "accounts"

    def ready(self):
        # Connects the receiver that stamps new sessions with their login time and factors (security req. 3).
        from xinyong.accounts import authentication  # noqa: F401
