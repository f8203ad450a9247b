from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organizations, jurisdictions, staff and subject accounts, roles, API clients (Art 6, 7)."""

    name = "xinyong.accounts"
    label = "accounts"
