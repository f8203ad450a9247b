"""SM2/SM3/SM4 cryptography for the platform (security req. 19, 20; Art 15, 32, 33).

Public API: the provider (`get_provider`), start-up self-tests (`run_self_tests`), the keyring, and the
sealing functions the identifier model fields use (`seal`, `unseal`, `blind_index`).
"""

from xinyong.core.crypto.keys import (
    Keyring,
    KeyringError,
    KeyringExistsError,
    KeyringMissingError,
    keyring_init,
    keyring_rotate,
    load_keyring,
    reset_keyring_cache,
)
from xinyong.core.crypto.provider import CryptoError, CryptoProvider
from xinyong.core.crypto.sealing import SealError, blind_index, blind_indexes, seal, sealed_key_id, unseal
from xinyong.core.crypto.selftest import CryptoSelfTestError, run_self_tests
from xinyong.core.crypto.software import SoftwareProvider, get_provider

__all__ = [
    "CryptoError",
    "CryptoProvider",
    "CryptoSelfTestError",
    "Keyring",
    "KeyringError",
    "KeyringExistsError",
    "KeyringMissingError",
    "SealError",
    "SoftwareProvider",
    "blind_index",
    "blind_indexes",
    "get_provider",
    "keyring_init",
    "keyring_rotate",
    "load_keyring",
    "reset_keyring_cache",
    "run_self_tests",
    "seal",
    "sealed_key_id",
    "unseal",
]
