"""Identifier validation: GB 32100-2015 (USCC, Art 20), GB 11643-1999 (citizen ID, Art 19), other documents.

Differential tests compare with python-stdnum where its rules apply: USCCs whose first 8 characters are
digits, and citizen IDs whose address code stdnum knows for the birth year, born 1900 or later, not in the
future. Outside that domain we deliberately differ (see the tests that name stdnum's rejections).
"""

from __future__ import annotations

import importlib.resources
import re
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from xinyong.core.identifiers import (
    EARLIEST_BIRTH_DATE,
    PROVINCE_CODES,
    USCC_ALPHABET,
    ErrorCode,
    IdentifierError,
    IdentifierType,
    InvalidIdentifierError,
    Sex,
    ValidationResult,
    citizen_id_check_character,
    convert_legacy_citizen_id,
    is_valid,
    make_citizen_id,
    make_uscc,
    normalize,
    organization_code_check_character,
    uscc_check_character,
    validate,
)

pytestmark = pytest.mark.articles("Art 19", "Art 20")

USCC = IdentifierType.USCC
CITIZEN_ID = IdentifierType.CITIZEN_ID
HK_MACAU = IdentifierType.HK_MACAU
TAIWAN = IdentifierType.TAIWAN
PASSPORT = IdentifierType.PASSPORT
FOREIGN_PR = IdentifierType.FOREIGN_PR

DIGITS = "0123456789"
CITIZEN_ALPHABET = DIGITS + "X"
FIXED_TODAY = date(2025, 6, 1)


def _stdnum_division_periods() -> list[tuple[str, int, int]]:
    """(code, first year, last year) for each address code in python-stdnum's table (cn/loc.dat), so the
    differential test draws birth years stdnum accepts for that code instead of discarding most draws."""
    text = importlib.resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    periods, province = [], None
    for line in text.splitlines():
        if match := re.match(r"^(\d\d) ", line):
            province = match.group(1)
        elif (match := re.match(r'^  (\d{4}) county="([^"]*)"', line)) and province:
            for name in match.group(2).split(","):
                span = re.match(r"^\[(\d*)-(\d*)\]", name)
                first = int(span.group(1)) if span and span.group(1) else EARLIEST_BIRTH_DATE.year
                last = int(span.group(2)) if span and span.group(2) else date.today().year
                if max(first, EARLIEST_BIRTH_DATE.year) <= last:
                    periods.append((province + match.group(1), max(first, EARLIEST_BIRTH_DATE.year), last))
    return periods


STDNUM_DIVISION_PERIODS = _stdnum_division_periods()


def _replace(value: str, index: int, char: str) -> str:
    return value[:index] + char + value[index + 1 :]


def _full_width(value: str, flags: list[bool]) -> str:
    """Turn the flagged ASCII characters into their full-width forms (U+FF01–U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if flag else c for c, flag in zip(value, flags, strict=True))


# --- strategies ----------------------------------------------------------------------------------------

past_birth_dates = st.dates(min_value=EARLIEST_BIRTH_DATE, max_value=date.today())
sequences = st.integers(min_value=0, max_value=999)
province_divisions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(DIGITS, min_size=4, max_size=4),
)
citizen_ids = st.builds(make_citizen_id, province_divisions, past_birth_dates, sequences)
organization_bodies = st.text(USCC_ALPHABET, min_size=8, max_size=8)
usccs = st.builds(
    make_uscc,
    st.sampled_from(USCC_ALPHABET),
    st.sampled_from(USCC_ALPHABET),
    st.text(DIGITS, min_size=6, max_size=6),
    organization_bodies,
)
# The slice of USCCs python-stdnum can judge: the first 8 characters are digits.
all_digit_prefix_usccs = st.builds(
    make_uscc,
    st.sampled_from(DIGITS),
    st.sampled_from(DIGITS),
    st.text(DIGITS, min_size=6, max_size=6),
    organization_bodies,
)


@st.composite
def foreign_pr_ids(draw: st.DrawFn) -> str:
    """2023-format foreign permanent resident IDs: 9 + 5 digits + birth date + sequence + check."""
    body = "9" + draw(st.text(DIGITS, min_size=5, max_size=5))
    body += f"{draw(past_birth_dates):%Y%m%d}{draw(sequences):03d}"
    return body + citizen_id_check_character(body)


@st.composite
def one_substitution(draw: st.DrawFn, codes: st.SearchStrategy[str], alphabet: str) -> tuple[str, str]:
    code = draw(codes)
    index = draw(st.integers(min_value=0, max_value=len(code) - 1))
    char = draw(st.sampled_from(alphabet).filter(lambda c: c != code[index]))
    return code, _replace(code, index, char)


# --- USCC (GB 32100-2015, Art 20) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",
        "91350100M000100Y43",
        "91310115MA1K3BTP2B",
        "53100000500021676K",
        "Y1130800MA0ABCDEFR",
    ],
)
def test_the_published_uscc_examples_are_valid(code: str) -> None:
    result = validate(USCC, code)
    assert result.ok, result.error
    assert result.error is None
    assert result.value == code


def test_a_valid_uscc_is_parsed_into_authority_type_division_and_organization_code() -> None:
    result = validate(USCC, "91110000600037341L")
    assert (result.registration_authority, result.organization_type) == ("9", "1")
    assert result.division_code == "110000"
    assert result.organization_code == "600037341"
    assert result.warnings == ()
    assert result.birth_date is None and result.sex is None


def test_a_uscc_with_letters_in_positions_1_and_2_is_valid_although_stdnum_rejects_it() -> None:
    assert validate(USCC, "Y1130800MA0ABCDEFR").ok
    assert not stdnum_uscc.is_valid("Y1130800MA0ABCDEFR")


@pytest.mark.parametrize("char", ["I", "O", "Z", "S", "V"])
def test_a_letter_outside_the_uscc_alphabet_is_an_illegal_character_at_its_position(char: str) -> None:
    result = validate(USCC, _replace("91350100M000100Y43", 10, char))
    assert not result.ok
    assert result.error.code is ErrorCode.ILLEGAL_CHARACTER
    assert result.error.position == 11
    assert result.error.message_zh == "第11位含非法字符"


@pytest.mark.parametrize("index", range(2, 8))
def test_a_letter_in_the_division_code_positions_3_to_8_is_an_illegal_character(index: int) -> None:
    result = validate(USCC, _replace("91110000600037341L", index, "A"))
    assert result.error.code is ErrorCode.ILLEGAL_CHARACTER
    assert result.error.position == index + 1


def test_a_uscc_with_a_wrong_check_character_is_rejected_at_position_18() -> None:
    result = validate(USCC, "91110000600037341M")
    assert result.error.code is ErrorCode.BAD_CHECK_CHARACTER
    assert result.error.position == 18
    assert "校验码错误" in result.error.message_zh
    assert result.division_code is None


def test_lower_case_and_spaced_uscc_input_is_normalized_before_checking() -> None:
    result = validate(USCC, " 9131 0115 ma1k3btp2b ")
    assert result.ok
    assert result.value == "91310115MA1K3BTP2B"


def test_an_unlisted_registration_authority_and_type_pair_is_only_a_warning() -> None:
    code = make_uscc("9", "9", "130802", "MA0ABCDE")
    result = validate(USCC, code)
    assert result.ok
    assert [w.code for w in result.warnings] == [ErrorCode.UNLISTED_ORGANIZATION_TYPE]


def test_an_organization_code_failing_its_gb_11714_check_is_only_a_warning() -> None:
    result = validate(USCC, "Y1130800MA0ABCDEFR")
    assert result.ok
    assert [w.code for w in result.warnings] == [ErrorCode.ORGANIZATION_CODE_CHECK_MISMATCH]
    assert result.warnings[0].message_zh == "第17位主体标识码（组织机构代码）校验码不符"


def test_make_uscc_reproduces_a_published_code_from_its_parts() -> None:
    assert make_uscc("9", "1", "110000", "60003734") == "91110000600037341L"
    assert make_uscc("9", "1", "310115", "MA1K3BTP") == "91310115MA1K3BTP2B"


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("60003734", "1"),
        ("M000100Y", "4"),
        ("MA1K3BTP", "2"),
        ("50002167", "6"),
        ("00000006", "X"),
        ("00000000", "0"),
    ],
)
def test_the_gb_11714_check_character_matches_known_organization_codes(body: str, check: str) -> None:
    assert organization_code_check_character(body) == check


@pytest.mark.parametrize(
    "parts",
    [
        ("I", "1", "110000", "60003734"),
        ("91", "1", "110000", "60003734"),
        ("9", "1", "11000A", "60003734"),
        ("9", "1", "110000", "6000373"),
        ("9", "1", "110000", "6000373O"),
    ],
)
def test_make_uscc_refuses_parts_that_cannot_form_a_code(parts: tuple[str, str, str, str]) -> None:
    with pytest.raises(InvalidIdentifierError):
        make_uscc(*parts)


@given(usccs)
def test_every_generated_uscc_is_valid(code: str) -> None:
    assert validate(USCC, code).ok


@given(one_substitution(usccs, USCC_ALPHABET))
def test_a_valid_uscc_with_one_character_changed_to_another_of_the_alphabet_is_rejected(
    pair: tuple[str, str],
) -> None:
    _original, mutated = pair
    result = validate(USCC, mutated)
    assert not result.ok
    assert result.error.code in (ErrorCode.BAD_CHECK_CHARACTER, ErrorCode.ILLEGAL_CHARACTER)


@settings(max_examples=300)
@given(st.text(USCC_ALPHABET, min_size=17, max_size=17))
def test_the_uscc_check_character_agrees_with_python_stdnum(first17: str) -> None:
    assert uscc_check_character(first17) == stdnum_uscc.calc_check_digit(first17)


@settings(max_examples=300)
@given(
    st.one_of(
        all_digit_prefix_usccs,
        one_substitution(all_digit_prefix_usccs, USCC_ALPHABET).map(lambda pair: pair[1]),
        st.builds(
            lambda head, tail: head + tail,
            st.text(DIGITS, min_size=8, max_size=8),
            st.text(USCC_ALPHABET, min_size=10, max_size=10),
        ),
    )
)
def test_uscc_validity_agrees_with_python_stdnum_when_the_first_8_characters_are_digits(code: str) -> None:
    assume(code[:8].isdigit())
    assert validate(USCC, code).ok == stdnum_uscc.is_valid(code)


# --- citizen ID (GB 11643-1999, Art 19) ----------------------------------------------------------------


def test_the_published_citizen_id_example_is_valid_and_parsed() -> None:
    result = validate(CITIZEN_ID, "11010519491231002X")
    assert result.ok
    assert result.division_code == "110105"
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex is Sex.FEMALE
    assert result.sex.label_zh == "女"
    assert result.legacy is False


def test_a_lower_case_x_check_character_is_accepted() -> None:
    assert validate(CITIZEN_ID, "11010519491231002x").value == "11010519491231002X"


def test_an_odd_sequence_code_means_male() -> None:
    assert validate(CITIZEN_ID, make_citizen_id("130802", date(1990, 1, 1), 123)).sex is Sex.MALE


def test_make_citizen_id_reproduces_the_published_example() -> None:
    assert make_citizen_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert make_citizen_id("130802", date(1990, 1, 1), 123) == "130802199001011235"


@pytest.mark.parametrize(
    ("division", "sequence"), [("13080", 1), ("13080A", 1), ("130802", -1), ("130802", 1000)]
)
def test_make_citizen_id_refuses_a_malformed_division_or_sequence(division: str, sequence: int) -> None:
    with pytest.raises(InvalidIdentifierError):
        make_citizen_id(division, date(1990, 1, 1), sequence)


def test_a_citizen_id_with_a_wrong_check_character_is_rejected() -> None:
    result = validate(CITIZEN_ID, "110105194912310021")
    assert result.error.code is ErrorCode.BAD_CHECK_CHARACTER
    assert result.error.position == 18


@pytest.mark.parametrize(("value", "position"), [("1101051949123100XX", 17), ("11010519491231002Y", 18)])
def test_a_letter_other_than_a_final_x_is_an_illegal_character(value: str, position: int) -> None:
    result = validate(CITIZEN_ID, value)
    assert result.error.code is ErrorCode.ILLEGAL_CHARACTER
    assert result.error.position == position


@pytest.mark.parametrize(
    "born",
    [date(1899, 12, 31), date(2025, 6, 2), date(2099, 1, 1)],
    ids=["before 1900", "tomorrow", "far future"],
)
def test_a_birth_date_before_1900_or_in_the_future_is_invalid(born: date) -> None:
    result = validate(CITIZEN_ID, make_citizen_id("130802", born, 11), today=FIXED_TODAY)
    assert result.error.code is ErrorCode.INVALID_BIRTH_DATE
    assert result.error.position == 7
    assert result.error.message_zh == "第7位出生日期无效"


def test_a_birth_date_that_does_not_exist_is_invalid() -> None:
    body = "13080219900230011"  # 30 February
    result = validate(CITIZEN_ID, body + citizen_id_check_character(body))
    assert result.error.code is ErrorCode.INVALID_BIRTH_DATE


def test_someone_born_today_has_a_valid_number() -> None:
    assert validate(CITIZEN_ID, make_citizen_id("130802", FIXED_TODAY, 11), today=FIXED_TODAY).ok


@pytest.mark.parametrize("province", ["00", "10", "16", "24", "47", "55", "66", "72", "84", "90", "99"])
def test_an_address_code_outside_the_provinces_is_an_invalid_division(province: str) -> None:
    result = validate(CITIZEN_ID, make_citizen_id(province + "0101", date(1990, 1, 1), 11))
    assert result.error.code is ErrorCode.INVALID_DIVISION
    assert result.error.position == 1


@pytest.mark.parametrize("province", ["71", "81", "82", "83", "91"])
def test_taiwan_hong_kong_macao_residence_permit_and_abroad_prefixes_are_valid(province: str) -> None:
    assert validate(CITIZEN_ID, make_citizen_id(province + "0000", date(1990, 1, 1), 11)).ok


@pytest.mark.parametrize(
    ("division", "born"),
    [
        ("130823", date(2020, 5, 1)),  # 平泉县, a county until 2017
        ("110103", date(2015, 5, 1)),  # 崇文区, merged in 2010
        ("130881", date(1990, 5, 1)),  # 平泉市, created 2017, held by people born earlier who moved
    ],
)
def test_an_address_code_abolished_or_newer_than_the_birth_is_accepted_although_stdnum_rejects_it(
    division: str, born: date
) -> None:
    value = make_citizen_id(division, born, 11)
    assert validate(CITIZEN_ID, value).ok
    assert not stdnum_ric.is_valid(value)


def test_an_18_digit_string_is_judged_only_as_the_type_it_was_given() -> None:
    value = "130802199001030014"  # a citizen ID that also passes the GB 32100 check by coincidence
    assert validate(CITIZEN_ID, value).ok
    assert validate(USCC, value).ok
    assert validate(CITIZEN_ID, value).type is CITIZEN_ID
    assert validate(USCC, value).birth_date is None


@given(citizen_ids)
def test_every_generated_citizen_id_is_valid(value: str) -> None:
    assert validate(CITIZEN_ID, value).ok


@given(one_substitution(citizen_ids, CITIZEN_ALPHABET))
def test_a_valid_citizen_id_with_one_character_changed_to_another_of_the_alphabet_is_rejected(
    pair: tuple[str, str],
) -> None:
    assert not validate(CITIZEN_ID, pair[1]).ok


@settings(max_examples=300)
@given(st.text(DIGITS, min_size=17, max_size=17))
def test_the_citizen_id_check_character_agrees_with_python_stdnum(first17: str) -> None:
    assert citizen_id_check_character(first17) == stdnum_ric.calc_check_digit(first17 + "0")


def _in_stdnum_domain(value: str) -> bool:
    """stdnum judges this number by the same rules as we do: a past birth date from 1900 on, and an address
    code its table lists for the birth year."""
    try:
        born = stdnum_ric.get_birth_date(value)
        stdnum_ric.get_birth_place(value)
    except (StdnumValidationError, ValueError, KeyError):
        # KeyError: stdnum's own bug for a known province with an unlisted county (e.g. 210107).
        return False
    return EARLIEST_BIRTH_DATE <= born <= date.today()


@st.composite
def stdnum_domain_citizen_ids(draw: st.DrawFn) -> str:
    """Citizen IDs with an address code stdnum lists for the birth year: valid as generated, with any check
    character, or with one digit changed, so valid and invalid numbers both occur."""
    division, first, last = draw(st.sampled_from(STDNUM_DIVISION_PERIODS))
    born = draw(st.dates(date(first, 1, 1), min(date(last, 12, 31), date.today())))
    value = make_citizen_id(division, born, draw(sequences))
    variant = draw(st.sampled_from(["as generated", "any check character", "one digit changed"]))
    if variant == "any check character":
        return value[:17] + draw(st.sampled_from(CITIZEN_ALPHABET))
    if variant == "one digit changed":
        return _replace(value, draw(st.integers(0, 16)), draw(st.sampled_from(DIGITS)))
    return value


@settings(max_examples=300)
@given(stdnum_domain_citizen_ids())
def test_citizen_id_validity_agrees_with_python_stdnum_for_places_it_knows_and_past_birth_dates(
    value: str,
) -> None:
    assume(_in_stdnum_domain(value))  # a changed digit may leave the domain
    assert validate(CITIZEN_ID, value).ok == stdnum_ric.is_valid(value)


@given(citizen_ids, st.data())
def test_full_width_and_spaced_citizen_ids_normalize_to_the_same_valid_number(
    value: str, data: st.DataObject
) -> None:
    flags = data.draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
    typed = "\u3000" + _full_width(value.lower(), flags) + " "
    result = validate(CITIZEN_ID, typed)
    assert result.ok
    assert result.value == value


@given(usccs, st.data())
def test_full_width_and_lower_case_usccs_normalize_to_the_same_valid_code(
    code: str, data: st.DataObject
) -> None:
    flags = data.draw(st.lists(st.booleans(), min_size=len(code), max_size=len(code)))
    result = validate(USCC, _full_width(code.lower(), flags) + "\u200b")
    assert result.ok
    assert result.value == code


# --- legacy 15-digit citizen IDs -----------------------------------------------------------------------


def test_a_15_digit_citizen_id_is_recognized_as_legacy_but_not_accepted_as_is() -> None:
    result = validate(CITIZEN_ID, "110105491231002")
    assert result.legacy is True
    assert result.ok is False
    assert result.error.code is ErrorCode.LEGACY_15_DIGIT
    assert result.error.message_zh == "旧版15位身份证号码，请按需转换"
    assert result.value == "110105491231002"  # never converted silently
    assert result.birth_date == date(1949, 12, 31)
    assert result.division_code == "110105"
    assert result.sex is Sex.FEMALE


def test_a_legacy_citizen_id_is_converted_to_18_digits_only_on_request() -> None:
    converted = convert_legacy_citizen_id("110105491231002")
    assert converted == "11010519491231002X"
    assert validate(CITIZEN_ID, converted).ok


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105491331002", ErrorCode.INVALID_BIRTH_DATE),
        ("990105491231002", ErrorCode.INVALID_DIVISION),
        ("11010549123100X", ErrorCode.ILLEGAL_CHARACTER),
    ],
)
def test_an_invalid_15_digit_number_is_reported_with_its_own_error(value: str, code: ErrorCode) -> None:
    result = validate(CITIZEN_ID, value)
    assert result.error.code is code


@pytest.mark.parametrize("value", ["11010519491231002X", "110105491331002", "", "12345"])
def test_converting_anything_but_a_valid_15_digit_number_raises(value: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        convert_legacy_citizen_id(value)


@given(division=province_divisions, born=st.dates(date(1900, 1, 1), date(1999, 12, 31)), sequence=sequences)
def test_a_legacy_number_converts_back_to_the_18_digit_number_it_came_from(
    division: str, born: date, sequence: int
) -> None:
    full = make_citizen_id(division, born, sequence)
    legacy = full[:6] + full[8:17]
    assert validate(CITIZEN_ID, legacy).legacy
    assert convert_legacy_citizen_id(legacy) == full


# --- other ID documents (Art 19) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "normalized"),
    [
        (HK_MACAU, "H12345678", "H12345678"),
        (HK_MACAU, "m12345678", "M12345678"),
        (HK_MACAU, "H1234567801", "H1234567801"),
        (HK_MACAU, "H12345678(01)", "H1234567801"),
        (TAIWAN, "12345678", "12345678"),
        (TAIWAN, "1234567890", "1234567890"),
        (TAIWAN, "1234567890(B)", "1234567890B"),
        (TAIWAN, "１２３４５６７８", "12345678"),
        (PASSPORT, "E12345678", "E12345678"),
        (PASSPORT, "EA1234567", "EA1234567"),
        (PASSPORT, "g1234", "G1234"),
        (PASSPORT, "A" * 17, "A" * 17),
        (FOREIGN_PR, "USA123456789012", "USA123456789012"),
    ],
)
def test_valid_travel_permits_passports_and_resident_cards_are_accepted(
    kind: IdentifierType, value: str, normalized: str
) -> None:
    result = validate(kind, value)
    assert result.ok, result.error
    assert result.value == normalized


@pytest.mark.parametrize(
    ("kind", "value", "code", "position"),
    [
        (HK_MACAU, "X12345678", ErrorCode.INVALID_PREFIX, 1),
        (HK_MACAU, "H1234567", ErrorCode.WRONG_LENGTH, None),
        (HK_MACAU, "H1234567A", ErrorCode.ILLEGAL_CHARACTER, 9),
        (TAIWAN, "1234567", ErrorCode.WRONG_LENGTH, None),
        (TAIWAN, "1234A678", ErrorCode.ILLEGAL_CHARACTER, 5),
        (TAIWAN, "12345678901", ErrorCode.ILLEGAL_CHARACTER, 11),
        (PASSPORT, "E123", ErrorCode.WRONG_LENGTH, None),
        (PASSPORT, "E" * 18, ErrorCode.WRONG_LENGTH, None),
        (PASSPORT, "E1234-678", ErrorCode.ILLEGAL_CHARACTER, 6),
        (FOREIGN_PR, "U5A123456789012", ErrorCode.ILLEGAL_CHARACTER, 2),
        (FOREIGN_PR, "USA12345678901A", ErrorCode.ILLEGAL_CHARACTER, 15),
        (FOREIGN_PR, "11010519491231002X", ErrorCode.INVALID_PREFIX, 1),
        (FOREIGN_PR, "9840111990", ErrorCode.WRONG_LENGTH, None),
    ],
)
def test_malformed_other_documents_are_rejected_with_a_code_and_position(
    kind: IdentifierType, value: str, code: ErrorCode, position: int | None
) -> None:
    result = validate(kind, value)
    assert result.error.code is code
    assert result.error.position == position


@given(foreign_pr_ids())
def test_every_generated_18_character_foreign_resident_id_is_valid_with_its_birth_date(value: str) -> None:
    result = validate(FOREIGN_PR, value)
    assert result.ok
    assert result.birth_date.strftime("%Y%m%d") == value[6:14]


@given(one_substitution(foreign_pr_ids(), CITIZEN_ALPHABET))
def test_a_foreign_resident_id_with_one_character_changed_is_rejected(pair: tuple[str, str]) -> None:
    assert not validate(FOREIGN_PR, pair[1]).ok


def test_a_foreign_resident_id_born_in_the_future_is_invalid() -> None:
    body = "98401120990101001"
    result = validate(FOREIGN_PR, body + citizen_id_check_character(body), today=FIXED_TODAY)
    assert result.error.code is ErrorCode.INVALID_BIRTH_DATE


# --- every rejection has a code and a Chinese message --------------------------------------------------

_future_id = make_citizen_id("130802", date(2099, 1, 1), 11)
REACHABLE = [
    (USCC, "   ", ErrorCode.EMPTY, "不能为空"),
    (USCC, "9111000060003734", ErrorCode.WRONG_LENGTH, "长度错误"),
    (USCC, "91110000600037341I", ErrorCode.ILLEGAL_CHARACTER, "含非法字符"),
    (HK_MACAU, "X12345678", ErrorCode.INVALID_PREFIX, "开头字符错误"),
    (USCC, "91110000600037341M", ErrorCode.BAD_CHECK_CHARACTER, "校验码错误"),
    (
        CITIZEN_ID,
        make_citizen_id("990101", date(1990, 1, 1), 11),
        ErrorCode.INVALID_DIVISION,
        "行政区划代码无效",
    ),
    (CITIZEN_ID, _future_id, ErrorCode.INVALID_BIRTH_DATE, "出生日期无效"),
    (CITIZEN_ID, "110105491231002", ErrorCode.LEGACY_15_DIGIT, "旧版15位身份证号码，请按需转换"),
    (USCC, make_uscc("9", "9", "130802", "MA0ABCDE"), ErrorCode.UNLISTED_ORGANIZATION_TYPE, "不在已知列表中"),
    (USCC, "Y1130800MA0ABCDEFR", ErrorCode.ORGANIZATION_CODE_CHECK_MISMATCH, "校验码不符"),
]


def test_the_reachability_table_covers_every_error_code() -> None:
    assert {code for _kind, _value, code, _zh in REACHABLE} == set(ErrorCode)


@pytest.mark.parametrize(("kind", "value", "code", "zh"), REACHABLE, ids=[str(row[2]) for row in REACHABLE])
def test_each_error_code_is_reachable_with_its_chinese_message(
    kind: IdentifierType, value: str, code: ErrorCode, zh: str
) -> None:
    result = validate(kind, value, today=FIXED_TODAY)
    reported = [w for w in result.warnings if w.code is code] if code.is_warning else [result.error]
    assert len(reported) == 1
    error = reported[0]
    assert error.code is code
    assert error.code == code.value  # the machine code compares equal to its plain string
    assert zh in error.message_zh
    assert code.message_zh in error.message_zh
    assert error.message_en
    assert result.ok is code.is_warning


def test_every_error_code_has_a_chinese_and_an_english_message() -> None:
    for code in ErrorCode:
        assert re.search(r"[\u4e00-\u9fff]", code.message_zh), code
        assert code.message_en.isascii() and code.message_en, code


def test_error_messages_never_repeat_the_identifier() -> None:
    value = "110105194912310021"
    error = validate(CITIZEN_ID, value).error
    assert value not in error.message_zh and value not in error.message_en


# --- types, normalization, result invariants -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "label", "doc_code"),
    [
        (USCC, "统一社会信用代码", None),
        (CITIZEN_ID, "居民身份证", "10"),
        (HK_MACAU, "港澳居民来往内地通行证", "30"),
        (TAIWAN, "台湾居民来往大陆通行证", "40"),
        (PASSPORT, "护照", "50"),
        (FOREIGN_PR, "外国人永久居留身份证", "90"),
    ],
)
def test_each_identifier_type_has_its_chinese_label_and_document_type_code(
    kind: IdentifierType, label: str, doc_code: str | None
) -> None:
    assert kind.label_zh == label
    assert kind.document_type_code == doc_code
    assert kind.label_en
    assert IdentifierType.parse(label) is kind
    assert IdentifierType.parse(kind.value) is kind
    if doc_code:
        assert IdentifierType.parse(doc_code) is kind


def test_the_type_values_are_the_documented_strings() -> None:
    assert [t.value for t in IdentifierType] == ["uscc", "id", "hk-macau", "taiwan", "passport", "foreign-pr"]
    assert validate("id", "11010519491231002X").type is CITIZEN_ID


def test_an_unknown_type_is_a_programming_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="unknown identifier type"):
        validate("auto", "11010519491231002X")


def test_normalize_turns_full_width_into_half_width_and_removes_spaces() -> None:
    assert normalize(" ９１１１ ００００\u3000６０００３７３４１ｌ\u200b ") == "91110000600037341L"
    assert normalize(None) == ""
    assert normalize("ｅ１２３４５６７８") == "E12345678"


def test_is_valid_is_shorthand_for_validate_ok() -> None:
    assert is_valid(USCC, "91110000600037341L")
    assert not is_valid(CITIZEN_ID, "91110000600037341L")


def test_a_result_cannot_be_ok_and_carry_an_error() -> None:
    error = IdentifierError.of(ErrorCode.EMPTY)
    with pytest.raises(ValueError, match="ok must be True"):
        ValidationResult(value="", type=USCC, ok=True, error=error)
    with pytest.raises(ValueError, match="ok must be True"):
        ValidationResult(value="", type=USCC, ok=False)


def test_validation_results_are_immutable() -> None:
    result = validate(USCC, "91110000600037341L")
    with pytest.raises(AttributeError):
        result.ok = False  # type: ignore[misc]


def test_birth_dates_are_bounded_by_today_by_default() -> None:
    tomorrow = date.today() + timedelta(days=1)
    assert (
        validate(CITIZEN_ID, make_citizen_id("130802", tomorrow, 11)).error.code
        is ErrorCode.INVALID_BIRTH_DATE
    )
