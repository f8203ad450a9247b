from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class CoreConfig(AppConfig):
    """Shared building blocks without domain models: identifiers, masking, crypto, request context."""

    name = "xinyong.core"
    label = "core"

    def ready(self) -> None:
        from xinyong.core import checks  # noqa: F401  (registers the database role check)

        # Known-answer tests before anything is encrypted, hashed or signed (security req. 20): a provider that
        # computes wrong answers must stop the platform, not corrupt its data.
        from xinyong.core.crypto import CryptoSelfTestError, get_provider, run_self_tests

        try:
            run_self_tests(get_provider())
        except (CryptoSelfTestError, NotImplementedError) as exc:
            raise ImproperlyConfigured(f"cryptographic self-test failed, refusing to start: {exc}") from exc
