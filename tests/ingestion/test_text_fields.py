"""A submitted row whose name or reasons hold control characters is rejected with a row error naming the row, the
field and the character; legitimate line breaks in free text are kept (issue 12 finding 8)."""

from __future__ import annotations

import pytest
from ingestion_fixtures import penalty_row

from xinyong.catalog.selectors import field_for_header
from xinyong.records.models import CreditRecord, RecordRevision

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def by_code(item, row):
    return {field_for_header(item, h).code: v for h, v in row.items()}


@pytest.fixture
def submitter(penalty, provider, api_client_for):
    return api_client_for(provider, {"data_submitter"})


def submit(submitter, penalty, rows):
    return submitter.post("/api/v1/submissions/admin-penalty/batches", [by_code(penalty, r) for r in rows],
                          content_type="application/json")


@pytest.mark.parametrize(("header", "value", "code", "message"), [
    ("行政相对人名称", "承德市\x1b[2J测试商贸有限公司", "control_character", "不能包含控制字符（第4个字符为U+001B）"),
    ("行政相对人名称", "承德市测试\r\n商贸有限公司", "line_break", "不能换行（第6个字符为U+000D）"),
    ("违法事实", "销售\u202e品产格合不", "bidi_control", "不能包含改变文字方向的控制字符（第3个字符为U+202E）"),
    ("违法事实", "销售\u0378不合格产品", "unassigned_character", "不能包含未分配的Unicode字符（第3个字符为U+0378）"),
])
def test_a_row_with_a_control_character_is_rejected_naming_row_field_and_character(
    penalty, provider, submitter, header, value, code, message
):
    rows = [penalty_row(provider.uscc), penalty_row(provider.uscc, **{header: value})]
    response = submit(submitter, penalty, rows)
    assert response.status_code == 200, response.content
    assert (response.json()["accepted"], response.json()["rejected"]) == (1, 1)
    rejections = submitter.get(f"/api/v1/submissions/batches/{response.json()['batch']}/rejections").json()
    field = field_for_header(penalty, header)
    assert [(r["row"], r["field"], r["code"]) for r in rejections] == [(3, field.code, code)]  # after the header
    assert rejections[0]["message"] == f"{field.name}：{message}"
    assert not CreditRecord.objects.filter(subject__name__contains="\x1b").exists()


def test_line_breaks_in_free_text_are_kept(penalty, provider, submitter):
    response = submit(submitter, penalty, [penalty_row(provider.uscc, **{"违法事实": "销售不合格产品\r\n涉及三批次"})])
    assert response.json()["accepted"] == 1, response.content
    field = field_for_header(penalty, "违法事实")
    assert RecordRevision.objects.get().data[field.code] == "销售不合格产品\n涉及三批次"
