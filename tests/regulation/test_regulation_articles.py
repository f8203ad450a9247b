"""The regulation's text is vendored and loaded as 37 articles in six chapters (registry item A.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent, ObjectChange
from xinyong.regulation.models import Article
from xinyong.regulation.services import regulation_load_articles
from xinyong.regulation.text import REGULATION_FILE, RegulationTextError, chinese_number, parse_regulation

pytestmark = pytest.mark.smoke

SHARED_COPY = Path(__file__).resolve().parents[3] / "shared" / "regulation" / REGULATION_FILE.name

CHAPTERS = {
    1: "总则",
    2: "社会信用体系建设",
    3: "社会信用信息管理与应用",
    4: "社会信用主体权益保护",
    5: "法律责任",
    6: "附则",
}


@pytest.mark.skipif(
    not SHARED_COPY.exists(), reason="../shared/regulation/ is not checked out next to the repo"
)
def test_the_vendored_text_is_byte_for_byte_the_shared_regulation():
    assert REGULATION_FILE.read_bytes() == SHARED_COPY.read_bytes()


def test_chinese_numerals_of_article_numbers_are_read_as_numbers():
    assert [chinese_number(n) for n in ("一", "十", "十二", "二十", "三十七", "一百零二")] == [
        1,
        10,
        12,
        20,
        37,
        102,
    ]
    with pytest.raises(ValueError):
        chinese_number("3")


def test_a_numbering_gap_in_the_text_is_refused_as_a_new_article():
    # "第三条" after 第一条 is not the next number, so it is read as a paragraph of the first article.
    title, articles = parse_regulation("某条例\n第一章　总　　则\n第一条　甲。\n第三条　乙。\n")
    assert title == "某条例"
    assert [a.number for a in articles] == [1]
    assert articles[0].text == "甲。\n第三条　乙。"


def test_an_article_before_any_chapter_is_refused():
    with pytest.raises(RegulationTextError):
        parse_regulation("某条例\n第一条　甲。\n")


@pytest.mark.django_db
def test_a_fresh_database_holds_articles_1_to_37_with_their_chapters():
    articles = list(Article.objects.order_by("number"))
    assert [a.number for a in articles] == list(range(1, 38))
    assert {a.chapter: a.chapter_title for a in articles} == CHAPTERS
    first_of_chapter = {}
    for a in articles:
        first_of_chapter.setdefault(a.chapter, a.number)
    assert first_of_chapter == {1: 1, 2: 9, 3: 17, 4: 28, 5: 33, 6: 36}
    assert articles[36].text == "本条例自2024年5月1日起施行。"
    assert articles[0].label == "Art 1"


@pytest.mark.django_db
def test_paragraphs_and_items_stay_with_their_article():
    art25 = Article.objects.get(number=25)
    assert art25.text.startswith("行政机关、法律法规授权具有管理公共事务职能的组织")
    assert "（六）法律、行政法规规定可以采取的其他措施。" in art25.text
    assert art25.text.endswith("依照法律、行政法规和国家有关规定采取惩戒措施。")


@pytest.mark.django_db
def test_loading_the_articles_again_changes_nothing_and_writes_no_audit_record():
    events = AuditEvent.objects.count()
    assert regulation_load_articles() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_stored_article_that_differs_from_the_text_is_corrected_and_audited():
    Article.objects.filter(number=2).update(text="被改动的文本")
    assert regulation_load_articles() == 1
    assert Article.objects.get(number=2).text.startswith("本市行政区域内促进社会信用体系建设")
    event = AuditEvent.objects.filter(event_type=AuditEventType.REGULATION_ARTICLES_LOADED).latest("id")
    change = ObjectChange.objects.get(event=event)
    assert change.action == "update"
    assert change.before["text"] == "被改动的文本"
