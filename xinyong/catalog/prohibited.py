"""Personal information the platform must never collect (Art 19), screened by the names of fields and columns.

Art 19 para 2: 禁止采集自然人的宗教信仰、基因、指纹、血型、疾病、病史以及法律、行政法规规定禁止采集的其他
个人信息. The State Council's 《征信业管理条例》 Art 14 para 1 forbids credit reporting agencies the same list
(宗教信仰、基因、指纹、血型、疾病和病史信息). No other law or administrative regulation we know of adds a kind
to it, so the list below is Art 19's six kinds plus one kind we add by analogy, marked [ours]:

* biometric identifiers other than fingerprints (生物识别: 虹膜, 人脸/面部特征, 声纹, 掌纹, 指静脉). Art 19 names
  fingerprints; the others are the same kind of data. 《个人信息保护法》 Art 28 makes biometric information
  sensitive personal information, processed only for a specific purpose with sufficient necessity and strict
  protection, and Art 29 requires separate consent: a public credit catalog has no such purpose.

Considered and deliberately NOT screened (collecting them is not forbidden by Art 19 or any law we know of;
whether an item needs them is the catalog's ordinary "lawful, necessary, minimal" review, Art 17):

* 民族 (ethnicity): printed on the resident identity card and kept in household registration;
* 种族 (race) and 性取向 (sexual orientation): named by no Chinese law as data that must not be collected;
* 收入、存款、有价证券、商业保险、不动产、纳税数额: 《征信业管理条例》 Art 14 para 2 allows them with the person's
  written consent after being told of the consequences.

Matching (`prohibited_kind`): the text is normalized like a column header (NFKC, case-folded, spaces removed).
A Chinese term matches anywhere in it (`既往病史` and `血型（ABO）` are caught), except inside a listed compound
that names something else (`转基因` is about genetically modified products, `疾病预防控制中心` is an
authority, `宗教活动场所` an organization). An English term matches whole words only (`blood_type`,
`BloodType`, `FINGERPRINT` match; `GENERAL` does not contain the word "gene").

Catalog services refuse an item with such a field (`prohibited_field`); ingestion calls `prohibited_kind` on
every column header of a submission.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinyong.catalog.text import normalize_header

IMPLEMENTS = ("Art 19: prohibited_kind",)

ART_19 = "Art 19"
_CREDIT_REPORTING_REGULATION = "《征信业管理条例》第十四条第一款"
_PIPL = "《个人信息保护法》第二十八条、第二十九条"


@dataclass(frozen=True)
class ProhibitedKind:
    """One kind of personal information that must not be collected, with the words that name it."""

    code: str
    label: Promise  # the name the law uses, translated (Chinese: 宗教信仰, 基因, …)
    source: str  # where the prohibition comes from
    chinese_terms: tuple[str, ...]
    english_terms: tuple[str, ...]  # whole words; several words in a term must follow one another
    exceptions: tuple[str, ...] = ()  # Chinese compounds that contain a term but name something else
    ours: bool = False  # True where the platform extends the law by analogy (documented above)

    def __str__(self) -> str:
        return str(self.label)


RELIGION = ProhibitedKind(
    code="religion",
    label=_("religious belief"),
    source=f"{ART_19}; {_CREDIT_REPORTING_REGULATION}",
    chinese_terms=("宗教信仰", "宗教", "信仰"),
    english_terms=("religion", "religious"),
    exceptions=("宗教活动场所", "宗教事务", "宗教团体", "宗教院校"),
)
GENE = ProhibitedKind(
    code="gene",
    label=_("genes"),
    source=f"{ART_19}; {_CREDIT_REPORTING_REGULATION}",
    chinese_terms=("基因",),  # also catches 基因检测, 基因信息
    english_terms=("gene", "genetic", "genetics", "genome", "genomic", "dna"),
    exceptions=("转基因",),
)
FINGERPRINT = ProhibitedKind(
    code="fingerprint",
    label=_("fingerprints"),
    source=f"{ART_19}; {_CREDIT_REPORTING_REGULATION}",
    chinese_terms=("指纹",),
    english_terms=("fingerprint", "finger print"),
)
BLOOD_TYPE = ProhibitedKind(
    code="blood_type",
    label=_("blood type"),
    source=f"{ART_19}; {_CREDIT_REPORTING_REGULATION}",
    chinese_terms=("血型",),
    english_terms=("blood type", "blood group"),
)
DISEASE = ProhibitedKind(
    code="disease",
    label=_("diseases"),
    source=f"{ART_19}; {_CREDIT_REPORTING_REGULATION}",
    chinese_terms=("疾病", "患病", "诊断"),
    english_terms=("disease", "illness", "diagnosis", "diagnoses"),
    exceptions=("疾病预防控制",),  # 疾病预防控制中心 / 机构: an authority, not a person's illness
)
MEDICAL_HISTORY = ProhibitedKind(
    code="medical_history",
    label=_("medical history"),
    source=f"{ART_19}; {_CREDIT_REPORTING_REGULATION}",
    chinese_terms=("病史", "既往病史", "病历"),
    english_terms=("medical history", "medical record", "anamnesis"),
)
BIOMETRIC = ProhibitedKind(
    code="biometric",
    label=_("other biometric information"),
    source=f"[ours] by analogy with fingerprints ({ART_19}); {_PIPL}",
    chinese_terms=("生物识别", "虹膜", "人脸", "面部特征", "面部识别", "声纹", "掌纹", "指静脉"),
    english_terms=("biometric", "iris", "face recognition", "facial", "faceprint", "voiceprint", "palmprint"),
    ours=True,
)

PROHIBITED_KINDS: tuple[ProhibitedKind, ...] = (
    RELIGION, GENE, FINGERPRINT, BLOOD_TYPE, DISEASE, MEDICAL_HISTORY, BIOMETRIC,
)


@dataclass(frozen=True)
class ProhibitedMatch:
    kind: ProhibitedKind
    term: str  # the term that matched, as listed above


_CAMEL_BOUNDARY_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD_RE = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    """ASCII words of a text: `BloodType`, `blood_type` and `blood type` all give ["blood", "type"]."""
    spaced = _CAMEL_BOUNDARY_RE.sub(" ", unicodedata.normalize("NFKC", text or ""))
    return _WORD_RE.findall(spaced.casefold())


def _same_word(word: str, wanted: str) -> bool:
    """`fingerprints` is the word `fingerprint`; `diagnosis` stays `diagnosis` (a plain plural -s only)."""
    return word == wanted or (len(word) > 3 and word.endswith("s") and word[:-1] == wanted)


def _has_phrase(words: list[str], phrase: str) -> bool:
    """Whether the words of `phrase` follow one another in `words`, or appear written as one word."""
    wanted = phrase.split()
    joined = "".join(wanted)
    if any(_same_word(word, joined) for word in words):
        return True
    size = len(wanted)
    return any(
        all(_same_word(word, w) for word, w in zip(words[i : i + size], wanted, strict=True))
        for i in range(len(words) - size + 1)
    )


def prohibited_match(text: str) -> ProhibitedMatch | None:
    """The prohibited kind a field code, field name or column header names, and the term that matched."""
    if not text:
        return None
    normalized = normalize_header(text)
    words = _words(text)
    for kind in PROHIBITED_KINDS:
        screened = normalized
        for compound in kind.exceptions:
            screened = screened.replace(normalize_header(compound), "\u0000")
        for term in sorted(kind.chinese_terms, key=len, reverse=True):  # name the most specific term
            if normalize_header(term) in screened:
                return ProhibitedMatch(kind, term)
        for term in kind.english_terms:
            if _has_phrase(words, term):
                return ProhibitedMatch(kind, term)
    return None


def prohibited_kind(text: str) -> ProhibitedKind | None:
    """The kind of prohibited personal information (Art 19) that `text` names, or None.

    `text` is a field code, field name, alias or a column header as a file spells it. Harmless look-alikes
    pass: `民族`, `信用承诺内容`, `转基因产品名称`, `疾病预防控制中心`.
    """
    match = prohibited_match(text)
    return match.kind if match else None
