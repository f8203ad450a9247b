"""`xinyong compliance` accounts for all 37 articles (registry item A.4).

Citations inside this file's test texts are assembled at run time (CITE), so that this file does not
itself count as testing those articles.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from xinyong.regulation.compliance import cited_articles, compliance_report, no_software_duty
from xinyong.regulation.text import regulation_text

pytestmark = pytest.mark.smoke

CITE = "Art" + " "
SUMMARY_RE = re.compile(
    r"^articles: 37, implemented: (\d+), cited by tests: (\d+), no software duty: (\d+), missing: (\d+)$"
)


def test_single_citations_ranges_and_comma_lists_are_understood():
    assert cited_articles(f"({CITE}24)") == {24}
    assert cited_articles(f"see {CITE}22–26 and {CITE}9-11") == {22, 23, 24, 25, 26, 9, 10, 11}
    assert cited_articles(f"(identifiers, {CITE}19, 20)") == {19, 20}
    assert cited_articles(f'articles=["{CITE}28", "{CITE}30"]') == {28, 30}


def test_numbers_that_merely_follow_a_citation_and_other_regulations_are_not_counted():
    assert cited_articles(f"{CITE}28, 2 working days later") == {28}
    assert cited_articles(f"as in Shenzhen {CITE}82 and Shanghai {CITE}36") == set()
    assert cited_articles(f"Article 5, Art5, {CITE}x") == set()


def test_the_no_software_duty_list_names_real_articles_with_reasons():
    numbers = {a.number for a in regulation_text()[1]}
    reasons = no_software_duty()
    assert set(reasons) <= numbers
    assert all(reason.strip() for reason in reasons.values())


def test_a_report_files_each_article_under_exactly_one_status(tmp_path):
    (tmp_path / "xinyong").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "xinyong" / "a.py").write_text(f'"""Does it ({CITE}3, 6)."""', encoding="utf-8")
    (tmp_path / "tests" / "test_a.py").write_text(f"# {CITE}6", encoding="utf-8")
    report = compliance_report(tmp_path, regulation_text()[1])
    status = {row.number: row.status for row in report.articles}
    assert status[3] == status[6] == "implemented"
    assert status[1] == "no software duty"
    assert status[9] == "missing"
    by_number = {row.number: row for row in report.articles}
    assert by_number[6].code == ["xinyong/a.py"] and by_number[6].tests == ["tests/test_a.py"]
    match = SUMMARY_RE.match(report.summary())
    implemented, tested, no_duty, missing = map(int, match.groups())
    assert (implemented, tested) == (2, 1)
    assert implemented + no_duty + missing == 37


@pytest.mark.django_db
def test_the_command_lists_all_37_articles_and_ends_with_the_summary():
    out = io.StringIO()
    call_command("compliance", stdout=out)
    lines = out.getvalue().splitlines()
    heads = [line for line in lines if line.startswith("Art ")]
    assert [int(line.split("\t")[0].split()[1]) for line in heads] == list(range(1, 38))
    match = SUMMARY_RE.match(lines[-1])
    assert match, lines[-1]
    implemented, _tested, no_duty, missing = map(int, match.groups())
    assert implemented + no_duty + missing == 37
    assert no_duty == len(no_software_duty())
    head_37 = next(line for line in heads if line.startswith(f"{CITE}37\t"))
    assert "no software duty" in head_37


@pytest.mark.django_db
def test_the_strict_command_fails_while_articles_are_missing():
    report = compliance_report_from_db()
    if any(row.status == "missing" for row in report.articles):
        with pytest.raises(CommandError):
            call_command("compliance", "--strict", stdout=io.StringIO())
    else:
        call_command("compliance", "--strict", stdout=io.StringIO())


def compliance_report_from_db():
    from django.conf import settings

    from xinyong.regulation.selectors import article_list

    return compliance_report(settings.BASE_DIR, list(article_list()))
