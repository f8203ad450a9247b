"""The sections of a credit report in the national order (domain facts §6) and where each record goes.

National public credit report standard (2022, as seen in deployed implementations): 登记注册基础信息,
行政管理信息, 诚实守信相关荣誉信息, 严重失信主体名单信息, 经营（活动）异常名录, 信用承诺信息, 信用评价信息,
司法判决及执行信息, 其他信息, 信用状况提升建议. Records are placed by their catalog category: the categories
the standard names by their code, any other by its information kind (基本信息 → the first section,
行政管理 → the second, 诚实守信 → the third, 严重失信 → the fourth, 其他 → 其他信息).
"""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.catalog.choices import InformationKind


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    # InformationKind values whose authorization covers this section (authorized queries, Art 21)
    kinds: tuple[str, ...]


REGISTRATION = Section("registration", "登记注册基础信息", (InformationKind.BASIC,))
ADMINISTRATIVE = Section("administrative", "行政管理信息", (InformationKind.ADMINISTRATIVE,))
HONOR = Section("honor", "诚实守信相关荣誉信息", (InformationKind.POSITIVE,))
SERIOUS = Section("serious-dishonesty", "严重失信主体名单信息", (InformationKind.SERIOUS,))
ABNORMAL = Section("abnormal-list", "经营（活动）异常名录", (InformationKind.ADMINISTRATIVE,))
COMMITMENT = Section("commitment", "信用承诺信息", (InformationKind.OTHER,))
EVALUATION = Section("evaluation", "信用评价信息", (InformationKind.OTHER,))
JUDICIAL = Section("judicial", "司法判决及执行信息", (InformationKind.OTHER,))
OTHER = Section("other", "其他信息", (InformationKind.OTHER,))
SUGGESTIONS = Section("suggestions", "信用状况提升建议", ())

RECORD_SECTIONS: tuple[Section, ...] = (
    REGISTRATION, ADMINISTRATIVE, HONOR, SERIOUS, ABNORMAL, COMMITMENT, EVALUATION, JUDICIAL, OTHER,
)
ALL_SECTIONS: tuple[Section, ...] = (*RECORD_SECTIONS, SUGGESTIONS)
SECTION_TITLES: tuple[str, ...] = tuple(s.title for s in ALL_SECTIONS)

# Catalog category codes (xinyong.catalog.seed) the standard names as a section of their own.
_BY_CATEGORY = {
    "registration": REGISTRATION,
    "administrative": ADMINISTRATIVE,
    "honor": HONOR,
    "serious-dishonesty": SERIOUS,
    "abnormal-list": ABNORMAL,
    "commitment": COMMITMENT,
    "evaluation": EVALUATION,
    "judicial": JUDICIAL,
}
_BY_KIND = {
    InformationKind.BASIC: REGISTRATION,
    InformationKind.ADMINISTRATIVE: ADMINISTRATIVE,
    InformationKind.POSITIVE: HONOR,
    InformationKind.SERIOUS: SERIOUS,
    InformationKind.OTHER: OTHER,
}


def section_for(category_code: str, kind: str) -> Section:
    """The section a record of this catalog category (and information kind) is shown in."""
    return _BY_CATEGORY.get(category_code) or _BY_KIND.get(kind, OTHER)


CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
