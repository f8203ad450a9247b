"""Uploads are measured while they stream, never read whole before their size is known (issue 12 finding 5).

`SizeLimitedUploadHandler` is the first of `FILE_UPLOAD_HANDLERS`. It counts each file's bytes as the request
body is parsed and passes them on to Django's handlers (memory for small requests, a temporary file on disk for
the others) only up to the view's limit. Past it, the file's partial copy is discarded, the rest of it is read
from the connection and dropped, and the file reaches the view as an `OversizedUpload`: an empty stand-in whose
`size` is above the limit, so the form or service that checks the size refuses it with its usual message, and
nothing was buffered. The other fields of the form still arrive, so the page can show the error beside them.

A view states its limit with `@upload_limit(bytes or a callable giving bytes)` (an API operation too); the others
get `settings.XINYONG_UPLOAD_MAX_BYTES`, the largest file the platform takes (a department's submission).
Request bodies outside files are capped by Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`, the number of files and of
fields by `DATA_UPLOAD_MAX_NUMBER_FILES` and `DATA_UPLOAD_MAX_NUMBER_FIELDS` (xinyong/settings.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext_lazy as _

from xinyong.core.errors import ServiceError

UPLOAD_LIMIT_ATTRIBUTE = "upload_max_bytes"


def upload_limit(max_bytes: int | Callable[[], int]):
    """Decorate a view (or an API operation) with the largest file it takes, in bytes."""

    def decorate(view):
        setattr(view, UPLOAD_LIMIT_ATTRIBUTE, max_bytes)
        return view

    return decorate


def _declared_limit(request):
    match = getattr(request, "resolver_match", None)
    view = getattr(match, "func", None)
    limit = getattr(view, UPLOAD_LIMIT_ATTRIBUTE, None)
    if limit is None:
        # An API path: django-ninja routes it through one view per path; the operation for the method knows.
        for operation in getattr(getattr(view, "__self__", None), "operations", ()):
            if request.method in getattr(operation, "methods", ()):
                limit = getattr(operation.view_func, UPLOAD_LIMIT_ATTRIBUTE, None)
    return limit


def upload_limit_for(request) -> int:
    """The largest file, in bytes, the view that `request` goes to takes."""
    limit = _declared_limit(request) if request is not None else None
    if callable(limit):
        limit = limit()
    return int(limit) if limit else int(settings.XINYONG_UPLOAD_MAX_BYTES)


class OversizedUpload(UploadedFile):
    """A file that passed the limit while it arrived: no content, `size` above the limit."""

    oversized = True

    def __init__(self, *, name: str, content_type: str, size: int, limit: int, field_name: str = ""):
        super().__init__(file=io.BytesIO(b""), name=name, content_type=content_type, size=size)
        self.limit = limit
        self.field_name = field_name


class SizeLimitedUploadHandler(FileUploadHandler):
    """Passes each file's bytes on up to the view's limit; past it, keeps nothing (see the module)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit_for(request)
        self.received = 0
        self.oversized = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data, start):
        if self.oversized:
            return None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.oversized = True
            self._discard_partial_copies()
            return None
        return raw_data

    def _discard_partial_copies(self) -> None:
        for handler in getattr(self.request, "upload_handlers", ()):
            partial = getattr(handler, "file", None) if handler is not self else None
            if partial is not None:
                partial.close()  # a temporary file is deleted when closed

    def file_complete(self, file_size):
        if not self.oversized:
            return None
        return OversizedUpload(name=self.file_name, content_type=self.content_type or "", size=self.received,
                               limit=self.limit, field_name=self.field_name)


def too_large(name: str, limit: int, *, field: str | None = "file") -> ServiceError:
    return ServiceError(
        "file_too_large",
        _("The file “%(name)s” is larger than %(size)s MB.") % {"name": name or "", "size": _megabytes(limit)},
        field=field,
    )


def _megabytes(size: int) -> str:
    megabytes = size / 2**20
    return str(int(megabytes)) if megabytes >= 1 and megabytes.is_integer() else f"{megabytes:.2g}"


def check_upload_size(upload, limit: int, *, field: str | None = "file") -> None:
    """Refuse a file above `limit` bytes before anything reads it (an `OversizedUpload` always is)."""
    if upload is not None and (getattr(upload, "oversized", False) or (getattr(upload, "size", 0) or 0) > limit):
        raise too_large(getattr(upload, "name", "") or "", limit, field=field)


def read_limited(upload, limit: int, *, field: str | None = "file") -> bytes:
    """The whole content of a file of at most `limit` bytes: its size is checked first, and no more than
    `limit` + 1 bytes are ever read, whatever the size claimed."""
    check_upload_size(upload, limit, field=field)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_large(getattr(upload, "name", "") or "", limit, field=field)
    return content


def request_refusal(exception) -> tuple[int, str, str] | None:
    """(status, code, message) for a request Django refused while reading its body, else None: too large
    outside its files, or too many files or fields (the API and the pages answer with it)."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    if isinstance(exception, RequestDataTooBig):
        return 413, "request_too_large", str(_(
            "The request is too large: apart from files, a request may hold at most %(size)s MB."
        ) % {"size": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)})
    if isinstance(exception, TooManyFilesSent):
        return 400, "too_many_files", str(_("Too many files in one request: at most %(count)s.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
    if isinstance(exception, TooManyFieldsSent):
        return 400, "too_many_fields", str(_("Too many fields in one request: at most %(count)s.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})
    return None
