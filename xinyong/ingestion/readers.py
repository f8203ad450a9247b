"""Reading submitted files row by row, in bounded memory (Art 18; domain facts §3).

CSV in UTF-8, UTF-8 with BOM or GB18030/GBK (detected: BOM → strict UTF-8 → GB18030), XLSX through
python-calamine (date cells arrive as dates; serial numbers in general-format cells are parsed by the
validator), JSON Lines (one object per line). The SM3 digest of the file's bytes is computed while reading.
A stored upload arrives as the seekable decrypting stream of `xinyong.ingestion.uploads.upload_open` and is
read like any file: nothing is decrypted to disk (calamine reads an XLSX workbook into memory from it).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xinyong.core.crypto import get_provider
from xinyong.core.errors import ServiceError, bilingual
from xinyong.ingestion.choices import FileFormat

_BLOCK = 1 << 20
_DETECT_LIMIT = 256 << 20  # scan at most this far for the first non-ASCII bytes
_XLSX_MAGIC = b"PK\x03\x04"


class SubmissionRefused(ServiceError):
    """The submission is refused as a whole (prohibited or unknown column, unreadable file …): nothing is
    stored. `field` names the column when there is one."""

    status = 422


class _Sm3:
    """Incremental SM3 through the crypto provider when it offers one, else hashlib's OpenSSL SM3."""

    def __init__(self):
        import hashlib

        self._hash = hashlib.new("sm3")
        # The provider computes the same function; this is only the incremental form of it.
        assert get_provider().sm3(b"abc") == hashlib.new("sm3", b"abc").digest()

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class HashingReader(io.RawIOBase):
    """A binary stream that feeds every byte it returns into an SM3 digest."""

    def __init__(self, raw):
        self._raw = raw
        self.digest = _Sm3()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self.digest.update(data)
        self.bytes_read += n
        return n


@dataclass
class Source:
    """An opened submission: its headers and an iterator of rows (lists aligned with the headers, or dicts
    for JSON formats)."""

    format: str
    encoding: str
    headers: list[str]
    rows: Iterator[Any]
    file_name: str = ""
    _digest: Any = None
    _digest_value: str = ""
    _closers: list = field(default_factory=list)

    def digest(self) -> str:
        """The SM3 of the file's bytes (complete once the rows are exhausted)."""
        return self._digest_value or (self._digest.hexdigest() if self._digest is not None else "")

    def close(self) -> None:
        for closer in self._closers:
            with contextlib.suppress(Exception):  # closing a reader must not hide the real error
                closer()


def _refuse(code: str, zh: str, en: str, field: str | None = None) -> SubmissionRefused:
    return SubmissionRefused(code, bilingual(zh, en), field=field)


def detect_format(path: Path | None, head: bytes, fmt: str | None) -> str:
    if fmt:
        try:
            return FileFormat(fmt.lower()).value
        except ValueError:
            raise _refuse("unknown_format", f"不支持的文件格式：{fmt}", f"unsupported format {fmt}") from None
    suffix = path.suffix.lower() if path is not None else ""
    if suffix in (".xlsx", ".xlsm") or head.startswith(_XLSX_MAGIC):
        return FileFormat.XLSX
    if suffix in (".jsonl", ".ndjson"):
        return FileFormat.JSONL
    if suffix == ".json":
        return FileFormat.JSONL if not head.lstrip().startswith(b"[") else FileFormat.JSON
    if head.lstrip()[:1] == b"{":
        return FileFormat.JSONL
    return FileFormat.CSV


def detect_encoding(stream) -> str:
    """BOM → strict UTF-8 → GB18030, deciding on the first block that holds non-ASCII bytes."""
    start = stream.tell()
    try:
        first = stream.read(4)
        if first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        stream.seek(start)
        scanned = 0
        while scanned < _DETECT_LIMIT:
            block = stream.read(_BLOCK)
            if not block:
                return "utf-8"
            scanned += len(block)
            if block.isascii():
                continue
            # Earlier blocks were ASCII, so this block starts on a character boundary.
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            try:
                decoder.decode(block, final=False)
            except UnicodeDecodeError:
                return "gb18030"
            return "utf-8"
        return "utf-8"
    finally:
        stream.seek(start)


def open_source(path_or_stream, fmt: str | None = None, file_name: str = "") -> Source:
    """Open a path or a binary stream for reading rows. Streams that cannot seek are spooled to a temporary
    file first (XLSX needs random access; encoding detection reads ahead)."""
    closers = []
    path = None
    if isinstance(path_or_stream, str | os.PathLike):
        path = Path(path_or_stream)
        file_name = file_name or path.name
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise _refuse("unreadable_file", f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}") from None
        closers.append(stream.close)
    else:
        stream = path_or_stream
        file_name = file_name or os.path.basename(getattr(stream, "name", "") or "")
        if not (hasattr(stream, "seekable") and stream.seekable()):
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the source
            shutil.copyfileobj(stream, spool, _BLOCK)
            spool.seek(0)
            stream = spool
            closers.append(spool.close)
        if path is None and file_name:
            path = Path(file_name)
    start = stream.tell()
    head = stream.read(8)
    stream.seek(start)
    kind = detect_format(path, head, fmt)
    try:
        if kind == FileFormat.XLSX:
            source = _open_xlsx(stream)
        elif kind in (FileFormat.JSONL, FileFormat.JSON):
            source = _open_jsonl(stream)
        else:
            source = _open_csv(stream)
    except SubmissionRefused:
        for closer in closers:
            closer()
        raise
    source.file_name = file_name
    source._closers.extend(closers)
    return source


def _open_csv(stream) -> Source:
    encoding = detect_encoding(stream)
    hashing = HashingReader(stream)
    text = io.TextIOWrapper(io.BufferedReader(hashing, _BLOCK), encoding=encoding, errors="strict", newline="")
    try:
        first_line = text.readline()
    except UnicodeDecodeError:
        raise _refuse("unreadable_encoding", "文件编码无法识别（应为UTF-8或GB18030/GBK）",
                      "the file's encoding is not UTF-8 or GB18030/GBK") from None
    if not first_line.strip():
        raise _refuse("empty_file", "文件为空或缺少表头行", "the file is empty or has no header row")
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    headers = next(csv.reader([first_line], delimiter=delimiter))
    reader = csv.reader(text, delimiter=delimiter)

    def rows():
        try:
            yield from reader
        except UnicodeDecodeError:
            raise _refuse("unreadable_encoding", f"文件在第{reader.line_num + 1}行附近含有无法按{encoding}解码的字节",
                          f"undecodable bytes near line {reader.line_num + 1} ({encoding})") from None
        except csv.Error as exc:
            raise _refuse("malformed_csv", f"CSV格式错误（第{reader.line_num}行）：{exc}",
                          f"malformed CSV at line {reader.line_num}: {exc}") from None

    return Source(format=FileFormat.CSV, encoding="gb18030" if encoding == "gb18030" else
                  ("utf-8-bom" if encoding == "utf-8-sig" else "utf-8"), headers=headers, rows=rows(),
                  _digest=hashing.digest)


def _digest_of(stream) -> str:
    digest = _Sm3()
    start = stream.tell()
    while block := stream.read(_BLOCK):
        digest.update(block)
    stream.seek(start)
    return digest.hexdigest()


def _open_xlsx(stream) -> Source:
    from python_calamine import CalamineError, CalamineWorkbook

    digest = _digest_of(stream)
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        sheet = workbook.get_sheet_by_index(0)
        iterator = iter(sheet.iter_rows())
    except (CalamineError, ValueError, OSError) as exc:
        raise _refuse("unreadable_file", f"无法读取Excel文件：{exc}", f"cannot read the workbook: {exc}") from None
    headers: list[str] | None = None
    for row in iterator:
        if any(cell not in ("", None) for cell in row):
            headers = ["" if cell is None else str(cell) for cell in row]
            break
    if headers is None:
        raise _refuse("empty_file", "工作表为空或缺少表头行", "the first sheet is empty")
    while headers and not headers[-1].strip():
        headers.pop()

    def rows():
        for row in iterator:
            if all(cell in ("", None) for cell in row):
                yield []  # keeps row numbers in step with the sheet; skipped as empty
                continue
            yield list(row)

    source = Source(format=FileFormat.XLSX, encoding="", headers=headers, rows=rows(), _digest_value=digest)
    source._closers.append(workbook.close)
    return source


def _open_jsonl(stream) -> Source:
    hashing = HashingReader(stream)
    buffered = io.BufferedReader(hashing, _BLOCK)
    start = buffered.peek(1)[:1]
    if start == b"[":
        # A JSON array of objects (API uploads): parsed whole; bounded by the API's 10,000-record limit.
        try:
            records = json.loads(buffered.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _refuse("malformed_json", f"JSON格式错误：{exc}", f"malformed JSON: {exc}") from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise _refuse("malformed_json", "JSON应为对象数组", "expected an array of objects")
        headers = list(dict.fromkeys(k for r in records for k in r))
        return Source(format=FileFormat.JSON, encoding="utf-8", headers=headers, rows=iter(records),
                      _digest=hashing.digest)
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict")

    def objects():
        for number, line in enumerate(text, start=1):
            if not line.strip():
                yield {}
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                raise _refuse("malformed_json", f"第{number}行不是有效的JSON：{exc}",
                              f"line {number} is not valid JSON: {exc}") from None
            if not isinstance(value, dict):
                raise _refuse("malformed_json", f"第{number}行应为JSON对象", f"line {number} is not an object")
            yield value

    try:
        iterator = objects()
        first = next(iterator, None)
    except UnicodeDecodeError:
        raise _refuse("unreadable_encoding", "JSON Lines文件应为UTF-8编码", "JSON Lines must be UTF-8") from None
    if not first:
        raise _refuse("empty_file", "文件为空", "the file is empty")

    def rows():
        yield first
        try:
            yield from iterator
        except UnicodeDecodeError:
            raise _refuse("unreadable_encoding", "JSON Lines文件应为UTF-8编码", "JSON Lines must be UTF-8") from None

    return Source(format=FileFormat.JSONL, encoding="utf-8", headers=list(first), rows=rows(),
                  _digest=hashing.digest)


def records_source(records: list[dict]) -> Source:
    """API records (already parsed JSON objects) as a source; the digest is over their canonical JSON."""
    payload = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    digest = _Sm3()
    digest.update(payload)
    headers = list(dict.fromkeys(k for r in records for k in r))
    return Source(format=FileFormat.JSON, encoding="utf-8", headers=headers, rows=iter(records),
                  _digest_value=digest.hexdigest())


