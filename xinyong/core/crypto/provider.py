"""The cryptographic provider interface (security req. 20; GB/T 39786-2021 level 3, Art 15, 32, 33).

Everything in the platform that hashes, encrypts, signs or derives goes through a `CryptoProvider`, so the
software implementation used in development and CI can be swapped for a hardware security module in
production without touching callers. Only the commercial algorithms are offered: SM3 (GB/T 32905),
SM4 (GB/T 32907) in GCM mode only, SM2 signatures (GB/T 32918) with SM3 and the default signer id.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

SM3_DIGEST_SIZE = 32
SM4_KEY_SIZE = 16
SM4_BLOCK_SIZE = 16
GCM_NONCE_SIZE = 12  # 96-bit nonces: the GCM fast path, no GHASH over the IV (NIST SP 800-38D 8.2)
GCM_TAG_SIZE = 16  # full-length tags only; truncated tags weaken forgery resistance
SM2_DEFAULT_SIGNER_ID = b"1234567812345678"  # GB/T 32918.2 / GM/T 0009 default user identity
SM2_PRIVATE_SCALAR_SIZE = 32
SM2_PUBLIC_KEY_SIZE = 64  # uncompressed point x || y without the 0x04 prefix
# A signing key is stored as scalar || public point: SM2 signing hashes the signer's public key into Z_A,
# and keeping the point next to the scalar avoids re-deriving it (a non-constant-time scalar multiplication).
SM2_PRIVATE_KEY_SIZE = SM2_PRIVATE_SCALAR_SIZE + SM2_PUBLIC_KEY_SIZE


class CryptoError(Exception):
    """A cryptographic operation failed (bad tag, malformed key, …). Messages never carry key material."""


class CryptoProvider(ABC):
    """SM2/SM3/SM4 primitives behind one interface (security req. 20)."""

    name: str = "abstract"

    @abstractmethod
    def sm3(self, data: bytes) -> bytes:
        """SM3 digest, GB/T 32905 (32 bytes)."""

    @abstractmethod
    def hmac_sm3(self, key: bytes, data: bytes) -> bytes:
        """HMAC (RFC 2104 construction) with SM3 for blind indexes and row integrity (Art 32); key non-empty."""

    @abstractmethod
    def sm4_gcm_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """SM4-GCM (GB/T 32907 + NIST SP 800-38D / RFC 8998): returns ciphertext || 16-byte tag."""

    @abstractmethod
    def sm4_gcm_decrypt(self, key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes) -> bytes:
        """Inverse of `sm4_gcm_encrypt`; raises `CryptoError` when the tag does not authenticate."""

    @abstractmethod
    def sm4_encrypt_block_for_selftest(self, key: bytes, block: bytes) -> bytes:
        """The raw SM4 permutation E_K(block) of one 16-byte block, for the GB/T 32907 known-answer test only.

        Nothing else may call this: a bare block cipher is ECB, which leaks equal plaintext blocks.
        """

    @abstractmethod
    def sm2_generate_keypair(self) -> tuple[bytes, bytes]:
        """A fresh SM2 key pair: (private key: scalar || public point, 96 bytes; public key, 64 bytes)."""

    @abstractmethod
    def sm2_sign(self, private_key: bytes, message: bytes) -> bytes:
        """SM2 signature with SM3 and signer id 1234567812345678 (GB/T 32918.2); DER-encoded (r, s)."""

    @abstractmethod
    def sm2_verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True only for a valid SM2 signature; malformed input is a plain False, never an exception."""

    @abstractmethod
    def pbkdf2_sm3(self, password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
        """PBKDF2 (RFC 8018 5.2) with HMAC-SM3 as the PRF, for password storage (security req. 5)."""

    @abstractmethod
    def random_bytes(self, n: int) -> bytes:
        """n bytes from a cryptographically secure generator (keys, nonces, salts, tokens)."""
