"""SM3 digests and SM2 signatures of reports (GB/T 32905, GB/T 32918; security req. 20; Art 32).

Two signatures per report, both with the keyring's active signing key (the key id is stored beside them;
retired keys stay in the keyring, so old reports still verify after a rotation):

* the content signature, SM2 over the canonical content bytes — anyone holding the platform's public key
  can check the content embedded in a PDF without asking the platform;
* the file seal, SM2 over `xinyong-credit-report-pdf/1`, the number, the content digest and the SM3 digest
  of the PDF file — binds the exact file issued, so a PDF whose pages were changed while its embedded
  content was kept fails verification.
"""

from __future__ import annotations

from xinyong.core.crypto import get_provider, load_keyring

SEAL_FORMAT = "xinyong-credit-report-pdf/1"


def sm3_hex(data: bytes) -> str:
    return get_provider().sm3(data).hex()


def seal_message(number: str, content_digest: str, pdf_digest: str) -> bytes:
    return f"{SEAL_FORMAT}\n{number}\n{content_digest}\n{pdf_digest}".encode("ascii")


def active_signing_key():
    return load_keyring().active("signing")


def sign(key, message: bytes) -> str:
    return get_provider().sm2_sign(key.material, message).hex()


def verify(key_id: str, message: bytes, signature_hex: str) -> bool:
    """True only for a valid signature by the named signing key (active or retired); never raises."""
    key = load_keyring().get("signing", key_id or "")
    if key is None or key.public is None:
        return False
    try:
        signature = bytes.fromhex(signature_hex or "")
    except ValueError:
        return False
    return get_provider().sm2_verify(key.public, message, signature)
