"""Encrypted files of any size: chunked SM4-GCM under the data key (security req. 19, 20; Art 15, 17, 32).

A file is encrypted in fixed-size chunks, each an SM4-GCM (GB/T 32907, RFC 8998) message of its own, so a
file is written and read in bounded memory and every chunk is authenticated before its bytes are released.
This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) also used by age and Tink's
streaming AEAD. Layout (all integers big-endian)::

    header   magic "xystrm1\\n" (8 bytes)
             key id length (1 byte, 1–64) and the data key's id (ASCII)
             chunk size (4 bytes): plaintext bytes per chunk, 1 KiB – 16 MiB
             salt (16 random bytes)
             nonce prefix (7 random bytes)
    chunk i  SM4-GCM ciphertext || 16-byte tag of plaintext chunk i

* The file key is HMAC-SM3(data key, "xinyong-stream/1" 0x00 context 0x00 salt), first 16 bytes: every file
  has its own key (so nonces need only be unique within a file) and a file stored for one purpose
  (`context`, e.g. "ingestion.upload") does not decrypt as another.
* The nonce of chunk i is prefix (7) || i (4) || final flag (1: 0x01 on the last chunk, else 0x00): a chunk
  moved to another position, a file cut at a chunk boundary or extended after its last chunk fails
  authentication. Every chunk but the last holds exactly `chunk size` bytes; the last holds 0 to
  `chunk size` bytes, so there always is a last chunk.
* The additional authenticated data of every chunk is the whole header: the key id, chunk size, salt and
  prefix cannot be changed either.
* The key id in the header names the data key of the keyring, so after a rotation files written under the
  retired key stay readable while the retired key is kept.

A reader releases the plaintext of a chunk only after its tag has verified, but it releases earlier chunks
before it sees a later one: a consumer must treat `StreamError` at any point as failing the whole file (the
submission pipeline reads a file inside one transaction, so nothing of it is stored).
"""

from __future__ import annotations

import io
import os
import struct

from xinyong.core.crypto.keys import PURPOSE_DATA, Keyring, load_keyring
from xinyong.core.crypto.provider import GCM_TAG_SIZE, SM4_KEY_SIZE, CryptoError
from xinyong.core.crypto.software import get_provider

MAGIC = b"xystrm1\n"
DEFAULT_CHUNK_SIZE = 64 * 1024
MIN_CHUNK_SIZE = 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
SALT_SIZE = 16
PREFIX_SIZE = 7
MAX_CHUNKS = 2**32  # the 4-byte counter
_KDF_LABEL = b"xinyong-stream/1"


class StreamError(CryptoError):
    """An encrypted file cannot be read: not this format, an unknown key, or a chunk that does not
    authenticate (tampered, truncated, reordered, or the wrong context). Never carries plaintext or keys."""


def _file_key(data_key: bytes, context: str, salt: bytes) -> bytes:
    if not context:
        raise StreamError("an encryption context (e.g. 'ingestion.upload') is required")
    message = _KDF_LABEL + b"\x00" + context.encode("utf-8") + b"\x00" + salt
    return get_provider().hmac_sm3(data_key, message)[:SM4_KEY_SIZE]


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise StreamError("file too large for one encrypted stream")
    return prefix + struct.pack(">I", index) + (b"\x01" if final else b"\x00")


def _header(key_id: str, chunk_size: int, salt: bytes, prefix: bytes) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded + struct.pack(">I", chunk_size) + salt + prefix


class EncryptingWriter(io.RawIOBase):
    """Encrypts what is written to it into `raw` (a binary file opened for writing), chunk by chunk.

    `close()` writes the last chunk and closes `raw`; a writer dropped without `close()` (or after `abort()`)
    leaves a file that never decrypts, so a half-written file cannot pass for a whole one.
    """

    def __init__(self, raw, *, context: str, keyring: Keyring | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE):
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise StreamError(f"chunk size must be {MIN_CHUNK_SIZE}–{MAX_CHUNK_SIZE} bytes")
        provider = get_provider()
        key = (keyring or load_keyring()).active(PURPOSE_DATA)
        salt, prefix = provider.random_bytes(SALT_SIZE), provider.random_bytes(PREFIX_SIZE)
        self.key_id = key.id
        self._raw = raw
        self._header = _header(key.id, chunk_size, salt, prefix)
        self._key = _file_key(key.material, context, salt)
        self._prefix = prefix
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self.plaintext_bytes = 0
        self._raw.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.closed:
            raise ValueError("write to a closed encrypted stream")
        view = memoryview(data).cast("B")
        self._buffer += view
        self.plaintext_bytes += len(view)
        # Keep at least one byte back: only close() knows which chunk is the last.
        size = self._chunk_size
        while len(self._buffer) > size:
            self._emit(bytes(self._buffer[:size]), final=False)
            del self._buffer[:size]
        return len(view)

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        nonce = _nonce(self._prefix, self._index, final)
        self._raw.write(get_provider().sm4_gcm_encrypt(self._key, nonce, plaintext, self._header))
        self._index += 1

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._raw.flush()
        finally:
            self._raw.close()
            super().close()

    def __del__(self):
        # Never finish a file on garbage collection: only an explicit close() writes the last chunk.
        if not self.closed:
            self.abort()

    def abort(self) -> None:
        """Close without the last chunk (the caller removes the file)."""
        if not self.closed:
            self._buffer.clear()
            self._raw.close()
            super().close()


class DecryptingReader(io.RawIOBase):
    """Reads the plaintext of an encrypted file (`raw`: a seekable binary file), authenticating chunk by
    chunk; seekable, so CSV encoding detection and XLSX readers can move about in it."""

    def __init__(self, raw, *, context: str, keyring: Keyring | None = None):
        self._raw = raw
        raw.seek(0, os.SEEK_END)
        total = raw.tell()
        raw.seek(0)
        fixed = raw.read(len(MAGIC) + 1)
        if len(fixed) < len(MAGIC) + 1 or fixed[: len(MAGIC)] != MAGIC:
            raise StreamError("not an encrypted stream of this platform (xystrm1)")
        id_length = fixed[-1]
        rest = raw.read(id_length + 4 + SALT_SIZE + PREFIX_SIZE)
        if not 1 <= id_length <= 64 or len(rest) != id_length + 4 + SALT_SIZE + PREFIX_SIZE:
            raise StreamError("encrypted stream header is truncated or malformed")
        try:
            key_id = rest[:id_length].decode("ascii")
        except UnicodeDecodeError:
            raise StreamError("encrypted stream header names no valid key id") from None
        (chunk_size,) = struct.unpack(">I", rest[id_length : id_length + 4])
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise StreamError("encrypted stream header has an invalid chunk size")
        salt = rest[id_length + 4 : id_length + 4 + SALT_SIZE]
        self._prefix = rest[id_length + 4 + SALT_SIZE :]
        key = (keyring or load_keyring()).get(PURPOSE_DATA, key_id)
        if key is None:
            raise StreamError(f"encrypted with unknown data key {key_id!r} (is the right keyring loaded?)")
        self.key_id = key_id
        self._header = fixed + rest
        self._key = _file_key(key.material, context, salt)
        self._chunk_size = chunk_size
        self._sealed_size = chunk_size + GCM_TAG_SIZE
        body = total - len(self._header)
        if body < GCM_TAG_SIZE:
            raise StreamError("encrypted stream is truncated (no last chunk)")
        self._chunks = -(-body // self._sealed_size)
        last = body - (self._chunks - 1) * self._sealed_size
        if last < GCM_TAG_SIZE:  # a partial tag after a full chunk: cut or padded
            raise StreamError("encrypted stream is truncated or has trailing bytes")
        self.size = (self._chunks - 1) * chunk_size + last - GCM_TAG_SIZE  # plaintext bytes
        self._position = 0
        self._loaded_index = -1
        self._loaded = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            position = offset
        elif whence == os.SEEK_CUR:
            position = self._position + offset
        elif whence == os.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def _chunk(self, index: int) -> bytes:
        if index != self._loaded_index:
            self._raw.seek(len(self._header) + index * self._sealed_size)
            sealed = self._raw.read(self._sealed_size)
            final = index == self._chunks - 1
            try:
                self._loaded = get_provider().sm4_gcm_decrypt(
                    self._key, _nonce(self._prefix, index, final), sealed, self._header
                )
            except CryptoError:
                raise StreamError(
                    f"chunk {index} of the encrypted stream failed authentication (tampered, truncated, "
                    "reordered or another context)"
                ) from None
            if not final and len(self._loaded) != self._chunk_size:
                raise StreamError("encrypted stream has a short chunk before its end")
            self._loaded_index = index
        return self._loaded

    def readinto(self, buffer) -> int:
        if self._position >= self.size:
            return 0
        index, offset = divmod(self._position, self._chunk_size)
        chunk = self._chunk(index)
        n = min(len(buffer), len(chunk) - offset)
        buffer[:n] = chunk[offset : offset + n]
        self._position += n
        return n

    def readall(self) -> bytes:
        parts = []
        while data := self.read(self._chunk_size):
            parts.append(data)
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            self._loaded = b""
            self._raw.close()
        super().close()


def encrypt_file(source, target_path, *, context: str, keyring: Keyring | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, mode: int = 0o600) -> EncryptingWriter:
    """Encrypt the binary stream or iterable of byte chunks `source` into a new file `target_path`, created
    with `mode` (never replacing an existing file). Returns the closed writer (its key id and size)."""
    descriptor = os.open(target_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
    writer = EncryptingWriter(os.fdopen(descriptor, "wb"), context=context, keyring=keyring, chunk_size=chunk_size)
    try:
        chunks = iter(lambda: source.read(DEFAULT_CHUNK_SIZE), b"") if hasattr(source, "read") else source
        for chunk in chunks:
            writer.write(chunk)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return writer


def open_decrypting(path, *, context: str, keyring: Keyring | None = None) -> DecryptingReader:
    """Open an encrypted file for reading its plaintext (see the module docstring)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed with the reader
    try:
        return DecryptingReader(raw, context=context, keyring=keyring)
    except BaseException:
        raw.close()
        raise
