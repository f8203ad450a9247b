"""Deterministic synthetic Chengde credit subjects (pure Python; no database access).

The same seed always gives the same subjects, names and identifiers, whatever the batch size, because the
subjects come from one random stream consumed in order. Identifiers are unique by construction: each
subject's ordinal within its code space goes through a keyed bijection (a Feistel permutation with cycle
walking) into that space, so two subjects can never be given the same number and nothing is retried.

Natural persons get 18-digit citizen IDs with Chengde address codes (Art 19); organizations get USCCs
(Art 20); about 30 % of legal persons name a natural person among the subjects as legal representative
(Art 24).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xinyong.accounts
from xinyong.core.identifiers import USCC_ALPHABET, IdentifierType, make_citizen_id, make_uscc
from xinyong.subjects.choices import SubjectKind

DIVISIONS_FILE = Path(xinyong.accounts.__file__).resolve().parent / "data" / "chengde_divisions.json"

# 平泉县 (130823) became 平泉市 (130881) in 2017. People keep the 130823 address code in their ID number (it is
# assigned at birth registration), but they are registered under the division that exists today.
SUCCESSOR_DIVISION = {"130823": "130881"}

# Relative sizes of the counties, as the number of sequence codes (of 1000) a day of births may use there.
# Rough population shares: the demo only needs the big districts to look bigger than the small ones.
PERSON_SEQUENCE_SLOTS = {
    "130802": 900,  # 双桥区
    "130803": 450,  # 双滦区
    "130804": 150,  # 鹰手营子矿区
    "130821": 700,  # 承德县
    "130822": 600,  # 兴隆县
    "130823": 800,  # 平泉县 (births before 2017)
    "130824": 550,  # 滦平县
    "130825": 750,  # 隆化县
    "130826": 700,  # 丰宁满族自治县
    "130827": 450,  # 宽城满族自治县
    "130828": 950,  # 围场满族蒙古族自治县
}
BIRTH_FIRST = dt.date(1950, 1, 1)
BIRTH_LAST = dt.date(2005, 12, 31)

# Registration dates are drawn from fixed ranges (never "today"), so the output does not change over time.
ORG_REGISTERED_FIRST = dt.date(2000, 1, 1)
ORG_REGISTERED_LAST = dt.date(2024, 12, 31)

# Share of each kind among all subjects: ~60 % natural persons, ~40 % organizations.
KIND_THRESHOLDS = (
    (0.60, SubjectKind.NATURAL_PERSON),
    (0.78, SubjectKind.LEGAL_PERSON),
    (0.96, SubjectKind.INDIVIDUAL_BUSINESS),
    (0.992, SubjectKind.UNINCORPORATED),
    (1.0, SubjectKind.PUBLIC_INSTITUTION),
)
LEGAL_REPRESENTATIVE_SHARE = 0.30
TOWNSHIP_SHARE = 0.25  # organizations registered in a township rather than directly in the county

# --- name pools ------------------------------------------------------------------------------------------

# Common surnames weighted roughly by frequency; 关, 佟, 那, 富 are Manchu-origin names common in Chengde.
_SURNAME_WEIGHTS = (
    (12, "王李"),
    (11, "张"),
    (9, "刘"),
    (5, "陈杨赵"),
    (4, "孙"),
    (3, "黄周吴徐马郭高"),
    (2, "朱胡何林罗郑梁宋韩冯曹田董于杜魏姜崔贾白孟闫郝关"),
    (
        1,
        "谢唐许邓彭曾肖袁潘蒋蔡余叶程苏吕丁任沈姚卢钟谭陆汪范金石夏付方邹秦邱尹薛段雷侯史邵武常牛佟那富鲍齐庞葛岳",
    ),
)
SURNAMES = "".join(chars * weight for weight, chars in _SURNAME_WEIGHTS)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
MALE_GIVEN = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建亮成东峰国志海文博晨航然睿泽轩力春生"
)
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红玉兰梅琳倩婷雪慧颖洁莉欣悦怡佳琪萱蕾薇晶月彤璐春凤英"
MALE_FIRST = "建志国海俊子宇浩文明永立振家德长伟晓新"
FEMALE_FIRST = "秀桂晓雨思嘉欣梓淑丽美春玉海金文红"

TRADE_CHARS = "鑫盛泰华宏源隆福瑞达丰德兴恒永金顺通利祥昌茂嘉信诚和安康宝万汇博远正弘鼎润森旺佳聚腾天宇海峰川"
# Local trade names: the Mountain Resort, Jehol, Saihanba, Wuling Mountain, the Luan river, Mulan paddock.
LOCAL_TRADE_NAMES = (
    "山庄",
    "避暑",
    "热河",
    "塞罕",
    "雾灵",
    "滦河",
    "武烈",
    "磬锤",
    "普宁",
    "木兰",
    "坝上",
    "燕山",
)
_INDUSTRIES_WORDS = (
    "商贸 建筑工程 农业科技 食品 矿业 旅游开发 物流 房地产开发 餐饮管理 机械制造 医药 "
    "环保科技 信息技术 文化传媒 建材 钒钛科技 果品 中药材 酒店管理 电力工程 "
    "汽车销售服务 畜牧 食用菌 板栗食品 山楂饮品 新能源 劳务派遣 物业服务"
)
INDUSTRIES = tuple(_INDUSTRIES_WORDS.split())
_SHOPS_WORDS = (
    "便利店 超市 饭店 五金店 理发店 农资经销部 烧烤店 汽车修理部 药店 水果店 "
    "建材经销部 服装店 家电维修部 早点铺 面馆 粮油店 手机店 宾馆 农家院 养殖场 "
    "板栗收购站 小吃部 干洗店 蔬菜店 门窗加工部"
)
SHOPS = tuple(_SHOPS_WORDS.split())
COOPERATIVE_CROPS = ("种植", "养殖", "山楂种植", "食用菌", "中药材种植", "板栗种植", "肉牛养殖", "蔬菜种植")
PARTNERSHIP_INDUSTRIES = ("投资", "企业管理", "股权投资", "商务咨询")
CHINESE_NUMERALS = "一二三四五六七八九"

# --- code spaces ---------------------------------------------------------------------------------------------

BUSINESS_BODY_SPACE = len(USCC_ALPHABET) ** 6  # "MA" + 6 characters: the post-2015 registration bodies
INSTITUTION_BODY_SPACE = 10**7  # "4" + 7 digits: public institution organization codes


class Permutation:
    """A keyed bijection of range(size): a balanced Feistel network on an even number of bits, with cycle
    walking back into range. Every input maps to its own output, so no collision check is needed."""

    ROUNDS = 6

    def __init__(self, size: int, key: str) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self.size = size
        self.half = bits // 2
        self.mask = (1 << self.half) - 1
        keys = random.Random(key)
        self.round_keys = tuple(keys.getrandbits(32) | 1 for _ in range(self.ROUNDS))

    def __call__(self, x: int) -> int:
        if not 0 <= x < self.size:
            raise ValueError("outside the permuted range")
        half, mask = self.half, self.mask
        while True:
            left, right = x >> half, x & mask
            for k in self.round_keys:
                mixed = (right * k + (k >> 7)) & 0xFFFFFFFFFFFF
                left, right = right, left ^ ((mixed ^ (mixed >> half)) & mask)
            x = (left << half) | right
            if x < self.size:  # the domain is at most four times the range: a couple of steps at worst
                return x


# --- divisions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    code: str
    name: str
    short_name: str
    townships: tuple[tuple[str, str], ...]  # (code, name)


def _short_name(name: str) -> str:
    for suffix in ("满族蒙古族自治县", "满族自治县", "矿区", "县", "区", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@cache
def chengde_counties() -> dict[str, County]:
    """Chengde's counties and districts (including the abolished 平泉县) with their demo townships."""
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["divisions"]
    townships: dict[str, list[tuple[str, str]]] = {}
    for code, name, level, parent, _until in rows:
        if level == "township":
            townships.setdefault(parent, []).append((code, name))
    return {
        code: County(code, name, _short_name(name), tuple(townships.get(code, ())))
        for code, name, level, _parent, _until in rows
        if level == "county"
    }


def current_county_codes() -> list[str]:
    """Counties that exist today (not abolished)."""
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["divisions"]
    return [code for code, _name, level, _parent, until in rows if level == "county" and not until]


# --- subjects ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoSubject:
    """One generated subject. `since` is the birth date of a person or the registration date of an
    organization; `representative` is the person ordinal of a legal person's legal representative."""

    index: int
    kind: SubjectKind
    identifier_type: str
    identifier: str
    name: str
    division_code: str
    since: dt.date
    person_ordinal: int | None = None
    representative: int | None = None


class _PersonCodes:
    """Maps a person ordinal to (address code, birth date, sequence) through a permutation of all triples."""

    def __init__(self, seed: int) -> None:
        self.days = (BIRTH_LAST - BIRTH_FIRST).days + 1
        self.codes = list(PERSON_SEQUENCE_SLOTS)
        self.slots = [PERSON_SEQUENCE_SLOTS[c] for c in self.codes]
        self.starts = []
        total = 0
        for slots in self.slots:
            self.starts.append(total)
            total += self.days * slots
        self.permutation = Permutation(total, f"xinyong-demo:{seed}:citizen-id")

    def __call__(self, ordinal: int) -> tuple[str, dt.date, int]:
        x = self.permutation(ordinal)
        i = bisect.bisect_right(self.starts, x) - 1
        day, sequence = divmod(x - self.starts[i], self.slots[i])
        return self.codes[i], BIRTH_FIRST + dt.timedelta(days=day), sequence


def _base31(x: int, width: int) -> str:
    chars = []
    for _ in range(width):
        x, r = divmod(x, 31)
        chars.append(USCC_ALPHABET[r])
    return "".join(reversed(chars))


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"xinyong-demo:{seed}")
        self.person_codes = _PersonCodes(seed)
        self.business_bodies = Permutation(BUSINESS_BODY_SPACE, f"xinyong-demo:{seed}:business")
        self.institution_bodies = Permutation(INSTITUTION_BODY_SPACE, f"xinyong-demo:{seed}:institution")
        self.counties = chengde_counties()
        # Organizations register in counties that exist today, weighted like the population.
        weighted = []
        for code in current_county_codes():
            slots = PERSON_SEQUENCE_SLOTS.get(code) or PERSON_SEQUENCE_SLOTS["130823"]
            weighted += [self.counties[code]] * (slots // 50)
        self.org_counties = tuple(weighted)
        self.persons = 0
        self.businesses = 0
        self.institutions = 0

    # names
    def person_name(self, male: bool) -> str:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.004 else rng.choice(SURNAMES)
        given, first = (MALE_GIVEN, MALE_FIRST) if male else (FEMALE_GIVEN, FEMALE_FIRST)
        if rng.random() < 0.3:
            return surname + rng.choice(given)
        a, b = rng.choice(first + given), rng.choice(given)
        if a == b:
            # Doubled given names (婷婷) exist but are rare: an accidental double takes the next character.
            b = given[(given.index(b) + 1) % len(given)]
        return surname + a + b

    def trade_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return rng.choice(LOCAL_TRADE_NAMES)
        a = rng.choice(TRADE_CHARS)
        b = rng.choice(TRADE_CHARS)
        return a + b if a != b else a + "源"

    def date_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    def place(self) -> tuple[County, str, str]:
        """A registration place: the county, the division code (county or township) and the place name."""
        county = self.rng.choice(self.org_counties)
        if county.townships and self.rng.random() < TOWNSHIP_SHARE:
            code, name = self.rng.choice(county.townships)
            return county, code, county.name + name
        return county, county.code, county.name

    def business_body(self) -> str:
        body = "MA" + _base31(self.business_bodies(self.businesses), 6)
        self.businesses += 1
        return body

    # subjects
    def subject(self, index: int) -> DemoSubject:
        roll = self.rng.random()
        kind = next(k for limit, k in KIND_THRESHOLDS if roll < limit)
        if kind == SubjectKind.NATURAL_PERSON:
            return self.person(index)
        return self.organization(index, kind)

    def person(self, index: int) -> DemoSubject:
        """A natural person identified by a citizen ID number with a Chengde address code (Art 19)."""
        ordinal = self.persons
        self.persons += 1
        address, born, sequence = self.person_codes(ordinal)
        return DemoSubject(
            index=index,
            kind=SubjectKind.NATURAL_PERSON,
            identifier_type=IdentifierType.CITIZEN_ID.value,
            identifier=make_citizen_id(address, born, sequence),
            name=self.person_name(male=sequence % 2 == 1),  # odd sequence code: male (GB 11643)
            division_code=SUCCESSOR_DIVISION.get(address, address),
            since=born,
            person_ordinal=ordinal,
        )

    def organization(self, index: int, kind: SubjectKind) -> DemoSubject:
        """An organization identified by its USCC (Art 20)."""
        rng = self.rng
        county, division, place = self.place()
        uscc_division = county.code
        representative = None
        registered = self.date_between(ORG_REGISTERED_FIRST, ORG_REGISTERED_LAST)
        if kind == SubjectKind.LEGAL_PERSON:
            roll = rng.random()
            if roll < 0.45:
                # Registered with the city market regulator: the city's code goes into the USCC.
                name = f"承德{self.trade_name()}{rng.choice(INDUSTRIES)}有限公司"
                uscc = make_uscc("9", "1", "130800", self.business_body())
            elif roll < 0.9:
                suffix = "有限责任公司" if rng.random() < 0.15 else "有限公司"
                name = f"{county.name}{self.trade_name()}{rng.choice(INDUSTRIES)}{suffix}"
                uscc = make_uscc("9", "1", uscc_division, self.business_body())
            else:
                name = f"{place}{self.trade_name()}{rng.choice(COOPERATIVE_CROPS)}专业合作社"
                uscc = make_uscc("9", "3", uscc_division, self.business_body())
            if self.persons and rng.random() < LEGAL_REPRESENTATIVE_SHARE:
                representative = rng.randrange(self.persons)  # Art 24: a person already generated
        elif kind == SubjectKind.INDIVIDUAL_BUSINESS:
            registered = self.date_between(dt.date(2010, 1, 1), ORG_REGISTERED_LAST)
            name = f"{place}{self.trade_name()}{rng.choice(SHOPS)}"
            uscc = make_uscc("9", "2", uscc_division, self.business_body())
        elif kind == SubjectKind.UNINCORPORATED:
            roll = rng.random()
            if roll < 0.5:
                name = f"承德{self.trade_name()}{rng.choice(INDUSTRIES)}有限公司{county.short_name}分公司"
            elif roll < 0.8:
                name = f"{county.name}{self.trade_name()}{rng.choice(INDUSTRIES)}中心"
            else:
                name = f"承德{self.trade_name()}{rng.choice(PARTNERSHIP_INDUSTRIES)}合伙企业（有限合伙）"
            uscc = make_uscc("9", "1", uscc_division, self.business_body())
        else:
            name = self.institution_name(county, place, division != county.code)
            body = f"4{self.institution_bodies(self.institutions):07d}"
            self.institutions += 1
            uscc = make_uscc("1", "2", uscc_division, body)
        return DemoSubject(
            index=index,
            kind=kind,
            identifier_type=IdentifierType.USCC.value,
            identifier=uscc,
            name=name,
            division_code=division,
            since=registered,
            representative=representative,
        )

    def institution_name(self, county: County, place: str, in_township: bool) -> str:
        rng = self.rng
        if in_township:
            return place + rng.choice(("中心卫生院", "中心小学", "农业综合服务站", "文化站"))
        return county.name + rng.choice(
            (
                f"第{rng.choice(CHINESE_NUMERALS)}中学",
                f"第{rng.choice(CHINESE_NUMERALS)}小学",
                "人民医院",
                "中医院",
                "图书馆",
                "农业技术推广中心",
                "疾病预防控制中心",
            )
        )


def generate_subjects(total: int, seed: int = 1) -> Iterator[DemoSubject]:
    """`total` synthetic subjects for `seed`, in order; the same arguments always give the same subjects."""
    generator = _Generator(seed)
    for index in range(total):
        yield generator.subject(index)
