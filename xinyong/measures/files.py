"""Reading a batch of identifiers to check from a department's file (CSV in UTF-8 or GB18030, or XLSX).

The file has a header row. Either two columns — the identifier type (`identifier_type`, 证件类型, 主体标识类型)
and the identifier (`identifier`, 证件号码, 主体标识, 统一社会信用代码) — or a single 统一社会信用代码 column,
which makes every row a USCC. The type is never guessed from the shape of a number (`xinyong.core.identifiers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.core.errors import ServiceError, bilingual
from xinyong.core.identifiers import normalize
from xinyong.ingestion.readers import SubmissionRefused, open_source

_TYPE_HEADERS = frozenset({"IDENTIFIER_TYPE", "证件类型", "主体标识类型", "标识类型", "证照类型"})
_VALUE_HEADERS = frozenset({"IDENTIFIER", "证件号码", "主体标识", "标识", "统一社会信用代码", "证照号码"})
_USCC_HEADER = "统一社会信用代码"
#: The largest check file taken: 10,000 rows of CSV or XLSX need far less (measured while uploaded).
MAX_CHECK_FILE_BYTES = 20 * 2**20


@dataclass(frozen=True)
class IdentifierFile:
    identifiers: list[tuple[str, str]]
    digest: str
    file_name: str


def _refuse(code: str, zh: str, en: str) -> ServiceError:
    return ServiceError(code, bilingual(zh, en), field="file")


def identifiers_from_file(stream, *, file_name: str = "", limit: int) -> IdentifierFile:
    """The (type, identifier) pairs of a file, at most `limit` of them; blank rows are skipped."""
    try:
        source = open_source(stream, file_name=file_name)
    except SubmissionRefused as exc:
        raise ServiceError(exc.code, exc.message, field="file") from None
    try:
        if source.format not in ("csv", "xlsx"):
            raise _refuse("unknown_format", "核查文件应为CSV或XLSX格式", "a check file is CSV or XLSX")
        headers = [normalize(h) for h in source.headers]
        type_column = next((i for i, h in enumerate(headers) if h in _TYPE_HEADERS), None)
        value_column = next((i for i, h in enumerate(headers) if h in _VALUE_HEADERS), None)
        if value_column is None:
            raise _refuse("missing_column", "文件缺少“证件号码”或“统一社会信用代码”列",
                          "the file has no identifier column (证件号码 or 统一社会信用代码)")
        if type_column is None and headers[value_column] != _USCC_HEADER:
            raise _refuse("missing_column", "文件缺少“证件类型”列", "the file has no identifier type column (证件类型)")
        identifiers: list[tuple[str, str]] = []
        try:
            for row in source.rows:
                cells = ["" if c is None else str(c) for c in row]
                value = cells[value_column].strip() if value_column < len(cells) else ""
                kind = cells[type_column].strip() if type_column is not None and type_column < len(cells) else ""
                if not value and not kind:
                    continue
                identifiers.append((kind if type_column is not None else "uscc", value))
                if len(identifiers) > limit:
                    raise _refuse("too_many_subjects", f"一次最多核查{limit}个主体",
                                  f"at most {limit} subjects per check")
        except SubmissionRefused as exc:
            raise ServiceError(exc.code, exc.message, field="file") from None
        if not identifiers:
            raise _refuse("empty_file", "文件中没有要核查的主体", "the file lists no subject to check")
        return IdentifierFile(identifiers, source.digest(), source.file_name or file_name)
    finally:
        source.close()
