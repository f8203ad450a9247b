"""The keyring: data, blind-index and signing keys kept outside the repository and the database.

Security req. 19 (keys never in configuration files, logs or error pages), Art 15 (MLPS key management) and
Art 32/33 (ciphertext and its key are never stored together, so a database dump leaks no ID number).

The keyring is a JSON file (env `XINYONG_KEY_FILE`, default `<project root>/var/keys/keyring.json`, mode
0600) or, for containers, the same JSON in env `XINYONG_KEYRING`. Layout::

    {"format": "xinyong-keyring/1",
     "data":    [{"id": "data-20261128-ab12", "created": "…Z", "status": "active", "material": "<base64>"}],
     "index":   [... 32-byte HMAC-SM3 key ...],
     "signing": [... "material": base64(SM2 scalar || public point), "public": "<hex public point>" ...]}

Each purpose has exactly one active key; rotation retires the old key but keeps it, so every ciphertext
(which names its key id) stays readable and every old checkpoint signature stays verifiable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import re
import secrets
import stat
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xinyong.core.crypto.provider import (
    SM2_PRIVATE_KEY_SIZE,
    SM2_PRIVATE_SCALAR_SIZE,
    SM2_PUBLIC_KEY_SIZE,
    SM4_KEY_SIZE,
    CryptoError,
)

KEY_FILE_ENV = "XINYONG_KEY_FILE"
KEYRING_ENV = "XINYONG_KEYRING"
PROJECT_ROOT = Path(__file__).resolve().parents[3]  # crypto -> core -> xinyong -> project root
DEFAULT_KEY_FILE = PROJECT_ROOT / "var" / "keys" / "keyring.json"
KEYRING_FORMAT = "xinyong-keyring/1"

PURPOSE_DATA = "data"  # SM4-GCM encryption of identifiers and credentials (req. 19)
PURPOSE_INDEX = "index"  # HMAC-SM3 blind index key (req. 19)
PURPOSE_SIGNING = "signing"  # SM2 key pair for checkpoints and receipts (req. 16, 17)
PURPOSES = (PURPOSE_DATA, PURPOSE_INDEX, PURPOSE_SIGNING)

STATUS_ACTIVE = "active"
STATUS_RETIRED = "retired"

INDEX_KEY_SIZE = 32  # an HMAC key as long as the SM3 output (RFC 2104 section 3)
_MATERIAL_SIZE = {
    PURPOSE_DATA: SM4_KEY_SIZE,
    PURPOSE_INDEX: INDEX_KEY_SIZE,
    PURPOSE_SIGNING: SM2_PRIVATE_KEY_SIZE,
}
# Key ids travel inside every sealed token ("sm4gcm1:<id>:…"), so they must never contain a colon.
KEY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class KeyringError(CryptoError):
    """The keyring is unusable (malformed, unsafe permissions, unknown purpose)."""


class KeyringMissingError(KeyringError):
    """No keyring is configured or the key file does not exist."""


class KeyringExistsError(KeyringError):
    """`keyring_init` refuses to overwrite a keyring: losing its keys makes every ciphertext unreadable."""


@dataclass(frozen=True)
class KeyEntry:
    """One key of one purpose. `material` is excluded from repr so it cannot leak into logs or tracebacks."""

    purpose: str
    id: str
    created: str
    status: str
    material: bytes = field(repr=False)
    public: bytes | None = None  # the SM2 public point, for signing keys only
    retired: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == STATUS_ACTIVE

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "status": self.status,
            "material": base64.b64encode(self.material).decode("ascii"),
        }
        if self.public is not None:
            out["public"] = self.public.hex()
        if self.retired is not None:
            out["retired"] = self.retired
        return out


class Keyring:
    """All keys by purpose; immutable once loaded (rotation writes a new file and a new Keyring)."""

    def __init__(self, entries: dict[str, tuple[KeyEntry, ...]], source: str = "<memory>") -> None:
        self._entries = {purpose: tuple(entries.get(purpose, ())) for purpose in PURPOSES}
        self.source = source
        self._validate()

    def __repr__(self) -> str:
        ids = {purpose: [k.id for k in keys] for purpose, keys in self._entries.items()}
        return f"<Keyring {self.source} {ids}>"

    def _validate(self) -> None:
        for purpose, keys in self._entries.items():
            if not keys:
                raise KeyringError(f"keyring has no {purpose!r} key")
            ids = [k.id for k in keys]
            if len(set(ids)) != len(ids):
                raise KeyringError(f"keyring has duplicate {purpose!r} key ids")
            if sum(1 for k in keys if k.is_active) != 1:
                raise KeyringError(f"keyring must have exactly one active {purpose!r} key")
            for key in keys:
                _validate_entry(key)

    def keys(self, purpose: str) -> tuple[KeyEntry, ...]:
        """Every key of a purpose, oldest first."""
        _check_purpose(purpose)
        return self._entries[purpose]

    def active(self, purpose: str) -> KeyEntry:
        """The one key new ciphertexts, indexes and signatures are made with."""
        return next(k for k in self.keys(purpose) if k.is_active)

    def get(self, purpose: str, key_id: str) -> KeyEntry | None:
        """A key by id, active or retired (old ciphertexts name their key), or None when unknown."""
        return next((k for k in self.keys(purpose) if k.id == key_id), None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": KEYRING_FORMAT}
        for purpose in PURPOSES:
            out[purpose] = [k.to_json() for k in self._entries[purpose]]
        return out

    @classmethod
    def from_dict(cls, data: Any, source: str = "<memory>") -> Keyring:
        if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
            raise KeyringError(f"{source}: not a keyring (expected format {KEYRING_FORMAT!r})")
        entries: dict[str, tuple[KeyEntry, ...]] = {}
        for purpose in PURPOSES:
            raw_keys = data.get(purpose)
            if not isinstance(raw_keys, list):
                raise KeyringError(f"{source}: {purpose!r} must be a list of keys")
            entries[purpose] = tuple(_entry_from_json(purpose, raw, source) for raw in raw_keys)
        return cls(entries, source=source)


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise KeyringError(f"unknown key purpose {purpose!r} (one of {', '.join(PURPOSES)})")


def _validate_entry(key: KeyEntry) -> None:
    # Messages name the key id and purpose only, never material.
    if not KEY_ID_RE.match(key.id):
        raise KeyringError(f"invalid {key.purpose!r} key id {key.id!r}")
    if key.status not in (STATUS_ACTIVE, STATUS_RETIRED):
        raise KeyringError(f"key {key.id!r} has unknown status {key.status!r}")
    if len(key.material) != _MATERIAL_SIZE[key.purpose]:
        raise KeyringError(f"key {key.id!r} has the wrong length for purpose {key.purpose!r}")
    if key.purpose == PURPOSE_SIGNING:
        if key.public is None or len(key.public) != SM2_PUBLIC_KEY_SIZE:
            raise KeyringError(f"signing key {key.id!r} lacks its 64-byte public point")
        if key.material[SM2_PRIVATE_SCALAR_SIZE:] != key.public:
            raise KeyringError(f"signing key {key.id!r}: public point does not match the private key")


def _entry_from_json(purpose: str, raw: Any, source: str) -> KeyEntry:
    if not isinstance(raw, dict):
        raise KeyringError(f"{source}: each {purpose!r} key must be an object")
    key_id = str(raw.get("id", ""))
    try:
        material = base64.b64decode(str(raw["material"]), validate=True)
        public = bytes.fromhex(raw["public"]) if raw.get("public") is not None else None
    except (KeyError, binascii.Error, ValueError, TypeError):
        raise KeyringError(f"{source}: key {key_id!r} has malformed material") from None
    return KeyEntry(
        purpose=purpose,
        id=key_id,
        created=str(raw.get("created", "")),
        status=str(raw.get("status", "")),
        material=material,
        public=public,
        retired=raw.get("retired"),
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_entry(purpose: str, existing_ids: set[str], now: datetime) -> KeyEntry:
    from xinyong.core.crypto.software import get_provider

    provider = get_provider()
    while True:
        # The suffix only keeps same-day ids apart; it is not a secret.
        key_id = f"{purpose}-{now:%Y%m%d}-{secrets.token_hex(2)}"
        if key_id not in existing_ids:
            break
    public = None
    if purpose == PURPOSE_SIGNING:
        material, public = provider.sm2_generate_keypair()
    else:
        material = provider.random_bytes(_MATERIAL_SIZE[purpose])
    created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return KeyEntry(purpose=purpose, id=key_id, created=created, status=STATUS_ACTIVE, material=material,
                    public=public)


def resolve_key_file(path: str | os.PathLike[str] | None = None) -> Path:
    """The key file: the argument, else env `XINYONG_KEY_FILE`, else `<project>/var/keys/keyring.json`."""
    if path is not None:
        return Path(path)
    env = os.environ.get(KEY_FILE_ENV)
    return Path(env) if env else DEFAULT_KEY_FILE


def _serialize(keyring: Keyring) -> bytes:
    return (json.dumps(keyring.to_dict(), indent=2, sort_keys=True) + "\n").encode("ascii")


def _write_exclusive(path: Path, payload: bytes) -> None:
    # O_EXCL makes "refuse to overwrite" atomic; 0600 from the first byte, not chmod afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _file_lock(path: Path):
    # A sidecar lock file: the keyring itself is replaced by rename, so locking it would lock a stale inode.
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def keyring_init(path: str | os.PathLike[str] | None = None) -> Keyring:
    """Create a keyring with one fresh active key per purpose; refuses to overwrite (`KeyringExistsError`)."""
    target = resolve_key_file(path)
    if target.exists():
        raise KeyringExistsError(f"a keyring already exists at {target}; refusing to overwrite it")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = _utc_now()
    keyring = Keyring({p: (_new_entry(p, set(), now),) for p in PURPOSES}, source=str(target))
    try:
        _write_exclusive(target, _serialize(keyring))
    except FileExistsError:
        raise KeyringExistsError(f"a keyring already exists at {target}; refusing to overwrite it") from None
    _fsync_dir(target.parent)
    reset_keyring_cache()
    return keyring


def keyring_rotate(path: str | os.PathLike[str] | None, purpose: str) -> Keyring:
    """Add a new active key for `purpose` and retire the previous one (kept for decryption/verification).

    Rotating "index" changes every blind index: stored indexes must be recomputed with the new key.
    """
    _check_purpose(purpose)
    target = resolve_key_file(path)
    if not target.exists():
        raise KeyringMissingError(_missing_message(target))
    with _file_lock(target):
        current = _read_file(target)
        now = _utc_now()
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        old = current.keys(purpose)
        new = _new_entry(purpose, {k.id for k in old}, now)
        retired = tuple(
            replace(k, status=STATUS_RETIRED, retired=stamp) if k.is_active else k for k in old
        )
        entries = {p: current.keys(p) for p in PURPOSES}
        entries[purpose] = (*retired, new)
        keyring = Keyring(entries, source=str(target))
        # Write a sibling temp file and rename it over the keyring: readers see the old or the new file, never
        # a half-written one, and a crash leaves the old keyring intact.
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            _write_exclusive(tmp, _serialize(keyring))
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        _fsync_dir(target.parent)
    reset_keyring_cache()
    return keyring


def _missing_message(path: Path) -> str:
    return (
        f"no keyring at {path}: run `xinyong keys init` to create one "
        f"(or point {KEY_FILE_ENV} at the key file, or provide the keyring JSON in {KEYRING_ENV})"
    )


def _read_file(path: Path) -> Keyring:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyringMissingError(_missing_message(path)) from None
    # Keys readable by other users defeat the point of keeping them out of the database (req. 19).
    if info.st_mode & (stat.S_IRWXO | stat.S_IWGRP):
        raise KeyringError(f"keyring {path} is accessible to other users; run `chmod 600 {path}`")
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise KeyringError(f"keyring {path} is not readable JSON") from None
    return Keyring.from_dict(data, source=str(path))


_cache: dict[tuple, Keyring] = {}
_cache_lock = threading.Lock()


# Seal and blind-index calls happen per row: re-checking the file (path resolution plus stat, ~50 µs) on
# every call would cost more than the cryptography itself, so the default keyring is re-checked at most
# once per RECHECK_SECONDS. Another process's rotation is therefore seen within that interval.
RECHECK_SECONDS = 1.0
_recent: tuple[str, str, float, Keyring] | None = None  # (key file env, keyring env, checked at, keyring)


def reset_keyring_cache() -> None:
    """Forget cached keyrings (tests, and after init/rotation in this process)."""
    global _recent
    with _cache_lock:
        _cache.clear()
        _recent = None


def load_keyring(path: str | os.PathLike[str] | None = None) -> Keyring:
    """The keyring (see `_load_keyring`), with a short-lived fast path for the default location."""
    global _recent
    if path is not None:
        return _load_keyring(path)
    env = (os.environ.get(KEY_FILE_ENV, ""), os.environ.get(KEYRING_ENV, ""))
    recent = _recent
    now = time.monotonic()
    if recent is not None and recent[:2] == env and now - recent[2] < RECHECK_SECONDS:
        return recent[3]
    keyring = _load_keyring(None)
    _recent = (*env, now, keyring)
    return keyring


def _load_keyring(path: str | os.PathLike[str] | None = None) -> Keyring:
    """The keyring, cached: from `path`, else env `XINYONG_KEYRING` (JSON), else the key file.

    The file cache is keyed by inode, size and modification time, so a rotation by another process (the
    `xinyong keys rotate` command) is picked up on the next call without a restart.
    """
    if path is None and os.environ.get(KEYRING_ENV):
        content = os.environ[KEYRING_ENV]
        cache_key: tuple = ("env", content)
        with _cache_lock:
            cached = _cache.get(cache_key)
        if cached is not None:
            return cached
        try:
            data = json.loads(content)
        except ValueError:
            raise KeyringError(f"env {KEYRING_ENV} does not hold keyring JSON") from None
        keyring = Keyring.from_dict(data, source=f"${KEYRING_ENV}")
    else:
        target = resolve_key_file(path)
        try:
            info = target.stat()
        except FileNotFoundError:
            raise KeyringMissingError(_missing_message(target)) from None
        cache_key = ("file", str(target.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
        with _cache_lock:
            cached = _cache.get(cache_key)
        if cached is not None:
            return cached
        keyring = _read_file(target)
    with _cache_lock:
        _cache.clear()  # one live keyring at a time: superseded versions are not kept in memory
        _cache[cache_key] = keyring
    return keyring
