"""Sealing personal identifiers: SM4-GCM ciphertext plus a keyed blind index (security req. 19; Art 32, 33).

A sealed value is the ASCII token ``sm4gcm1:<key id>:<base64url(nonce || ciphertext || tag)>``:

* SM4-GCM (GB/T 32907, RFC 8998) with the active "data" key and a fresh random 12-byte nonce;
* the additional authenticated data is the storage context (e.g. "subjects.Subject.identifier"), so a
  ciphertext copied into another column or table fails authentication instead of decrypting;
* every token names its key id, so keys can rotate while old rows stay readable.

The blind index is HMAC-SM3 (GB/T 32905) under the separate "index" key. An unkeyed SM3 of an ID number
could be reversed by hashing all ~10^10 plausible ID numbers; without the key that search is impossible.
"""

from __future__ import annotations

import base64
import binascii

from xinyong.core.crypto.keys import PURPOSE_DATA, PURPOSE_INDEX, Keyring, load_keyring
from xinyong.core.crypto.provider import GCM_NONCE_SIZE, GCM_TAG_SIZE, CryptoError
from xinyong.core.crypto.software import get_provider

IMPLEMENTS = ("Art 15: seal, unseal, blind_index", "Art 17: seal, unseal, blind_index")

TOKEN_PREFIX = "sm4gcm1"  # noqa: S105 - a format tag, not a secret
_SEPARATOR = ":"
_INDEX_FIELD_SEPARATOR = "\x1f"  # ASCII unit separator: cannot occur in an identifier kind


class SealError(CryptoError):
    """A sealed value cannot be opened. Messages name the key id and context, never plaintext or keys."""


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    # Strict alphabet check first: b64decode would otherwise silently skip foreign characters.
    if not all(c.isascii() and (c.isalnum() or c in "-_=") for c in padded):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(padded)


def _context_bytes(context: str) -> bytes:
    if not isinstance(context, str) or not context:
        raise SealError("a seal context (e.g. 'subjects.Subject.identifier') is required")
    return context.encode("utf-8")


def _split(token: str) -> tuple[str, str]:
    if not isinstance(token, str):
        raise SealError("sealed value must be a string")
    parts = token.split(_SEPARATOR)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise SealError(f"not a sealed value (expected '{TOKEN_PREFIX}:<key id>:<data>')")
    return parts[1], parts[2]


def sealed_key_id(token: str) -> str:
    """The id of the data key a sealed value was made with (for re-encryption after rotation)."""
    return _split(token)[0]


def seal(plaintext: str, *, context: str, keyring: Keyring | None = None) -> str:
    """Encrypt `plaintext` with the active data key, bound to `context`; returns the sealed token."""
    if not isinstance(plaintext, str):
        raise SealError("only text can be sealed")
    aad = _context_bytes(context)
    keyring = keyring or load_keyring()
    key = keyring.active(PURPOSE_DATA)
    provider = get_provider()
    # Random 96-bit nonces: the collision bound stays negligible far beyond the number of identifiers the
    # platform will ever seal under one key (NIST SP 800-38D 8.3 allows 2^32 invocations).
    nonce = provider.random_bytes(GCM_NONCE_SIZE)
    sealed = provider.sm4_gcm_encrypt(key.material, nonce, plaintext.encode("utf-8"), aad)
    return _SEPARATOR.join((TOKEN_PREFIX, key.id, _b64url_encode(nonce + sealed)))


def unseal(token: str, *, context: str, keyring: Keyring | None = None) -> str:
    """Decrypt and authenticate a sealed token; `SealError` on unknown key, wrong context or tampering."""
    aad = _context_bytes(context)
    key_id, body = _split(token)
    keyring = keyring or load_keyring()
    key = keyring.get(PURPOSE_DATA, key_id)
    if key is None:
        raise SealError(f"sealed value uses unknown data key {key_id!r} (is the right keyring loaded?)")
    try:
        raw = _b64url_decode(body)
    except (binascii.Error, ValueError):
        raise SealError("sealed value is not valid base64url") from None
    if len(raw) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
        raise SealError("sealed value is truncated")
    nonce, sealed = raw[:GCM_NONCE_SIZE], raw[GCM_NONCE_SIZE:]
    try:
        plaintext = get_provider().sm4_gcm_decrypt(key.material, nonce, sealed, aad)
    except CryptoError:
        raise SealError(
            f"sealed value failed authentication under key {key_id!r} for context {context!r} "
            "(tampered, or stored under another context)"
        ) from None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise SealError("sealed value does not hold text") from None


def _index_message(kind: str, value: str) -> bytes:
    if not isinstance(kind, str) or not isinstance(value, str):
        raise CryptoError("blind_index takes text kind and value")
    if _INDEX_FIELD_SEPARATOR in kind:
        raise CryptoError("identifier kind must not contain the unit separator")
    return f"{kind}{_INDEX_FIELD_SEPARATOR}{value}".encode()


def blind_index(kind: str, value: str, *, keyring: Keyring | None = None) -> str:
    """64 hex chars of HMAC-SM3(index key, kind 0x1F value): deterministic, so usable for equality lookups.

    The kind is part of the input so equal strings of different identifier kinds never share an index.
    """
    message = _index_message(kind, value)
    keyring = keyring or load_keyring()
    return get_provider().hmac_sm3(keyring.active(PURPOSE_INDEX).material, message).hex()


def blind_indexes(kind: str, value: str, *, keyring: Keyring | None = None) -> list[str]:
    """The blind index under every index key, active first (lookups while rows are re-indexed)."""
    message = _index_message(kind, value)
    keyring = keyring or load_keyring()
    keys = sorted(keyring.keys(PURPOSE_INDEX), key=lambda k: not k.is_active)
    provider = get_provider()
    return [provider.hmac_sm3(k.material, message).hex() for k in keys]
