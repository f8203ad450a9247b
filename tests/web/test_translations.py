"""The Chinese catalog: complete, and the platform's terms in the words Chinese users know them by."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from xinyong.accounts.choices import OrganizationKind, Role
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.smoke

CATALOG = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"


def catalog_entries() -> list[tuple[str, str, bool]]:
    """(msgid, first msgstr, fuzzy) for every entry but the header; a small reader, enough for this file."""
    entries = []
    for block in CATALOG.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[key] += ast.literal_eval(line)
                continue
            key, _, value = line.partition(" ")
            fields[key] = ast.literal_eval(value)
        if fields.get("msgid"):
            entries.append((fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", "")), fuzzy))
    return entries


def test_every_message_of_the_catalog_is_translated_and_none_is_fuzzy():
    entries = catalog_entries()
    assert len(entries) > 250
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


def test_the_catalog_is_compiled_for_the_running_platform():
    with translation.override("zh-hans"):
        assert translation.gettext("Chengde Public Credit Information Platform") == "承德市公共信用信息平台"


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("Staff login", "工作人员登录"),
        ("Console home", "工作台首页"),
        ("unified social credit code", "统一社会信用代码"),
        ("The user name or password is incorrect.", "用户名或密码不正确。"),
    ],
)
def test_platform_terms_have_their_established_chinese_names(text, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(text) == chinese


def test_a_credit_subject_is_called_xinyong_zhuti():
    with translation.override("zh-hans"):
        assert str(Subject._meta.verbose_name) == "信用主体"


def test_roles_and_organization_kinds_have_their_chinese_names():
    with translation.override("zh-hans"):
        assert [str(r.label) for r in Role] == [
            "系统管理员",
            "安全管理员",
            "审计管理员",
            "目录管理员",
            "数据报送员",
            "案件办理员",
            "措施实施员",
            "监督员",
            "分析员",
        ]
        assert [str(k.label) for k in OrganizationKind] == [
            "社会信用主管部门",
            "政府部门",
            "人民法院",
            "人民检察院",
            "信用服务机构",
            "银行",
            "行业协会",
        ]


def test_english_shows_the_english_texts_themselves():
    with translation.override("en"):
        assert translation.gettext("Staff login") == "Staff login"
        assert str(Role.CASE_HANDLER.label) == "case handler"
