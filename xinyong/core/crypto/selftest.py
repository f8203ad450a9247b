"""Known-answer self-tests run at start-up; any failure must stop start-up (security req. 20, Art 15).

GB/T 39786-2021 expects a cryptographic module to prove it computes correctly before it is used. Each check
compares the provider against published or independently cross-checked values:

* SM3("abc")                    GB/T 32905-2016 appendix A, example 1
* SM4 single block              GB/T 32907-2016 appendix A, example 1
* SM4-GCM                       RFC 8998 appendix A.1 (ShangMi cipher suites for TLS 1.3)
* HMAC-SM3                      RFC 2104 construction, value cross-checked against GmSSL's sm3_hmac
* PBKDF2-HMAC-SM3               RFC 8018 construction, cross-checked against GmSSL HMAC and OpenSSL
* SM2 sign / verify             GB/T 32918.2 round trip; a one-bit change of message or signature fails
"""

from __future__ import annotations

import contextlib
import hmac
import os
import sys

from xinyong.core.crypto.provider import CryptoError, CryptoProvider


class CryptoSelfTestError(CryptoError):
    """A known-answer test failed: the provider must not be used and the process must not start."""


_SM3_ABC = bytes.fromhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")

_SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
_SM4_PLAINTEXT = _SM4_KEY
_SM4_CIPHERTEXT = bytes.fromhex("681edf34d206965e86b3e94f536e4246")

_GCM_KEY = _SM4_KEY
_GCM_NONCE = bytes.fromhex("00001234567800000000abcd")
_GCM_AAD = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
_GCM_PLAINTEXT = bytes.fromhex(
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
    "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
)
_GCM_CIPHERTEXT_AND_TAG = bytes.fromhex(
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
    "83de3541e4c2b58177e065a9bf7b62ec"
)

_HMAC_KEY = b"Jefe"
_HMAC_DATA = b"what do ya want for nothing?"
_HMAC_SM3 = bytes.fromhex("2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882")

# 48 bytes spans two PRF blocks, so the block counter and concatenation of RFC 8018 are exercised too.
_PBKDF2_ARGS = (b"password", b"salt", 1000, 48)
_PBKDF2_SM3 = bytes.fromhex(
    "e8b635a41dfe5aaab7cf828cff6f3608e22cac59ba16edd70e000b293d00bc91"
    "18504f57ab46673dcee7c541f933ad28"
)


def _check(name: str, ok: bool) -> None:
    if not ok:
        raise CryptoSelfTestError(f"crypto self-test failed: {name}")


def _flip_bit(data: bytes, index: int = 0) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def run_self_tests(provider: CryptoProvider) -> None:
    """Run every known-answer test against `provider`; raise `CryptoSelfTestError` on the first failure."""
    try:
        _run(provider)
    except CryptoSelfTestError:
        raise
    except Exception as exc:  # any crash of the provider is a failed self-test, reported by type only
        raise CryptoSelfTestError(f"crypto self-test crashed: {type(exc).__name__}") from exc


def _run(p: CryptoProvider) -> None:
    _check("SM3 GB/T 32905 'abc'", hmac.compare_digest(p.sm3(b"abc"), _SM3_ABC))

    # The SM4 vector is a single raw block. The provider computes it as the first CTR keystream block
    # (E_K(counter)), so the required result is checked without ever instantiating ECB mode (req. 20).
    _check(
        "SM4 GB/T 32907 single block",
        hmac.compare_digest(p.sm4_encrypt_block_for_selftest(_SM4_KEY, _SM4_PLAINTEXT), _SM4_CIPHERTEXT),
    )

    sealed = p.sm4_gcm_encrypt(_GCM_KEY, _GCM_NONCE, _GCM_PLAINTEXT, _GCM_AAD)
    _check("SM4-GCM RFC 8998 encrypt", hmac.compare_digest(sealed, _GCM_CIPHERTEXT_AND_TAG))
    opened = p.sm4_gcm_decrypt(_GCM_KEY, _GCM_NONCE, _GCM_CIPHERTEXT_AND_TAG, _GCM_AAD)
    _check("SM4-GCM RFC 8998 decrypt", hmac.compare_digest(opened, _GCM_PLAINTEXT))
    for what, nonce, data, aad in (
        ("ciphertext", _GCM_NONCE, _flip_bit(_GCM_CIPHERTEXT_AND_TAG, 5), _GCM_AAD),
        ("tag", _GCM_NONCE, _flip_bit(_GCM_CIPHERTEXT_AND_TAG, len(_GCM_CIPHERTEXT_AND_TAG) - 1), _GCM_AAD),
        ("aad", _GCM_NONCE, _GCM_CIPHERTEXT_AND_TAG, _flip_bit(_GCM_AAD)),
        ("nonce", _flip_bit(_GCM_NONCE), _GCM_CIPHERTEXT_AND_TAG, _GCM_AAD),
    ):
        try:
            p.sm4_gcm_decrypt(_GCM_KEY, nonce, data, aad)
        except CryptoError:
            continue
        raise CryptoSelfTestError(f"crypto self-test failed: SM4-GCM accepted a modified {what}")

    _check("HMAC-SM3", hmac.compare_digest(p.hmac_sm3(_HMAC_KEY, _HMAC_DATA), _HMAC_SM3))
    _check("PBKDF2-HMAC-SM3", hmac.compare_digest(p.pbkdf2_sm3(*_PBKDF2_ARGS), _PBKDF2_SM3))

    private_key, public_key = p.sm2_generate_keypair()
    message = b"xinyong SM2 self-test GB/T 32918"
    signature = p.sm2_sign(private_key, message)
    _check("SM2 signature verifies", p.sm2_verify(public_key, message, signature) is True)
    with _native_stderr_silenced():
        rejects_message_change = p.sm2_verify(public_key, _flip_bit(message), signature) is False
        rejects_signature_change = p.sm2_verify(public_key, message, _flip_bit(signature, len(signature) - 1)) is False
    _check("SM2 rejects a one-bit message change", rejects_message_change)
    _check("SM2 rejects a one-bit signature change", rejects_signature_change)

    first, second = p.random_bytes(32), p.random_bytes(32)
    _check("random_bytes length", len(first) == 32 and len(second) == 32)
    _check("random_bytes repeats", first != second)  # a stuck generator, not a statistical test


@contextlib.contextmanager
def _native_stderr_silenced():
    """GmSSL writes a trace to file descriptor 2 on every failed verification; the deliberate failures of the
    start-up self-test would otherwise print it at every start. Runs once at start-up, before any threads."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
