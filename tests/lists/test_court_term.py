"""The courts' list of dishonest judgment debtors takes each entry's term from the court (法释〔2017〕7号第二条,
第十条): the court's last day or no fixed term, the court's extensions and removals — never a default of the
platform's own. Through the services, the daily expiry job, the console pages and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from lists_fixtures import SERVED, audit_count, definition, publish_entry, register_org

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import ServiceError
from xinyong.lists.choices import EntryAction, EntryState, RemovalReason
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import active_entries, public_list_entries
from xinyong.lists.services import (
    list_entries_expire,
    list_entry_decide,
    list_entry_extend,
    list_entry_propose,
    list_entry_publish,
    list_entry_remove,
)
from xinyong.regulation.parameters import ParameterError, parameter

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.usefixtures("render_notices_fast")]

LAST_DAY = dt.date(2026, 9, 30)  # the court's term: listed up to and including this day
REFUSED_NO_TERM = ("列入失信被执行人名单须载明人民法院决定的失信期限：请填写“失信期限届满日”，"
                   "或者勾选“无固定期限”。")


def court_proposal(subject, clerk):
    return list_entry_propose(definition=definition("court-enforcement"), subject=subject,
                              reasons="有履行能力而拒不履行生效法律文书确定的义务。", actor=clerk, on=SERVED)


def decide(entry, clerk, **term):
    return list_entry_decide(entry=entry, decision="listed", reasons="人民法院决定纳入失信被执行人名单。",
                             actor=clerk, on=SERVED, **term)


def on_list(entry, day) -> bool:
    return active_entries(day).filter(pk=entry.pk).exists()


# --- the term comes from the court ----------------------------------------------------------------------------


def test_a_court_listing_without_the_courts_term_is_refused_naming_the_field(clerk, company):
    entry = court_proposal(company, clerk)
    with pytest.raises(ServiceError) as refused:
        decide(entry, clerk)
    assert (refused.value.code, refused.value.field) == ("court_term_required", "court_term_end")
    assert str(refused.value.message) == REFUSED_NO_TERM
    entry.refresh_from_db()
    assert entry.state == EntryState.PROPOSED and entry.expires_on is None
    assert audit_count(AuditEventType.LIST_ENTRY_DECIDED) == 0


def test_a_court_term_is_either_a_last_day_or_no_fixed_term_and_not_before_the_listing(clerk, company):
    entry = court_proposal(company, clerk)
    with pytest.raises(ServiceError) as both:
        decide(entry, clerk, court_term_end=LAST_DAY, court_term_open=True)
    assert (both.value.code, both.value.field) == ("court_term_conflict", "court_term_open")
    assert str(both.value.message) == "“失信期限届满日”和“无固定期限”只能填写其中一项。"
    with pytest.raises(ServiceError) as early:
        decide(entry, clerk, court_term_end=SERVED - dt.timedelta(days=1))
    assert str(early.value.message) == "人民法院决定的失信期限届满日2026-03-01早于列入日期2026-03-02。"


def test_other_lists_keep_their_duration_rule_and_refuse_a_court_term(clerk, company):
    entry = publish_entry(company, clerk)  # serious dishonesty: 36 months by its rule
    assert entry.expires_on == dt.date(2029, 3, 10)
    assert entry.events.get(action=EntryAction.DECIDED).parameters["lists.serious_dishonesty_duration"] == 36
    other = list_entry_propose(definition=definition("honor"), subject=register_org(), reasons="荣誉。", actor=clerk,
                               on=SERVED)
    with pytest.raises(ServiceError) as refused:
        decide(other, clerk, court_term_end=LAST_DAY)
    assert refused.value.code == "court_term_not_applicable"


def test_the_invented_default_term_is_no_longer_in_force_and_the_list_names_no_rule(clerk):
    with pytest.raises(ParameterError):
        parameter("lists.court_enforcement_duration", dt.date(2026, 12, 5))
    court = definition("court-enforcement")
    assert court.duration_parameter == "" and court.term_set_by_court


def test_the_entry_expires_the_day_after_the_courts_last_day_and_the_job_removes_it_then(clerk, company):
    entry = decide(court_proposal(company, clerk), clerk, court_term_end=LAST_DAY)
    assert (entry.court_term_end, entry.court_term_open, entry.expires_on) == (LAST_DAY, False, dt.date(2026, 10, 1))
    assert entry.basis_parameters == {"court_term_end": "2026-09-30", "court_term_open": False}
    decided = AuditEvent.objects.get(event_type=int(AuditEventType.LIST_ENTRY_DECIDED))
    assert decided.details["parameters"] == {"court_term_end": "2026-09-30", "court_term_open": False}
    entry = list_entry_publish(entry=entry, actor=clerk, on=SERVED)

    assert on_list(entry, LAST_DAY) and not on_list(entry, LAST_DAY + dt.timedelta(days=1))
    assert list_entries_expire(on=LAST_DAY).removed == 0
    assert ListEntry.objects.get(pk=entry.pk).state == EntryState.PUBLISHED
    result = list_entries_expire(on=LAST_DAY + dt.timedelta(days=1))
    assert result.entry_ids == [entry.pk]
    entry.refresh_from_db()
    assert (entry.state, entry.removal_reason, entry.removed_on) == (
        EntryState.REMOVED, RemovalReason.EXPIRY, dt.date(2026, 10, 1))


def test_the_expire_command_follows_the_courts_date(clerk):
    entry = publish_entry(register_org(), clerk, "court-enforcement", court_term_end=LAST_DAY)
    call_command("lists", "expire", "--on", "2026-09-30")
    assert ListEntry.objects.get(pk=entry.pk).state == EntryState.PUBLISHED
    call_command("lists", "expire", "--on", "2026-10-01")
    assert ListEntry.objects.get(pk=entry.pk).state == EntryState.REMOVED


# --- extension -----------------------------------------------------------------------------------------------


def test_the_courts_extension_moves_the_end_and_keeps_the_earlier_one_in_the_timeline(clerk, company):
    entry = publish_entry(company, clerk, "court-enforcement", court_term_end=dt.date(2027, 12, 31))
    before = audit_count(AuditEventType.LIST_ENTRY_DECIDED)
    entry = list_entry_extend(entry=entry, court_term_end=dt.date(2029, 12, 31), actor=clerk,
                              note="承德市双桥区人民法院（2026）冀0802执恢12号决定书：延长失信期限二年。")
    assert (entry.court_term_end, entry.expires_on) == (dt.date(2029, 12, 31), dt.date(2030, 1, 1))
    assert entry.state == EntryState.PUBLISHED
    assert on_list(entry, dt.date(2029, 12, 31)) and not on_list(entry, dt.date(2030, 1, 1))
    step = entry.events.get(action=EntryAction.EXTENDED)
    assert step.parameters == {"court_term_end": "2029-12-31", "court_term_open": False,
                               "previous_court_term_end": "2027-12-31", "previous_expires_on": "2028-01-01"}
    assert step.note.startswith("承德市双桥区人民法院")
    assert audit_count(AuditEventType.LIST_ENTRY_DECIDED) == before + 1
    audit = AuditEvent.objects.filter(event_type=int(AuditEventType.LIST_ENTRY_DECIDED)).order_by("-seq").first()
    assert audit.details["extension"] is True


def test_an_extension_must_be_later_name_the_courts_decision_and_come_before_the_term_ends(clerk, company):
    entry = publish_entry(company, clerk, "court-enforcement", court_term_end=dt.date(2027, 12, 31))
    with pytest.raises(ServiceError) as shorter:
        list_entry_extend(entry=entry, court_term_end=dt.date(2027, 12, 31), note="决定书。", actor=clerk)
    assert str(shorter.value.message) == "新的失信期限届满日2027-12-31不晚于现有的届满日2027-12-31，不构成延长。"
    with pytest.raises(ServiceError) as unnamed:
        list_entry_extend(entry=entry, court_term_end=dt.date(2028, 12, 31), note=" ", actor=clerk)
    assert (unnamed.value.code, unnamed.value.field) == ("required", "note")
    with pytest.raises(ServiceError) as no_term:
        list_entry_extend(entry=entry, note="决定书。", actor=clerk)
    assert no_term.value.code == "court_term_required"

    ended = publish_entry(register_org(), clerk, "court-enforcement", served=dt.date(2024, 6, 3))
    with pytest.raises(ServiceError) as late:
        list_entry_extend(entry=ended, court_term_end=dt.date(2027, 6, 2), note="决定书。", actor=clerk)
    assert late.value.code == "expired"
    with pytest.raises(ServiceError) as other_list:
        list_entry_extend(entry=publish_entry(register_org(), clerk), court_term_end=dt.date(2030, 1, 1),
                          note="决定书。", actor=clerk)
    assert other_list.value.code == "court_term_not_applicable"


# --- no fixed term, removal by the court ----------------------------------------------------------------------


def test_an_entry_without_a_fixed_term_stays_until_the_court_removes_it(clerk, company):
    entry = publish_entry(company, clerk, "court-enforcement", court_term_open=True)
    assert (entry.court_term_end, entry.court_term_open, entry.expires_on) == (None, True, None)
    assert on_list(entry, dt.date(2040, 1, 1))
    assert [e.number for e in public_list_entries(company, dt.date(2040, 1, 1))] == [entry.number]
    assert list_entries_expire().removed == 0
    with pytest.raises(ServiceError) as refused:
        list_entry_remove(entry=entry, reason="expiry", actor=clerk)
    assert str(refused.value.message) == "人民法院未确定期限：该记录在人民法院决定删除前不会期满移出。"
    with pytest.raises(ServiceError) as nothing_to_extend:
        list_entry_extend(entry=entry, court_term_end=dt.date(2030, 1, 1), note="决定书。", actor=clerk)
    assert nothing_to_extend.value.code == "no_fixed_term"

    with pytest.raises(ServiceError) as unnamed:
        list_entry_remove(entry=entry, reason="court", actor=clerk)
    assert unnamed.value.code == "required"
    entry = list_entry_remove(entry=entry, reason="court", actor=clerk,
                              note="被执行人已全部履行，承德市双桥区人民法院决定删除失信信息。")
    assert (entry.state, entry.removal_reason) == (EntryState.REMOVED, RemovalReason.COURT)
    assert entry.get_removal_reason_display() == "人民法院决定删除"
    assert not on_list(entry, dt.date(2040, 1, 1)) and public_list_entries(company, dt.date(2040, 1, 1)) == []


def test_the_court_removes_entries_of_its_list_only_and_repair_does_not_apply_to_them(clerk, company):
    court_entry = publish_entry(company, clerk, "court-enforcement")
    with pytest.raises(ServiceError) as repair:
        list_entry_remove(entry=court_entry, reason="repair", note="已修复。", actor=clerk)
    assert str(repair.value.message) == "失信被执行人名单信息由人民法院决定删除，不适用信用修复。"
    with pytest.raises(ServiceError) as not_court:
        list_entry_remove(entry=publish_entry(company, clerk), reason="court", note="法院决定。", actor=clerk)
    assert not_court.value.code == "court_removal_not_applicable"


# --- pages, API, command -------------------------------------------------------------------------------------


def test_the_console_asks_for_the_courts_term_and_refuses_a_decision_without_it(client, clerk, company):
    entry = court_proposal(company, clerk)
    client.force_login(clerk)
    page = client.get(f"/console/lists/{entry.pk}/").content.decode()
    assert "失信期限届满日（含当日）" in page and "无固定期限：至人民法院决定删除时移出" in page
    assert 'type="date" name="court_term_end"' in page

    refused = client.post(f"/console/lists/{entry.pk}/decide/", {"decision": "listed", "reasons": "决定纳入。"})
    assert refused.status_code == 400
    assert REFUSED_NO_TERM in refused.content.decode()
    assert ListEntry.objects.get(pk=entry.pk).state == EntryState.PROPOSED

    listed = client.post(f"/console/lists/{entry.pk}/decide/", {
        "decision": "listed", "reasons": "决定纳入。", "court_term_end": "2028-03-01"})
    assert listed.status_code == 302
    entry.refresh_from_db()
    assert (entry.court_term_end, entry.expires_on) == (dt.date(2028, 3, 1), dt.date(2028, 3, 2))
    page = client.get(f"/console/lists/{entry.pk}/").content.decode()
    assert "至2028-03-01（含当日）" in page and "记录人民法院延长期限的决定" in page

    extended = client.post(f"/console/lists/{entry.pk}/extend/", {"court_term_open": "on",
                                                                  "note": "（2026）冀0802执12号决定书"})
    assert extended.status_code == 302
    entry.refresh_from_db()
    assert (entry.court_term_open, entry.court_term_end, entry.expires_on) == (True, None, None)


def test_other_lists_decide_in_the_console_without_court_fields(client, clerk, company):
    entry = list_entry_propose(definition=definition("honor"), subject=company, reasons="荣誉。", actor=clerk)
    client.force_login(clerk)
    page = client.get(f"/console/lists/{entry.pk}/").content.decode()
    assert "court_term_end" not in page


def test_the_api_takes_the_courts_term_and_refuses_a_listing_without_it(api_client_for, authority, company):
    api = api_client_for(authority, {"case_handler"})
    created = api.post("/api/v1/lists/entries", json.dumps({
        "list": "court-enforcement", "identifier_type": "uscc", "identifier": company.identifier,
        "reasons": "拒不履行。"}), content_type="application/json")
    entry_id = created.json()["id"]
    url = f"/api/v1/lists/entries/{entry_id}/decide"
    refused = api.post(url, json.dumps({"decision": "listed", "reasons": "决定纳入。"}), content_type="application/json")
    body = refused.json()
    assert refused.status_code == 400
    assert (body["code"], body["field"], body["message"]) == ("court_term_required", "court_term_end", REFUSED_NO_TERM)
    decided = api.post(url, json.dumps({"decision": "listed", "reasons": "决定纳入。", "court_term_open": True}),
                       content_type="application/json").json()
    assert (decided["court_term_open"], decided["expires_on"]) == (True, None)
    assert decided["parameters"] == {"court_term_end": None, "court_term_open": True}
    lists = {d["code"]: d for d in api.get("/api/v1/lists").json()}
    assert (lists["court-enforcement"]["duration_months"], lists["court-enforcement"]["term_set_by_court"]) == (
        None, True)
    assert lists["serious-dishonesty"]["duration_months"] == 36


def test_the_public_lists_say_the_court_decides_the_term(client, divisions):
    assert "由人民法院逐案决定" in client.get("/lists/court-enforcement/").content.decode()


def test_lists_show_names_the_court_as_the_source_of_the_term(capsys, divisions):
    call_command("lists", "show")
    rows = {line.split("\t")[0]: line.split("\t")[2] for line in capsys.readouterr().out.splitlines()}
    assert rows["court-enforcement"] == "court" and rows["honor"] == "lists.honor_duration"
