"""What an organization's public page showed on a day, as the platform knew it then (Art 18, 22, 30): the
selector, `xinyong public-view USCC --on DATE`, and the console page for staff handling disputes, which is an
official query through the access function (logged, purpose stated).

Records "received on a day" are built as ingestion builds them (`revision_build`, HMAC included) with that
day's time, since the services always stamp the present moment; later changes go through the services.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from itertools import count

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinyong.core.errors import NotFoundOrForbidden
from xinyong.core.identifiers import make_uscc
from xinyong.disclosure.access import access_public_profile, access_subject_information
from xinyong.disclosure.models import QueryLogEntry
from xinyong.disclosure.selectors import public_view_on
from xinyong.records.models import CreditRecord

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

_numbers = count(5100)
RECEIVED = dt.date(2026, 2, 1)
DECIDED = dt.date(2026, 1, 10)
ORG = "承德市回溯测试贸易有限公司"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def shown(view) -> list[tuple]:
    return [(v.document_number, v.revision.number, v.publication_end) for v in view.records]


@pytest.fixture
def org(divisions):
    from xinyong.subjects.services import SubjectData, subject_register

    return subject_register(
        data=SubjectData(kind="legal_person", identifier_type="uscc", identifier=make_uscc("9", "1", "130802", "51005100"),
                         name=ORG, division_code="130802"),
        source="test",
    )


@pytest.fixture
def receive(provider, catalog):
    """A record received on `on` at 10:00 (revision 1 created then)."""
    from xinyong.catalog.selectors import item_current
    from xinyong.records.choices import RevisionSource
    from xinyong.records.services import revision_build

    def build(subject, *, on=RECEIVED, decision_date=DECIDED, publication_end=None, disclosure_class="public",
              content="罚款人民币一万元"):
        item = item_current("admin-penalty")
        record = CreditRecord.objects.create(
            subject=subject, item=item, item_code=item.code, provider=provider,
            document_number=f"承市监罚〔2026〕{next(_numbers)}号", decision_date=decision_date,
            disclosure_class=disclosure_class, publication_start=decision_date, publication_end=publication_end,
            created_at=at(on),
        )
        revision_build(record, number=1, data={"CF_NR": content}, status=record.status,
                       source=RevisionSource.SUBMISSION, created_at=at(on)).save()
        return record

    return build


def correct_on(record, *, on: dt.date, publication_end: dt.date, content: str):
    """A correction received on `on` at 10:00: revision 2 with a new window, as `record_correct` writes it."""
    from xinyong.records.choices import RevisionSource
    from xinyong.records.services import revision_build

    record.publication_end = publication_end
    record.revision = 2
    record.save(update_fields=["publication_end", "revision"])
    revision_build(record, number=2, data={"CF_NR": content}, status=record.status, source=RevisionSource.CORRECTION,
                   reason="处罚内容更正", created_at=at(on)).save()


# --- the selector --------------------------------------------------------------------------------------------


def test_a_record_received_later_is_not_shown_on_an_earlier_day(org, receive):
    record = receive(org)
    assert public_view_on(org, RECEIVED - dt.timedelta(days=1)).records == []  # decided, not yet received
    assert shown(public_view_on(org, RECEIVED)) == [(record.document_number, 1, None)]
    # With today's knowledge the window alone decides: the record is in it on that earlier day.
    assert len(access_public_profile(org, on=RECEIVED - dt.timedelta(days=1)).records) == 1


def test_a_corrected_record_is_shown_as_each_revision_had_it_with_that_revisions_window(org, receive):
    record = receive(org, publication_end=dt.date(2027, 1, 10))
    correct_on(record, on=dt.date(2026, 5, 1), publication_end=dt.date(2026, 7, 10), content="罚款人民币五千元")

    before = public_view_on(org, dt.date(2026, 4, 30))
    assert shown(before) == [(record.document_number, 1, dt.date(2027, 1, 10))]
    assert [(f.name, f.value) for f in before.records[0].fields] == [("处罚内容", "罚款人民币一万元")]
    after = public_view_on(org, dt.date(2026, 5, 1))
    assert shown(after) == [(record.document_number, 2, dt.date(2026, 7, 10))]
    assert [(f.name, f.value) for f in after.records[0].fields] == [("处罚内容", "罚款人民币五千元")]
    assert len(public_view_on(org, dt.date(2026, 7, 9)).records) == 1  # the corrected window's last day
    assert public_view_on(org, dt.date(2026, 7, 10)).records == []  # its end (exclusive)
    # Today's knowledge of that earlier day: the corrected window, already ended before 2026-07-20.
    assert [v.publication_end for v in access_public_profile(org, on=dt.date(2026, 4, 30)).records] == [
        dt.date(2026, 7, 10)]


def test_records_withdrawn_or_repaired_later_are_shown_as_they_were_with_their_status_then_and_now(org, receive):
    from xinyong.records.services import record_repair, record_withdraw

    withdrawn, repaired = receive(org), receive(org)
    record_withdraw(record=withdrawn, reason="处罚决定已被撤销。")
    record_repair(record=repaired, reason="已完成信用修复。")
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    lines = {line["document_number"]: line for line in public_view_on(org, yesterday).lines()}
    assert {n: (line["status"], line["status_now"]) for n, line in lines.items()} == {
        withdrawn.document_number: ("active", "withdrawn"), repaired.document_number: ("active", "repaired")}
    assert public_view_on(org, timezone.localdate()).records == []
    assert access_public_profile(org).records == []


def test_classes_that_are_not_public_and_natural_persons_are_never_in_the_view(org, receive, divisions):
    from xinyong.core.identifiers import make_citizen_id
    from xinyong.subjects.services import SubjectData, subject_register

    receive(org, disclosure_class="authorized")
    receive(org, disclosure_class="shared")
    assert public_view_on(org, RECEIVED).records == []
    person = subject_register(
        data=SubjectData(kind="natural_person", identifier_type="id", name="赵六", division_code="130802",
                         identifier=make_citizen_id("130802", dt.date(1980, 5, 5), 51)),
        source="test",
    )
    receive(person)
    assert public_view_on(person, RECEIVED).lines() == []


# --- list entries on the page --------------------------------------------------------------------------------


@pytest.fixture
def clerk(make_staff, make_org):
    return make_staff(roles=("case_handler",), organization=make_org(name="承德市行政审批局", kind="authority"))


def court_listing(subject, clerk, *, on=dt.date(2026, 3, 2), **term):
    from xinyong.lists.models import ListDefinition
    from xinyong.lists.services import list_entry_decide, list_entry_propose, list_entry_publish

    entry = list_entry_propose(definition=ListDefinition.objects.get(code="court-enforcement"), subject=subject,
                               reasons="有履行能力而拒不履行。", actor=clerk, on=on)
    entry = list_entry_decide(entry=entry, decision="listed", reasons="人民法院决定纳入。", actor=clerk, on=on, **term)
    return list_entry_publish(entry=entry, actor=clerk, on=on)


def test_a_list_entry_is_shown_from_the_day_it_was_published_with_its_end_as_known_then(org, clerk, monkeypatch):
    from xinyong.lists.choices import EntryAction
    from xinyong.lists.models import ListEntry, ListEntryEvent
    from xinyong.lists.selectors import public_list_entries
    from xinyong.lists.services import list_entry_extend

    entry = court_listing(org, clerk, court_term_end=dt.date(2026, 9, 30))
    # Published just now: not on the page of 2026-03-02 as the platform knew it that day.
    assert public_view_on(org, dt.date(2026, 3, 2)).list_entries == []
    ListEntry.objects.filter(pk=entry.pk).update(published_at=at(dt.date(2026, 3, 2)))
    assert public_view_on(org, dt.date(2026, 3, 1)).list_entries == []
    (line,) = public_view_on(org, dt.date(2026, 3, 2)).lines()
    assert line == {
        "type": "list_entry", "item": "court-enforcement", "item_name": "失信被执行人名单",
        "document_number": entry.number, "decision_date": "2026-03-02", "publication_start": "2026-03-02",
        "publication_end": "2026-10-01", "status": "published", "status_now": "published",
        "provider": "人民法院（由人民法院依法决定，本平台记录和公布）",
    }

    # The court extends the term on 2026-09-01; the platform records it only now.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 9, 1))
    list_entry_extend(entry=entry, court_term_end=dt.date(2027, 9, 30), note="延长失信期限一年的决定书。", actor=clerk,
                      on=dt.date(2026, 9, 1))
    monkeypatch.undo()
    assert [e.expires_on for e in public_view_on(org, dt.date(2026, 9, 30)).list_entries] == [dt.date(2026, 10, 1)]
    assert public_view_on(org, dt.date(2026, 10, 1)).list_entries == []  # the end then known had come
    assert [e.expires_on for e in public_list_entries(org, dt.date(2026, 10, 1))] == [dt.date(2027, 10, 1)]
    # Had it been recorded on 2026-09-01, the page of 2026-10-01 would have shown the extended term.
    ListEntryEvent.objects.filter(entry=entry, action=EntryAction.EXTENDED).update(at=at(dt.date(2026, 9, 1)))
    assert [e.expires_on for e in public_view_on(org, dt.date(2026, 10, 1)).list_entries] == [dt.date(2027, 10, 1)]


def test_a_list_entry_removed_later_is_shown_as_it_was(org, clerk):
    from xinyong.lists.models import ListEntry
    from xinyong.lists.selectors import public_list_entries
    from xinyong.lists.services import list_entry_remove

    entry = court_listing(org, clerk, court_term_open=True)
    ListEntry.objects.filter(pk=entry.pk).update(published_at=at(dt.date(2026, 3, 2)))
    list_entry_remove(entry=entry, reason="court", note="已全部履行，人民法院决定删除。", actor=clerk,
                      on=dt.date(2026, 11, 1))
    (line,) = public_view_on(org, dt.date(2026, 11, 15)).lines()  # the removal was recorded after that day
    assert (line["publication_end"], line["status"], line["status_now"]) == (None, "published", "removed")
    assert public_list_entries(org, dt.date(2026, 11, 15)) == []  # today's knowledge: removed on 2026-11-01
    assert public_view_on(org, timezone.localdate()).list_entries == []


def test_the_view_of_today_is_exactly_the_public_page(client, org, receive, clerk):
    from xinyong.lists.selectors import public_list_entries
    from xinyong.records.services import record_withdraw

    visible = receive(org)
    record_withdraw(record=receive(org), reason="撤销。")
    receive(org, disclosure_class="authorized")
    ended = receive(org, publication_end=dt.date(2026, 6, 1))
    fresh = receive(org, on=timezone.localdate())
    court_listing(org, clerk, court_term_open=True)

    today = timezone.localdate()
    view = public_view_on(org, today)
    page = access_public_profile(org)
    assert shown(view) == [(v.document_number, v.revision.number, v.publication_end) for v in page.records]
    assert {v.document_number for v in view.records} == {visible.document_number, fresh.document_number}
    assert [e.number for e in view.list_entries] == [e.number for e in public_list_entries(org)]
    assert len(view.list_entries) == 1
    html = client.get(f"/org/{org.identifier_masked}/").content.decode()
    for line in view.lines():
        assert line["document_number"] in html
    assert ended.document_number not in html


# --- the command ---------------------------------------------------------------------------------------------


def run(*args) -> list[dict]:
    out = io.StringIO()
    call_command("public_view", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_command_prints_one_json_line_per_record_shown_that_day(org, receive, provider):
    record = receive(org, publication_end=dt.date(2027, 1, 10))
    correct_on(record, on=dt.date(2026, 5, 1), publication_end=dt.date(2026, 7, 10), content="罚款人民币五千元")
    assert run(org.identifier, "--on", "2026-01-31") == []
    assert run(org.identifier, "--on", "2026-04-30") == [{
        "type": "record", "item": "admin-penalty", "item_name": "行政处罚", "document_number": record.document_number,
        "decision_date": "2026-01-10", "publication_start": "2026-01-10", "publication_end": "2027-01-10",
        "status": "active", "status_now": "active", "revision": 1, "provider": provider.name,
    }]
    assert [line["publication_end"] for line in run(org.identifier, "--on", "2026-05-01")] == ["2026-07-10"]
    assert run(org.identifier) == []  # today: the corrected window has ended


def test_the_command_refuses_bad_input_and_unknown_organizations(org):
    with pytest.raises(CommandError) as invalid:
        run("9113080212345")
    assert invalid.value.returncode == 2
    with pytest.raises(CommandError) as future:
        run(org.identifier, "--on", (timezone.localdate() + dt.timedelta(days=1)).isoformat())
    assert future.value.returncode == 2
    with pytest.raises(CommandError) as not_a_date:
        run(org.identifier, "--on", "2026-13-01")
    assert not_a_date.value.returncode == 2
    with pytest.raises(CommandError) as unknown:
        run(make_uscc("9", "1", "130802", "99999999"))
    assert unknown.value.returncode == 3


# --- the console page (an official query, Art 21, 28, 30) -----------------------------------------------------


PAGE = "/console/public-view/"


def test_the_console_page_has_chinese_labels_and_keyboard_usable_fields(client, clerk):
    client.force_login(clerk)
    page = client.get(PAGE).content.decode()
    for text in ("公示情况回溯", "统一社会信用代码", "日期", "查询用途", "查看当日公示情况"):
        assert text in page, text
    assert '<label class="field__label" for="id_on">' in page and 'type="date" name="on"' in page
    assert '<label class="field__label" for="id_uscc">' in page
    assert f'href="{PAGE}"' in page  # in the console navigation


def test_staff_see_what_the_page_showed_and_the_read_is_logged_as_an_official_query(client, clerk, org, receive):
    from xinyong.records.services import record_withdraw

    record = receive(org)
    record_withdraw(record=record, reason="处罚决定已被撤销。")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    client.force_login(clerk)
    response = client.post(PAGE, {"uscc": org.identifier, "on": yesterday.isoformat(), "purpose": "异议案件YY2026001"})
    page = response.content.decode()
    assert response.status_code == 200
    assert record.document_number in page and "已撤销" in page and "罚款人民币一万元" in page
    entry = QueryLogEntry.objects.get()
    assert (entry.mode, entry.result, entry.channel, entry.requester, entry.subject, entry.record_count) == (
        "official", "served", "console", clerk, org, 1)
    assert entry.purpose == f"异议案件YY2026001（{yesterday.isoformat()}公示情况）"


def test_the_subjects_page_links_each_organization_to_the_view(client, clerk, org, receive):
    receive(org)
    client.force_login(clerk)
    link = f"{PAGE}?subject={org.pk}"
    assert f'href="{link}"' in client.get("/console/subjects/").content.decode()
    assert ORG in client.get(link).content.decode()
    page = client.post(link, {"subject": org.pk, "on": RECEIVED.isoformat(), "purpose": "争议核查"}).content.decode()
    assert "当日公示的信息：1条" in page


def test_the_page_needs_the_permission_and_the_access_function_refuses_and_logs_others(client, make_staff, org):
    implementer = make_staff(roles=("measure_implementer",))  # official queries, but no disputes
    client.force_login(implementer)
    assert client.get(PAGE).status_code == 403
    client.force_login(make_staff(roles=("data_submitter",)))
    assert client.get(PAGE).status_code == 403
    with pytest.raises(NotFoundOrForbidden):
        access_subject_information(requester=implementer, subject=org, mode="official", purpose="核查",
                                   as_public_on=RECEIVED)
    refused = QueryLogEntry.objects.get()
    assert (refused.result, refused.reason) == ("refused", "no_permission")


def test_an_organization_outside_the_jurisdiction_is_not_found_and_the_refusal_logged(client, make_staff, make_org, org):
    county = make_staff(roles=("case_handler",), organization=make_org(name="承德县市场监督管理局", division="130821"))
    client.force_login(county)
    response = client.post(PAGE, {"uscc": org.identifier, "on": RECEIVED.isoformat(), "purpose": "核查"})
    assert response.status_code == 404 and "未找到。" in response.content.decode()
    assert QueryLogEntry.objects.get().reason == "outside_jurisdiction"


def test_a_future_day_or_a_missing_purpose_is_refused_in_chinese(client, clerk, org):
    client.force_login(clerk)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = client.post(PAGE, {"uscc": org.identifier, "on": tomorrow, "purpose": "核查"}).content.decode()
    assert "日期不能晚于今天。" in page
    page = client.post(PAGE, {"uscc": org.identifier, "on": RECEIVED.isoformat()}).content.decode()
    assert "查询用途" in page and "此项为必填项。" in page
    assert QueryLogEntry.objects.count() == 0
