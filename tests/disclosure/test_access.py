"""The access function: each query mode's rule, one query-log row for every non-public read, refusals that
look like "not found", masking (Art 19, 21, 29; security req. 7, 8, 10, 11, 28)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from ingestion_fixtures import DECISION

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.disclosure.access import access_public_profile, access_subject_information
from xinyong.disclosure.models import QueryLogEntry
from xinyong.disclosure.services import authorization_revoke

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 17", "Art 21")]

LAST_PUBLIC_DAY = dt.date(2029, 3, 4)  # the penalty's window ends (exclusive) on 2029-03-05


def codes(info) -> list[str]:
    return [v.item_code for v in info.records]


# --- public (Art 18, 19) ------------------------------------------------------------------------------------


@pytest.mark.articles("Art 18")
def test_a_penalty_is_public_on_the_last_day_of_its_window_and_not_the_next_day(company):
    on_last_day = access_public_profile(company, on=LAST_PUBLIC_DAY)
    the_next_day = access_public_profile(company, on=LAST_PUBLIC_DAY + dt.timedelta(days=1))
    before_the_decision = access_public_profile(company, on=DECISION - dt.timedelta(days=1))
    assert [v.document_number for v in on_last_day.records] == ["承市监罚〔2026〕88号"]
    assert the_next_day.records == []
    assert before_the_decision.records == []


def test_the_public_profile_follows_the_frozen_clock_when_no_day_is_given(company, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: LAST_PUBLIC_DAY)
    assert len(access_public_profile(company).records) == 1
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: LAST_PUBLIC_DAY + dt.timedelta(days=1))
    assert access_public_profile(company).records == []


@pytest.mark.articles("Art 18")
def test_public_reads_are_not_logged_and_show_only_the_public_class(company, make_record):
    make_record(company, disclosure_class="authorized")
    make_record(company, disclosure_class="shared")
    info = access_subject_information(requester=None, subject=company, mode="public")
    assert [v.disclosure_class for v in info.records] == ["public"]
    assert QueryLogEntry.objects.count() == 0


@pytest.mark.articles("Art 19")
def test_a_natural_person_is_never_public(person):
    with pytest.raises(NotFoundOrForbidden):
        access_public_profile(person)
    with pytest.raises(NotFoundOrForbidden):
        access_subject_information(requester=None, subject=person, mode="public")


def test_the_profile_marks_records_under_objection_or_repair_and_the_lists(company, make_record):
    make_record(company, disclosure_class="public", under_objection=True, under_repair=True)
    make_record(company, disclosure_class="public", item_code="court-enforcement",
                data={"ZX_AH": "（2026）冀08执1号"})
    profile = access_public_profile(company)
    marked = [v for v in profile.records if v.under_objection]
    assert marked and marked[0].under_repair and profile.has_marks
    assert {s.item_code: s.listed for s in profile.lists} == {
        "serious-dishonesty-list": False, "business-abnormal-list": False, "court-enforcement": True,
    }
    assert [s.item_code for s in profile.sections][:3] == ["admin-permit", "admin-penalty", "honor"]


# --- official (依职权) ---------------------------------------------------------------------------------------


def test_an_official_query_states_its_purpose_and_sees_shared_records(company, make_record, make_staff):
    make_record(company, disclosure_class="shared")
    make_record(company, disclosure_class="authorized")
    staff = make_staff(roles=("case_handler",))
    info = access_subject_information(requester=staff, subject=company, mode="official", purpose="案件调查")
    assert sorted(v.disclosure_class for v in info.records) == ["public", "shared"]
    entry = QueryLogEntry.objects.get()
    assert (entry.mode, entry.result, entry.purpose, entry.record_count) == ("official", "served", "案件调查", 2)
    assert entry.organization_id == staff.organization_id and entry.subject_id == company.pk


def test_an_official_query_without_a_purpose_is_refused_and_logged(company, make_staff):
    staff = make_staff(roles=("case_handler",))
    with pytest.raises(ServiceError) as raised:
        access_subject_information(requester=staff, subject=company, mode="official", purpose="  ")
    assert raised.value.code == "purpose_required"
    assert QueryLogEntry.objects.get().reason == "purpose_required"


def test_a_county_department_cannot_query_a_subject_of_another_county(company, make_org, make_staff):
    from xinyong.accounts.models import Division

    company.division = Division.objects.get(code="130802")  # 双桥区
    company.save()
    county = make_org(name="滦平县市场监督管理局", division="130824")
    outsider = make_staff(roles=("case_handler",), organization=county)
    with pytest.raises(NotFoundOrForbidden):
        access_subject_information(requester=outsider, subject=company, mode="official", purpose="检查")
    assert QueryLogEntry.objects.get().reason == "outside_jurisdiction"
    local = make_staff(roles=("case_handler",), organization=make_org(name="双桥区市场监督管理局", division="130802"))
    assert access_subject_information(requester=local, subject=company, mode="official", purpose="检查").records


def test_a_bank_cannot_query_by_virtue_of_office(company, bank, make_staff):
    analyst = make_staff(roles=("analyst",), organization=bank)
    with pytest.raises(NotFoundOrForbidden):
        access_subject_information(requester=analyst, subject=company, mode="official", purpose="贷款")
    # A bank's staff hold no official-query permission whatever their role (accounts.permissions), and the
    # access function would refuse a non-government body even if they did.
    assert QueryLogEntry.objects.get().reason == "no_permission"


# --- self (Art 29) ------------------------------------------------------------------------------------------


@pytest.mark.articles("Art 29")
def test_a_subject_sees_all_its_information_with_sources_and_reasons_for_changes(person, account_for, make_record):
    from xinyong.records.models import CreditRecord
    from xinyong.records.services import record_correct

    make_record(person, disclosure_class="authorized")
    record_correct(record=CreditRecord.objects.get(document_number="承市监罚〔2026〕99号"),
                   data={"CF_NR_FK": "0.5"}, reason="罚款金额录入错误")
    account = account_for(person)
    info = access_subject_information(requester=account, subject=person, mode="self")
    assert len(info.records) == 2
    corrected = next(v for v in info.records if v.document_number == "承市监罚〔2026〕99号")
    assert corrected.provider_name == "承德市市场监督管理局"
    assert [r.reason for r in corrected.revisions] == ["", "罚款金额录入错误"]
    assert QueryLogEntry.objects.get().mode == "self"


@pytest.mark.articles("Art 29")
def test_a_subject_account_cannot_read_another_subject(person, company, account_for):
    account = account_for(company)
    with pytest.raises(NotFoundOrForbidden):
        access_subject_information(requester=account, subject=person, mode="self")
    assert QueryLogEntry.objects.get().reason == "not_own_subject"


# --- authorized (Art 21; security req. 8) -------------------------------------------------------------------


def query(requester, subject, authorization, **overrides):
    arguments = {"requester": requester, "subject": subject, "mode": "authorized", "purpose": "贷款审查",
                 "authorization": authorization, **overrides}
    return access_subject_information(**arguments)


def test_a_confirmed_authorization_lets_the_grantee_read_authorized_and_public_records(
    person, bank, make_staff, make_record, grant
):
    make_record(person, disclosure_class="authorized")
    make_record(person, disclosure_class="shared")
    authorization = grant(person, bank)
    analyst = make_staff(roles=("analyst",), organization=bank)
    info = query(analyst, person, authorization.pk)
    assert sorted(v.disclosure_class for v in info.records) == ["authorized", "public"]
    entry = QueryLogEntry.objects.get()
    assert (entry.authorization_id, entry.authorization_digest) == (authorization.pk, authorization.document_digest)
    assert entry.categories == ["administrative"]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("another subject", "wrong_subject"),
        ("another grantee", "wrong_grantee"),
        ("a category not granted", "category_not_authorized"),
        ("another purpose", "purpose_mismatch"),
        ("expired", "authorization_expired"),
        ("revoked", "authorization_revoked"),
        ("not confirmed", "authorization_pending"),
        ("no authorization", "no_authorization"),
        ("no permission", "no_permission"),
    ],
)
def test_an_authorized_query_is_refused_unless_everything_matches(
    case, reason, person, company, bank, make_org, make_staff, grant, monkeypatch
):
    from django.utils import timezone

    authorization = grant(person, bank, confirm=case != "not confirmed")
    analyst = make_staff(roles=("analyst",), organization=bank)
    arguments = {}
    subject = person
    if case == "another subject":
        subject = company
    elif case == "another grantee":
        analyst = make_staff(roles=("analyst",), organization=make_org(name="另一家银行", kind="bank"))
    elif case == "a category not granted":
        arguments["categories"] = ["administrative", "serious"]
    elif case == "another purpose":
        arguments["purpose"] = "营销"
    elif case == "expired":
        later = timezone.localdate() + dt.timedelta(days=31)
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    elif case == "revoked":
        authorization_revoke(account=authorization.account, authorization_id=authorization.pk)
    elif case == "no authorization":
        authorization = None
    elif case == "no permission":
        analyst = make_staff(roles=("supervisor",), organization=bank)
    with pytest.raises(NotFoundOrForbidden):
        query(analyst, subject, authorization.pk if authorization else None, **arguments)
    entry = QueryLogEntry.objects.get()
    assert (entry.result, entry.reason, entry.record_count) == ("refused", reason, 0)
    assert AuditEvent.objects.filter(event_type=AuditEventType.QUERY_REFUSED).count() == 1


def test_asking_about_the_past_does_not_revive_an_expired_authorization(person, bank, make_staff, grant, monkeypatch):
    from django.utils import timezone

    authorization = grant(person, bank, days=1)
    analyst = make_staff(roles=("analyst",), organization=bank)
    later = timezone.localdate() + dt.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    with pytest.raises(NotFoundOrForbidden):
        query(analyst, person, authorization.pk, on=DECISION)


def test_every_non_public_read_writes_exactly_one_log_row(company, person, bank, make_staff, account_for, grant):
    analyst = make_staff(roles=("analyst",), organization=bank)
    clerk = make_staff(roles=("case_handler",))
    authorization = grant(person, bank)
    calls = [
        lambda: access_subject_information(requester=clerk, subject=company, mode="official", purpose="检查"),
        lambda: access_subject_information(requester=account_for(company), subject=company, mode="self"),
        lambda: query(analyst, person, authorization.pk),
        lambda: query(analyst, company, authorization.pk),  # refused: another subject
        lambda: query(analyst, None, authorization.pk, subject_label="#999999"),  # refused: no such subject
        lambda: access_subject_information(requester=None, subject=person, mode="official", purpose="x"),
    ]
    for number, call in enumerate(calls, start=1):
        with contextlib.suppress(NotFoundOrForbidden):
            call()
        assert QueryLogEntry.objects.count() == number
    assert list(QueryLogEntry.objects.order_by("pk").values_list("result", flat=True)) == [
        "served", "served", "served", "refused", "refused", "refused",
    ]


@pytest.mark.articles("Art 19")
def test_no_read_of_a_person_shows_eight_digits_of_the_id_number(person, bank, make_staff, account_for, grant):
    analyst = make_staff(roles=("analyst",), organization=bank)
    clerk = make_staff(roles=("case_handler",))
    authorization = grant(person, bank)
    reads = [
        query(analyst, person, authorization.pk),
        access_subject_information(requester=clerk, subject=person, mode="official", purpose="检查"),
        access_subject_information(requester=account_for(person), subject=person, mode="self"),
    ]
    for info in reads:
        text = " ".join(f.value for view in info.records for f in view.fields)
        assert info.records and person.identifier_masked in text  # the ID field is there, masked
        for start in range(len(person.plain_id) - 7):
            assert person.plain_id[start : start + 8] not in text


@pytest.mark.articles("Art 29")
def test_a_self_read_without_an_account_is_only_the_service_windows(person):
    with pytest.raises(NotFoundOrForbidden):
        access_subject_information(requester=None, subject=person, mode="self")
    info = access_subject_information(requester=None, subject=person, mode="self", channel="window")
    assert info.records
    entry = QueryLogEntry.objects.order_by("pk").last()
    assert (entry.requester_id, entry.channel, entry.result) == (None, "window", "served")
