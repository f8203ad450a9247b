"""Column headers find their field by code, Chinese name or alias, whatever the spaces, case and width (§3)."""

from __future__ import annotations

import pytest

from xinyong.catalog.selectors import field_for_header, item_current
from xinyong.catalog.text import normalize_header
from xinyong.core.errors import NotFoundOrForbidden

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("CF_XDR_MC", "CF_XDR_MC"),
        ("cf_xdr_mc", "CF_XDR_MC"),
        ("  CF_XDR_MC\t", "CF_XDR_MC"),
        ("ＣＦ＿ＸＤＲ＿ＭＣ", "CF_XDR_MC"),  # full-width letters and underscore
        ("\ufeffCF_XDR_MC", "CF_XDR_MC"),  # the first header of a UTF-8 file with a BOM
        ("行政相对人名称", "CF_XDR_MC"),
        ("　行政相对人名称　", "CF_XDR_MC"),  # ideographic spaces
        ("行政相对人 名称", "CF_XDR_MC"),
        ("罚款金额（万元）", "CF_NR_FK"),
        ("罚款金额(万元)", "CF_NR_FK"),  # half-width brackets
        ("没收违法所得、没收非法财物的金额(万元)", "CF_NR_WFFF"),
        ("CF_FDDB", "CF_FRDB"),  # alias used by other deployed systems
        ("cf_fddb", "CF_FRDB"),
        ("法定代表人", "CF_FRDB"),
        ("行政相对人代码_1 (统一社会信用代码)", "CF_XDR_SHXYM"),  # as domain facts §3 writes it
        ("行政相对人代码_1", "CF_XDR_SHXYM"),
        ("统一社会信用代码", "CF_XDR_SHXYM"),
        ("组织机构代码", "CF_XDR_ZZJG"),
        ("处罚机关统一社会信用代码", "CF_CFJGDM"),
        ("ＢＺ", "BZ"),
    ],
)
def test_a_penalty_column_header_finds_its_field(header, code):
    found = field_for_header(item_current("admin-penalty"), header)
    assert found is not None and found.code == code


@pytest.mark.parametrize("header", ["罚款金额", "XK_XDR_MC", "行政相对人", "", "   ", "CF_XDR", "血型"])
def test_a_header_that_names_no_field_of_the_item_finds_nothing(header):
    assert field_for_header(item_current("admin-penalty"), header) is None


@pytest.mark.parametrize(
    ("header", "code"),
    [("XK_XDR_MC", "XK_XDR_MC"), ("有效期至", "XK_YXQZI"), ("有效期自", "XK_YXQZ"), ("xk_yxqzi", "XK_YXQZI"),
     ("当前状态", "XK_ZT"), ("XK_FDDB", "XK_FRDB")],
)
def test_a_permit_column_header_finds_its_field(header, code):
    assert field_for_header(item_current("admin-permit"), header).code == code


def test_normalizing_folds_width_case_and_every_space():
    assert normalize_header(" ＣＦ_xdr_ＭＣ ") == normalize_header("CF_XDR_MC") == "cf_xdr_mc"
    assert normalize_header("罚款金额（万元）") == normalize_header("罚款金额 (万元)")


def test_the_item_code_is_looked_up_without_case_or_spaces():
    assert item_current(" Admin-Penalty ").code == "admin-penalty"


def test_an_unknown_item_code_is_not_found():
    with pytest.raises(NotFoundOrForbidden):
        item_current("no-such-item")


def test_a_draft_item_is_not_in_force():
    # The seeded city draft has government-arrears; no published version does.
    with pytest.raises(NotFoundOrForbidden):
        item_current("government-arrears")
