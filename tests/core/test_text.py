"""Names and reasons: NFKC, and control, line-break, bidirectional, invisible and unassigned characters refused
with a coded Chinese error naming the character (issue 12 finding 8). The ingestion row, the form and the API
refusals are in tests/ingestion/test_text_fields.py, tests/rights/test_rights_text.py and below."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.core.identifiers import make_citizen_id
from xinyong.core.text import TextRefused, clean_text
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.smoke


def refusal(value: str, **kwargs) -> TextRefused:
    with pytest.raises(TextRefused) as raised:
        clean_text(value, **kwargs)
    return raised.value


def test_legitimate_text_is_normalised_with_nfkc():
    assert clean_text("承德市ＡＢＣ商贸有限公司１２３") == "承德市ABC商贸有限公司123"
    assert clean_text("Plain ASCII name") == "Plain ASCII name"
    assert clean_text("罚款已于三月缴清。\n整改报告附后。", multiline=True) == "罚款已于三月缴清。\n整改报告附后。"
    assert clean_text("第一行\r\n第二行\r第三行", multiline=True) == "第一行\n第二行\n第三行"
    assert clean_text("甲\t乙", multiline=True) == "甲\t乙"


def test_the_full_width_punctuation_of_chinese_text_is_kept():
    text = "经核实，罚款金额应为五千元（￥5000）：见附件；另有说明……　完。"
    assert clean_text(text, multiline=True) == text
    assert clean_text("ＡＢＣ，１２３") == "ABC，123"


def test_an_escape_character_is_refused_naming_it_and_its_position():
    refused = refusal("承德\x1b[31m公司")
    assert refused.code == "control_character"
    assert refused.message_zh == "不能包含控制字符（第3个字符为U+001B）"
    assert str(refused.message) == refused.message_zh  # Chinese by default
    assert refused.position == 3 and refused.character == "\x1b"


@pytest.mark.parametrize("value", ["承德市\r\n某公司", "承德市\n某公司", "承德市\u2028某公司", "承德市\x85某公司"])
def test_a_line_break_inside_a_name_is_refused(value):
    assert refusal(value).code == "line_break"
    assert refusal(value).message_zh.startswith("不能换行")


@pytest.mark.parametrize(("value", "code"), [
    ("承德\u202e司公", "bidi_control"),  # RIGHT-TO-LEFT OVERRIDE
    ("承德\u2066公司\u2069", "bidi_control"),  # isolates
    ("承德\u200f公司", "bidi_control"),
    ("承德\u200b公司", "invisible_character"),  # zero-width space
    ("承德\ufeff公司", "invisible_character"),
    ("承德\u0378公司", "unassigned_character"),
    ("承德\U000e0001公司", "invisible_character"),  # a tag character
    ("承德\x00公司", "control_character"),
    ("承德\x7f公司", "control_character"),
    ("承德\x9b公司", "control_character"),  # C1 control sequence introducer
    ("承德\t公司", "control_character"),  # a tab has no place in a name
])
def test_characters_without_a_place_in_text_are_refused(value, code):
    assert refusal(value).code == code


def test_multiline_text_refuses_control_characters_but_not_its_line_breaks():
    assert refusal("第一行\n第二行\x1b", multiline=True).code == "control_character"
    assert refusal("第一行\n\u202e第二行", multiline=True).code == "bidi_control"


def test_private_use_and_ideographic_plane_characters_of_rare_names_pass():
    assert clean_text("王\ue000明") == "王\ue000明"
    assert clean_text("张\U00030000") == "张\U00030000"  # CJK Extension G


@pytest.fixture
def city_submitter(make_org, api_client_for):
    return api_client_for(make_org(name="承德市市场监督管理局"), {"data_submitter"})


PERSON_ID = make_citizen_id("130821", dt.date(1979, 11, 2), 311)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "code"), [("王\x1b五", "control_character"), ("王\r\n五", "line_break"),
                                            ("王\u202e五", "bidi_control")])
def test_the_api_refuses_such_a_name_with_422_and_the_code(city_submitter, name, code):
    payload = {"kind": "natural_person", "identifier_type": "id", "identifier": PERSON_ID, "name": name,
               "division": "130821"}
    response = city_submitter.post("/api/v1/subjects", payload, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == (code, "name")
    assert "第2个字符为U+" in body["message"]
    assert not Subject.objects.exists()


@pytest.mark.django_db
def test_the_api_stores_the_normalised_name(city_submitter):
    payload = {"kind": "natural_person", "identifier_type": "id", "identifier": PERSON_ID, "name": "王五Ａ",
               "division": "130821"}
    response = city_submitter.post("/api/v1/subjects", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Subject.objects.get().name == "王五A"
