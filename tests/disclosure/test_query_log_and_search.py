"""The query log is append-only and purged only past retention; the organization search index (Art 18, 19,
21, 29; security req. 11, 14)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from disclosure_fixtures import COMPANY
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from ingestion_fixtures import org_uscc, penalty_row

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.disclosure.access import access_subject_information
from xinyong.disclosure.models import OrganizationSearch, QueryLogEntry
from xinyong.disclosure.search import bigrams, normalize_name, organization_search, search_index_catch_up
from xinyong.disclosure.services import query_log_purge

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 21")]


@pytest.fixture
def entry(company, make_staff):
    staff = make_staff(roles=("case_handler",))
    access_subject_information(requester=staff, subject=company, mode="official", purpose="检查")
    return QueryLogEntry.objects.get()


def test_query_log_entries_cannot_be_changed_or_deleted(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        QueryLogEntry.objects.filter(pk=entry.pk).update(purpose="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        QueryLogEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.purpose == "检查"


def test_the_purge_archives_and_deletes_only_entries_past_retention(entry, tmp_path):
    old = QueryLogEntry.objects.create(
        occurred_at=timezone.now() - dt.timedelta(days=366 * 5 + 2), subject=entry.subject, mode="official",
        purpose="旧查询", result="served",
    )
    result = query_log_purge(archive_dir=tmp_path)
    assert result.archived == 1
    assert list(QueryLogEntry.objects.values_list("pk", flat=True)) == [entry.pk]
    archived = [json.loads(line) for line in result.archive_path.read_text(encoding="utf-8").splitlines()]
    assert [(a["id"], a["purpose"]) for a in archived] == [(old.pk, "旧查询")]
    event = AuditEvent.objects.filter(event_type=AuditEventType.QUERY_LOG_PURGED).get()
    assert event.details["archived"] == 1 and event.details["archive_sm3"] == result.archive_digest


def test_the_purge_command_reports_what_it_did(entry, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("queries", "purge", "--archive-dir", str(tmp_path), stdout=out)
    assert "archived and deleted 0 entries" in out.getvalue()
    assert QueryLogEntry.objects.count() == 1


# --- search -------------------------------------------------------------------------------------------------


def test_names_are_cut_into_overlapping_two_character_pieces():
    assert normalize_name(" 承德市（华安）Ａｂ ") == "承德市(华安)ab"
    assert bigrams("承德华安") == ["承德", "德华", "华安"]
    assert bigrams("华安") == ["华安"]


def test_any_part_of_two_characters_or_more_finds_the_organization(company):
    for query in ("华安", "德市华安商", COMPANY, "商贸有限"):
        assert [s.name for s in organization_search(query).subjects] == [COMPANY], query
    assert organization_search("华").page is None
    assert organization_search("安华").subjects == []


def test_the_uscc_is_searched_exactly_through_the_blind_index(company):
    assert organization_search(company.identifier_masked).subjects == [company]
    assert organization_search(org_uscc(4243)).subjects == []


@pytest.mark.articles("Art 19")
def test_persons_are_never_indexed_or_found(person, company):
    search_index_catch_up()
    assert set(OrganizationSearch.objects.values_list("subject_id", flat=True)) == {company.pk}
    assert organization_search("王小明").subjects == []
    assert organization_search("小明").subjects == []


def test_results_are_paginated(submit, provider):
    rows = [penalty_row(provider.uscc, **{"行政相对人名称": f"承德市分页测试{n:02d}有限公司",
                                         "统一社会信用代码": org_uscc(5000 + n)}) for n in range(25)]
    submit(rows)
    first, last = organization_search("分页测试"), organization_search("分页测试", page=2)
    assert first.total == 25 and len(first.subjects) == 20 and len(last.subjects) == 5
    assert first.subjects[0].name == "承德市分页测试00有限公司"


def test_the_index_catches_up_with_subjects_created_in_bulk_and_follows_renames(company):
    from xinyong.disclosure.search import search_index_refresh
    from xinyong.subjects.services import subject_rename

    assert search_index_catch_up() == 1
    assert OrganizationSearch.objects.get().name_normalized == normalize_name(COMPANY)
    assert search_index_catch_up() == 0
    subject_rename(subject=company, name="承德市新名称科技有限公司", effective_date=timezone.localdate(), source="测试")
    search_index_refresh([company.pk])
    assert OrganizationSearch.objects.get().name_normalized == "承德市新名称科技有限公司"
    assert [s.pk for s in organization_search("新名称").subjects] == [company.pk]


@pytest.mark.postgres
def test_postgresql_matches_name_bigrams_through_the_gin_index(company):
    if connection.vendor != "postgresql":
        pytest.skip("the bigram tsvector index is PostgreSQL's; SQLite searches names directly")
    search_index_catch_up()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_bigrams::text FROM disclosure_organizationsearch WHERE subject_id = %s",
                       [company.pk])
        assert "'华安'" in cursor.fetchone()[0]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'disclosure_orgsearch_bigrams'")
        assert "gin" in cursor.fetchone()[0].lower()
    assert [s.pk for s in organization_search("华安").subjects] == [company.pk]
    assert organization_search("华 安'商").subjects == []  # a quote in the query is only text


def test_a_very_common_name_piece_reports_more_than_the_cap_instead_of_counting_everything(monkeypatch, db):
    import xinyong.disclosure.search as search
    from xinyong.core.identifiers import make_uscc
    from xinyong.subjects.services import SubjectData, subject_register

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for n in range(5):
        subject_register(
            data=SubjectData(kind="legal_person", identifier_type="uscc",
                             identifier=make_uscc("9", "1", "130802", f"MB{n:06d}"), name=f"承德有限公司{n}"),
            source="test",
        )
    results = search.organization_search("有限")
    assert results.total == 4 and results.total_capped
    assert len(results.subjects) == 4
