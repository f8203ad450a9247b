"""Uploads are measured while they arrive (issue 12 finding 5): a case file past the limit is refused with a Chinese
error beside its field and was never buffered whole; request bodies, files and fields per request are capped.

The limit is lowered for the tests (a body just above it stands for the 400 MB an assessor sent).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import PDF

from xinyong.core.errors import ServiceError
from xinyong.rights.models import Case
from xinyong.rights.services import objection_file
from xinyong.web.testing import text_of

pytestmark = pytest.mark.django_db

LIMIT = 2**20  # 1 MB for the tests
CHUNK = 64 * 2**10  # Django's upload chunk size


def objection_form(**extra) -> dict:
    return {"reasons": "该处罚决定已被复议机关撤销，信息有误。", "requested_change": "", "filed_by": "subject",
            "agent_name": "", **extra}


@pytest.fixture
def buffered(monkeypatch):
    """What Django's own handlers (memory and temporary file) were handed, and the temporary files they made."""
    seen = {"bytes": 0, "temporary_files": []}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def counting(self, raw_data, start, _original=original):
            if getattr(self, "activated", True):  # the memory handler keeps a chunk only when activated
                seen["bytes"] += len(raw_data)
            return _original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", counting)
    original_new_file = TemporaryFileUploadHandler.new_file

    def remembering(self, *args, **kwargs):
        original_new_file(self, *args, **kwargs)
        seen["temporary_files"].append(Path(self.file.temporary_file_path()))

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", remembering)
    return seen


@pytest.mark.parametrize("size", [LIMIT + 5 * CHUNK, 3 * LIMIT], ids=["kept-in-memory", "spooled-to-disk"])
def test_a_case_file_past_the_limit_is_refused_while_it_arrives_and_was_never_buffered_whole(
    portal_client, record, settings, buffered, size
):
    settings.XINYONG_CASE_FILE_MAX_BYTES = LIMIT
    big = SimpleUploadedFile("证据.pdf", PDF + b"0" * (size - len(PDF)), content_type="application/pdf")
    response = portal_client.post(f"/rights/objections/new/?record={record.pk}", objection_form(evidence=[big]))
    assert response.status_code == 400
    error = re.search(r'id="id_evidence_error">(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert "文件“证据.pdf”超过 1 MB。" in error
    assert "该处罚决定已被复议机关撤销" in text_of(response)  # the rest of the form came back to be sent again
    assert buffered["bytes"] <= LIMIT < size  # Django's handlers stopped receiving at the limit
    assert all(not path.exists() for path in buffered["temporary_files"])  # the partial copy is gone
    assert not Case.objects.exists()


def test_a_case_file_within_the_limit_is_filed(portal_client, record, settings):
    settings.XINYONG_CASE_FILE_MAX_BYTES = LIMIT
    fits = SimpleUploadedFile("证据.pdf", PDF + b"0" * (LIMIT - len(PDF)), content_type="application/pdf")
    response = portal_client.post(f"/rights/objections/new/?record={record.pk}", objection_form(evidence=[fits]))
    assert response.status_code == 302
    assert Case.objects.get(record=record).files.get().size == LIMIT


class ClaimedHuge:
    """An upload that says it is 400 MB: the service must refuse it on its size, without reading it."""

    name = "证据.pdf"
    size = 400 * 2**20

    def read(self, *args):
        raise AssertionError("a file above the limit was read")


def test_the_service_refuses_a_file_by_its_size_before_reading_it(record, account):
    with pytest.raises(ServiceError) as raised:
        objection_file(subject=record.subject, record=record, reasons="处罚金额有误。", applicant=account,
                       evidence=[ClaimedHuge()])
    assert (raised.value.code, raised.value.field) == ("file_too_large", "evidence")
    assert str(raised.value.message) == "文件“证据.pdf”超过 10 MB。"


def test_too_many_files_in_one_request_are_refused_with_a_chinese_page(portal_client, record, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [SimpleUploadedFile(f"证据{i}.pdf", PDF, content_type="application/pdf") for i in range(4)]
    response = portal_client.post(f"/rights/objections/new/?record={record.pk}", objection_form(evidence=files))
    assert response.status_code == 400
    assert "一次请求中的文件过多：最多3个。" in text_of(response)
    assert not Case.objects.exists()


def test_an_api_body_past_the_cap_is_refused_with_413_in_the_platforms_format(make_org, api_client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2**20
    client = api_client_for(make_org(), ("measure_implementer",))
    subjects = [{"identifier_type": "uscc", "identifier": "9113080000000000XX"}] * 30_000  # about 2 MB
    response = client.post("/api/v1/checks", {"scenario": "procurement", "subjects": subjects},
                           content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"code": "request_too_large", "field": None,
                               "message": "请求过大：除文件外，一次请求的内容最多1 MB。"}


def test_reasons_with_a_control_character_are_refused_beside_the_field(portal_client, record):
    """Names and reasons typed in a form are checked like submitted ones (issue 12 finding 8)."""
    response = portal_client.post(f"/rights/objections/new/?record={record.pk}",
                                  objection_form(reasons="信息有误\x1b[2J请更正"))
    assert response.status_code == 400
    error = re.search(r'id="id_reasons_error">(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert "不能包含控制字符（第5个字符为U+001B）" in error
    assert not Case.objects.exists()
