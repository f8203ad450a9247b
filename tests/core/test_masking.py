"""Masking for display: natural persons' identifiers, names and phones are masked (Art 19); the USCC of an
organization is public and shown unchanged (Art 20)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core.identifiers import (
    EARLIEST_BIRTH_DATE,
    PROVINCE_CODES,
    IdentifierType,
    citizen_id_check_character,
    make_citizen_id,
)
from xinyong.core.masking import mask_identifier, mask_name, mask_phone

pytestmark = pytest.mark.articles("Art 19")

DIGITS = "0123456789"
LONG_DIGIT_RUN = re.compile(r"\d{8,}")

citizen_ids_18 = st.builds(
    make_citizen_id,
    st.builds(
        lambda p, r: p + r, st.sampled_from(sorted(PROVINCE_CODES)), st.text(DIGITS, min_size=4, max_size=4)
    ),
    st.dates(min_value=EARLIEST_BIRTH_DATE, max_value=date.today()),
    st.integers(min_value=0, max_value=999),
)
citizen_ids_15 = citizen_ids_18.map(lambda value: value[:6] + value[8:17])
any_citizen_id = citizen_ids_18 | citizen_ids_15
any_type = (
    st.sampled_from(list(IdentifierType)) | st.sampled_from(["10", "居民身份证", "unknown", ""]) | st.text()
)


def _as_typed(value: str, data: st.DataObject) -> str:
    """The same number as a person might type or an export might carry it: full-width digits, spaces."""
    flags = data.draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
    typed = "".join(chr(ord(c) + 0xFEE0) if flag else c for c, flag in zip(value, flags, strict=True))
    return data.draw(st.sampled_from(["", " ", "\u3000"])) + typed.lower()


# --- identifiers ------------------------------------------------------------------------------------------


def test_an_18_digit_citizen_id_keeps_the_first_6_and_last_4_characters() -> None:
    assert mask_identifier(IdentifierType.CITIZEN_ID, "130802199001011235") == "130802********1235"


def test_a_15_digit_citizen_id_keeps_the_first_6_and_last_3_characters() -> None:
    assert mask_identifier("id", "110105491231002") == "110105******002"


def test_a_citizen_id_with_a_lower_case_x_is_masked_in_normal_form() -> None:
    assert mask_identifier("id", "11010519491231002x") == "110105********002X"


def test_a_full_width_citizen_id_is_masked_like_its_half_width_form() -> None:
    assert mask_identifier("id", "１３０８０２１９９００１０１１２３５") == "130802********1235"


def test_an_18_character_foreign_resident_id_keeps_the_first_4_and_last_4_characters() -> None:
    body = "98401119900101001"
    value = body + citizen_id_check_character(body)
    assert mask_identifier(IdentifierType.FOREIGN_PR, value) == value[:4] + "*" * 10 + value[-4:]


def test_an_old_15_character_foreign_resident_id_keeps_the_country_letters_and_last_2() -> None:
    assert mask_identifier(IdentifierType.FOREIGN_PR, "USA123456789012") == "USA**********12"


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        (IdentifierType.HK_MACAU, "H12345678", "H1*****78"),
        (IdentifierType.HK_MACAU, "H1234567801", "H1*******01"),
        (IdentifierType.TAIWAN, "12345678", "12****78"),
        (IdentifierType.PASSPORT, "E12345678", "E1*****78"),
        (IdentifierType.PASSPORT, "G1234", "G**34"),
    ],
)
def test_travel_permits_and_passports_keep_the_first_1_or_2_and_last_2_characters(
    kind: IdentifierType, value: str, masked: str
) -> None:
    assert mask_identifier(kind, value) == masked


def test_a_uscc_is_public_and_returned_unchanged() -> None:
    assert mask_identifier(IdentifierType.USCC, "91110000600037341L") == "91110000600037341L"
    assert mask_identifier("uscc", "Y1130800MA0ABCDEFR") == "Y1130800MA0ABCDEFR"


def test_a_citizen_id_filed_as_a_uscc_is_still_masked() -> None:
    assert mask_identifier(IdentifierType.USCC, "11010519491231002X") == "110105********002X"
    # Passes both checks by coincidence; masking a public code is harmless, leaking an ID number is not.
    assert mask_identifier(IdentifierType.USCC, "130802199001030014") == "130802********0014"


def test_a_malformed_uscc_with_a_long_digit_run_is_masked() -> None:
    assert mask_identifier(IdentifierType.USCC, "110105194912310021") == "110105********0021"
    assert mask_identifier(IdentifierType.USCC, "123456789") == "1*******9"


def test_an_unknown_type_masks_all_but_the_first_and_last_characters() -> None:
    assert mask_identifier("social-security", "ABCDEF12") == "A******2"
    assert mask_identifier("social-security", "AB") == "**"


def test_a_malformed_citizen_id_masks_all_but_the_first_and_last_characters() -> None:
    assert mask_identifier("id", "1301234") == "1*****4"


def test_nothing_to_mask_gives_an_empty_string() -> None:
    assert mask_identifier("id", None) == ""
    assert mask_identifier("id", "  ") == ""


@given(kind=any_type, value=any_citizen_id, data=st.data())
def test_masking_never_reveals_8_consecutive_digits_of_a_citizen_id_whatever_the_type(
    kind: object, value: str, data: st.DataObject
) -> None:
    masked = mask_identifier(kind, _as_typed(value, data))  # type: ignore[arg-type]
    assert not LONG_DIGIT_RUN.search(masked)


@given(
    kind=st.sampled_from([t for t in IdentifierType if t is not IdentifierType.USCC]) | st.text(),
    value=st.text(DIGITS + "Xx HM０１２３４５６７８９", max_size=40),
)
def test_masking_any_person_identifier_never_returns_8_consecutive_digits(kind: object, value: str) -> None:
    assert not LONG_DIGIT_RUN.search(mask_identifier(kind, value))  # type: ignore[arg-type]


@given(value=citizen_ids_18)
def test_a_masked_citizen_id_keeps_its_length_and_its_ends(value: str) -> None:
    masked = mask_identifier("id", value)
    assert len(masked) == 18
    assert masked.startswith(value[:6]) and masked.endswith(value[-4:])
    assert masked[6:14] == "*" * 8


# --- names and phones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张**"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳锋", "欧阳**"),
        ("欧阳", "欧**"),
        ("司马光", "司马**"),
        (" 李四 ", "李**"),
        ("王", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_name_keeps_only_the_surname_and_hides_the_given_name_length(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("+86 138-1234-1234", "+86 138****1234"),
        ("１３８１２３４１２３４", "138****1234"),
        ("0314-2021234", "031****1234"),
        ("2021234", "***1234"),
        ("12345", "***45"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_number_keeps_at_most_the_first_3_and_last_4_digits(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(st.text(DIGITS + " -+", max_size=30))
def test_a_masked_phone_never_shows_more_than_4_consecutive_digits(phone: str) -> None:
    assert not re.search(r"\d{5,}", mask_phone(phone))
