"""Software crypto provider for development and CI, and provider selection (security req. 20, Art 15).

SM3 (GB/T 32905), HMAC-SM3, SM4-GCM (GB/T 32907) and PBKDF2-HMAC-SM3 come from `cryptography` (OpenSSL);
SM2 signatures (GB/T 32918) come from the GmSSL-backed `gmssl_pyx`, which draws SM2 nonces from GmSSL's own
CSPRNG. The pure-Python `gmssl` package is deliberately not used: it picks SM2 nonces with `random`, and a
predictable nonce reveals the private key from a single signature.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable

import gmssl_pyx
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from xinyong.core.crypto.provider import (
    GCM_NONCE_SIZE,
    GCM_TAG_SIZE,
    SM2_DEFAULT_SIGNER_ID,
    SM2_PRIVATE_KEY_SIZE,
    SM2_PRIVATE_SCALAR_SIZE,
    SM2_PUBLIC_KEY_SIZE,
    SM3_DIGEST_SIZE,
    SM4_BLOCK_SIZE,
    SM4_KEY_SIZE,
    CryptoError,
    CryptoProvider,
)

PROVIDER_ENV = "XINYONG_CRYPTO_PROVIDER"
DEFAULT_PROVIDER = "software"


def pbkdf2_generic(prf: Callable[[bytes, bytes], bytes], password: bytes, salt: bytes, iterations: int,
                   length: int, prf_size: int = SM3_DIGEST_SIZE) -> bytes:
    """PBKDF2 exactly as RFC 8018 section 5.2 defines it, over any PRF(key, data).

    Used when the OpenSSL build lacks PBKDF2 with SM3, and by the tests as an independent cross-check.
    """
    if iterations < 1 or length < 1:
        raise CryptoError("PBKDF2 needs iterations >= 1 and length >= 1")
    blocks = []
    for block_index in range(1, -(-length // prf_size) + 1):
        u = prf(password, salt + block_index.to_bytes(4, "big"))
        t = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            u = prf(password, u)
            t ^= int.from_bytes(u, "big")
        blocks.append(t.to_bytes(prf_size, "big"))
    return b"".join(blocks)[:length]


def _require_len(what: str, value: bytes, size: int) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != size:
        raise CryptoError(f"{what} must be {size} bytes")


class SoftwareProvider(CryptoProvider):
    """`cryptography` for SM3/SM4/PBKDF2, `gmssl_pyx` (GmSSL) for SM2 (security req. 20)."""

    name = "software"

    def __init__(self) -> None:
        # Probe once whether this OpenSSL build offers PBKDF2 with SM3; if not, fall back to RFC 8018 code.
        try:
            PBKDF2HMAC(algorithm=hashes.SM3(), length=32, salt=b"probe", iterations=1).derive(b"probe")
        except UnsupportedAlgorithm:
            self._native_pbkdf2 = False
        else:
            self._native_pbkdf2 = True

    # SM3 ---------------------------------------------------------------------------------------------
    def sm3(self, data: bytes) -> bytes:
        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize()

    def hmac_sm3(self, key: bytes, data: bytes) -> bytes:
        if not key:
            # An empty key turns the MAC into a public hash: always a configuration error (GmSSL refuses too).
            raise CryptoError("HMAC-SM3 needs a non-empty key")
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize()

    # SM4 ---------------------------------------------------------------------------------------------
    def sm4_gcm_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        _require_len("SM4 key", key, SM4_KEY_SIZE)
        _require_len("GCM nonce", nonce, GCM_NONCE_SIZE)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        ciphertext = encryptor.update(plaintext) + encryptor.finalize()
        return ciphertext + encryptor.tag

    def sm4_gcm_decrypt(self, key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes) -> bytes:
        _require_len("SM4 key", key, SM4_KEY_SIZE)
        _require_len("GCM nonce", nonce, GCM_NONCE_SIZE)
        if len(ciphertext_and_tag) < GCM_TAG_SIZE:
            raise CryptoError("SM4-GCM input is shorter than its authentication tag")
        ciphertext, tag = ciphertext_and_tag[:-GCM_TAG_SIZE], ciphertext_and_tag[-GCM_TAG_SIZE:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            # Plaintext is only released after finalize() has checked the tag.
            plaintext = decryptor.update(ciphertext) + decryptor.finalize()
        except InvalidTag:
            raise CryptoError(
                "SM4-GCM authentication failed (tampered data, wrong key or wrong context)"
            ) from None
        return plaintext

    def sm4_encrypt_block_for_selftest(self, key: bytes, block: bytes) -> bytes:
        # E_K(block) is the first keystream block of CTR mode started at counter = block; encrypting 16 zero
        # bytes therefore yields exactly the single-block result, and no ECB mode object ever exists.
        _require_len("SM4 key", key, SM4_KEY_SIZE)
        _require_len("SM4 block", block, SM4_BLOCK_SIZE)
        encryptor = Cipher(algorithms.SM4(key), modes.CTR(bytes(block))).encryptor()
        return encryptor.update(bytes(SM4_BLOCK_SIZE)) + encryptor.finalize()

    # SM2 ---------------------------------------------------------------------------------------------
    def sm2_generate_keypair(self) -> tuple[bytes, bytes]:
        try:
            public_key, scalar = gmssl_pyx.sm2_key_generate()
        except gmssl_pyx.GmsslInnerError:
            raise CryptoError("SM2 key generation failed") from None
        return scalar + public_key, public_key

    def sm2_sign(self, private_key: bytes, message: bytes) -> bytes:
        _require_len("SM2 private key (scalar || public point)", private_key, SM2_PRIVATE_KEY_SIZE)
        scalar = bytes(private_key[:SM2_PRIVATE_SCALAR_SIZE])
        public_key = bytes(private_key[SM2_PRIVATE_SCALAR_SIZE:])
        try:
            return gmssl_pyx.sm2_sign(scalar, public_key, message, SM2_DEFAULT_SIGNER_ID)
        except gmssl_pyx.GmsslInnerError:
            raise CryptoError("SM2 signing failed") from None

    def sm2_verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            point = gmssl_pyx.normalize_sm2_public_key(bytes(public_key))
            if len(point) != SM2_PUBLIC_KEY_SIZE:
                return False
            return bool(gmssl_pyx.sm2_verify(point, message, bytes(signature), SM2_DEFAULT_SIGNER_ID))
        except (gmssl_pyx.GmsslInnerError, TypeError, ValueError):
            return False

    # Key derivation and randomness ---------------------------------------------------------------------
    def pbkdf2_sm3(self, password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
        if iterations < 1 or length < 1:
            raise CryptoError("PBKDF2 needs iterations >= 1 and length >= 1")
        if self._native_pbkdf2:
            kdf = PBKDF2HMAC(algorithm=hashes.SM3(), length=length, salt=salt, iterations=iterations)
            return kdf.derive(password)
        return pbkdf2_generic(self.hmac_sm3, password, salt, iterations, length)

    def random_bytes(self, n: int) -> bytes:
        # The OS CSPRNG via `secrets`; the `random` module is predictable and never used for secrets.
        if n < 0:
            raise CryptoError("random_bytes needs n >= 0")
        return secrets.token_bytes(n)


_providers: dict[str, CryptoProvider] = {}
_providers_lock = threading.Lock()


def get_provider() -> CryptoProvider:
    """The configured provider: env `XINYONG_CRYPTO_PROVIDER` = "software" (default) or "hsm" (req. 20)."""
    name = (os.environ.get(PROVIDER_ENV) or DEFAULT_PROVIDER).strip().lower()
    provider = _providers.get(name)
    if provider is not None:
        return provider
    if name == "hsm":
        raise NotImplementedError(
            f"{PROVIDER_ENV}=hsm: a hardware security module provider is configured but not installed; "
            "install the vendor's provider package or set it to 'software' for development"
        )
    if name != "software":
        raise CryptoError(f"{PROVIDER_ENV}={name!r} is not a known crypto provider (use 'software' or 'hsm')")
    with _providers_lock:
        return _providers.setdefault(name, SoftwareProvider())
