"""SM4-GCM encryption plus HMAC-SM3 blind index per identifier, against AES-128-GCM plus HMAC-SHA256 with the
same library in the same run (ratio = baseline time / our time; 1.0 means national crypto costs nothing)."""

from __future__ import annotations

import hashlib
import hmac
import os
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xinyong.core.crypto import blind_index, seal, unseal
from xinyong.core.identifiers import make_citizen_id

N = 20_000


def run() -> None:
    import datetime as dt

    values = [make_citizen_id("130802", dt.date(1980, 1, 1) + dt.timedelta(days=i % 9000), i % 999) for i in range(N)]
    context = "subjects.subject.identifier"
    seal(values[0], context=context)  # warm the keyring cache

    started = time.perf_counter()
    tokens = [seal(v, context=context) for v in values]
    indexes = [blind_index("id", v) for v in values]
    ours = time.perf_counter() - started

    started = time.perf_counter()
    opened = [unseal(t, context=context) for t in tokens]
    unseal_time = time.perf_counter() - started
    assert opened == values and len(set(indexes)) == len(set(values))

    key, mac_key = AESGCM.generate_key(bit_length=128), os.urandom(32)
    aes = AESGCM(key)
    started = time.perf_counter()
    for v in values:
        aes.encrypt(os.urandom(12), v.encode(), context.encode())
        hmac.new(mac_key, b"id\x1f" + v.encode(), hashlib.sha256).hexdigest()
    baseline = time.perf_counter() - started

    print(f"BENCH seal identifiers={N} seal_plus_index_us={ours / N * 1e6:.1f} unseal_us={unseal_time / N * 1e6:.1f} "
          f"aes_gcm_plus_hmac_sha256_us={baseline / N * 1e6:.1f} ratio={baseline / ours:.2f}")
