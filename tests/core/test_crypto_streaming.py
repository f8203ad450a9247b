"""Encrypted files in chunks (chunked SM4-GCM, security req. 19, 20): round trips of every size, streaming in
bounded memory, and every change to the file — a flipped byte, a chunk moved, a cut at a chunk boundary,
bytes appended, an edited header, another context or an unknown key — refused; key rotation keeps old files
readable."""

from __future__ import annotations

import io
import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core.crypto import keyring_init, keyring_rotate, load_keyring, reset_keyring_cache
from xinyong.core.crypto.provider import GCM_TAG_SIZE
from xinyong.core.crypto.streaming import (
    MAGIC,
    DecryptingReader,
    EncryptingWriter,
    StreamError,
    encrypt_file,
    open_decrypting,
)

pytestmark = pytest.mark.smoke

CONTEXT = "ingestion.upload"
CHUNK = 1024  # the smallest chunk size, so small test files span many chunks


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "keyring.json"
    monkeypatch.setenv("XINYONG_KEY_FILE", str(path))
    monkeypatch.delenv("XINYONG_KEYRING", raising=False)
    reset_keyring_cache()
    keyring_init(path)
    yield path
    reset_keyring_cache()


def encrypted(data: bytes, *, chunk_size: int = CHUNK, context: str = CONTEXT, keyring=None) -> bytes:
    out = io.BytesIO()
    out.close = lambda: None  # keep the buffer readable after the writer closes it
    writer = EncryptingWriter(out, context=context, chunk_size=chunk_size, keyring=keyring)
    for start in range(0, len(data), 700):  # writes that do not line up with chunks
        writer.write(data[start : start + 700])
    writer.close()
    return out.getvalue()


def decrypted(blob: bytes, *, context: str = CONTEXT) -> bytes:
    with DecryptingReader(io.BytesIO(blob), context=context) as reader:
        return reader.read()


def header_length(blob: bytes) -> int:
    return len(MAGIC) + 1 + blob[len(MAGIC)] + 4 + 16 + 7


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17])
def test_every_size_round_trips_and_the_file_has_one_tag_per_chunk(key_file, size):
    data = os.urandom(size)
    blob = encrypted(data)
    assert blob.startswith(MAGIC) and decrypted(blob) == data
    chunks = max(1, -(-size // CHUNK))
    assert len(blob) == header_length(blob) + size + chunks * GCM_TAG_SIZE
    assert load_keyring().active("data").id.encode() in blob[: header_length(blob)]  # the key id in the header


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=5000), positions=st.lists(st.integers(0, 5200), max_size=6))
def test_seeking_anywhere_reads_the_same_bytes_as_the_plaintext(tmp_path_factory, data, positions):
    path = tmp_path_factory.getbasetemp() / "streaming-keyring.json"
    if not path.exists():
        keyring_init(path)
    keyring = load_keyring(path)
    blob = encrypted(data, keyring=keyring)
    reader = DecryptingReader(io.BytesIO(blob), context=CONTEXT, keyring=keyring)
    assert reader.seek(0, os.SEEK_END) == len(data)
    for position in positions:
        reader.seek(position)
        assert reader.read(300) == data[position : position + 300]


class CountingFile(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        data = super().read(n)
        self.bytes_read += len(data)
        return data


def test_reading_decrypts_one_chunk_at_a_time_not_the_whole_file(key_file):
    data = os.urandom(64 * CHUNK)
    raw = CountingFile(encrypted(data))
    reader = DecryptingReader(raw, context=CONTEXT)
    assert reader.read(100) == data[:100]
    assert raw.bytes_read <= header_length(raw.getvalue()) + CHUNK + GCM_TAG_SIZE


def test_a_flipped_byte_fails_its_chunk_and_earlier_chunks_still_read(key_file):
    data = os.urandom(3 * CHUNK)
    blob = bytearray(encrypted(data))
    blob[header_length(blob) + CHUNK + GCM_TAG_SIZE + 5] ^= 0x01  # inside chunk 1
    reader = DecryptingReader(io.BytesIO(bytes(blob)), context=CONTEXT)
    assert reader.read(CHUNK) == data[:CHUNK]
    with pytest.raises(StreamError, match="chunk 1"):
        reader.read(CHUNK)


def test_swapped_chunks_fail(key_file):
    blob = encrypted(os.urandom(3 * CHUNK))
    start, sealed = header_length(blob), CHUNK + GCM_TAG_SIZE
    chunk0, chunk1 = blob[start : start + sealed], blob[start + sealed : start + 2 * sealed]
    swapped = blob[:start] + chunk1 + chunk0 + blob[start + 2 * sealed :]
    with pytest.raises(StreamError):
        decrypted(swapped)


def test_a_file_cut_at_a_chunk_boundary_or_inside_a_chunk_fails(key_file):
    blob = encrypted(os.urandom(3 * CHUNK + 10))
    boundary = header_length(blob) + 2 * (CHUNK + GCM_TAG_SIZE)  # the last two chunks dropped
    with pytest.raises(StreamError):
        decrypted(blob[:boundary])
    with pytest.raises(StreamError):
        decrypted(blob[:-3])
    with pytest.raises(StreamError, match="truncated"):
        decrypted(blob[: header_length(blob)])


def test_bytes_appended_after_the_last_chunk_fail(key_file):
    blob = encrypted(os.urandom(CHUNK))  # one full final chunk
    with pytest.raises(StreamError):
        decrypted(blob + encrypted(b"more")[header_length(blob) :])
    with pytest.raises(StreamError):
        decrypted(blob + b"\x00" * 5)


def test_an_edited_header_fails(key_file):
    blob = bytearray(encrypted(os.urandom(2 * CHUNK)))
    offset = len(MAGIC) + 1 + blob[len(MAGIC)]
    bigger = bytearray(blob)
    bigger[offset : offset + 4] = struct.pack(">I", 2 * CHUNK)  # claims another chunk size
    with pytest.raises(StreamError):
        decrypted(bytes(bigger))
    salted = bytearray(blob)
    salted[offset + 4] ^= 0x01  # the salt
    with pytest.raises(StreamError):
        decrypted(bytes(salted))
    with pytest.raises(StreamError, match="not an encrypted stream"):
        decrypted(b"plain,text\n" * 20)


def test_another_context_does_not_decrypt(key_file):
    with pytest.raises(StreamError):
        decrypted(encrypted(b"x" * 100), context="rights.case_file")


def test_an_unknown_key_id_is_named_not_guessed(key_file, tmp_path, monkeypatch):
    blob = encrypted(b"secret")
    other = tmp_path / "other" / "keyring.json"
    keyring_init(other)
    monkeypatch.setenv("XINYONG_KEY_FILE", str(other))
    reset_keyring_cache()
    with pytest.raises(StreamError, match="unknown data key"):
        decrypted(blob)


def test_files_written_before_a_data_key_rotation_stay_readable(key_file):
    old_blob = encrypted(b"before rotation")
    old_id = load_keyring().active("data").id
    keyring_rotate(key_file, "data")
    reset_keyring_cache()
    new_blob = encrypted(b"after rotation")
    assert decrypted(old_blob) == b"before rotation" and decrypted(new_blob) == b"after rotation"
    assert old_id.encode() in old_blob[:64] and old_id.encode() not in new_blob[:64]


def test_encrypt_file_creates_a_0600_file_and_never_replaces_one(key_file, tmp_path):
    target = tmp_path / "upload.xystrm"
    writer = encrypt_file(iter([b"a,b\n", b"1,2\n"]), target, context=CONTEXT)
    assert target.stat().st_mode & 0o777 == 0o600 and writer.plaintext_bytes == 8
    with open_decrypting(target, context=CONTEXT) as reader:
        assert reader.read() == b"a,b\n1,2\n"
    with pytest.raises(FileExistsError):
        encrypt_file(io.BytesIO(b"x"), target, context=CONTEXT)


def test_a_writer_never_closed_leaves_a_file_that_does_not_decrypt(key_file, tmp_path):
    target = tmp_path / "partial.xystrm"
    writer = EncryptingWriter(target.open("wb"), context=CONTEXT, chunk_size=CHUNK)
    writer.write(os.urandom(3 * CHUNK))
    del writer  # dropped (a crash, an exception): no last chunk is written
    with pytest.raises(StreamError):
        decrypted(target.read_bytes())
