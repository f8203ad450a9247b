"""The notices other parts of the platform send (Art 18, 21, 22, 24, 29): new information collected by a
submission, the steps of a listing, credit reports issued, and reads of a subject's information."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from ingestion_fixtures import org_uscc, penalty_row
from lists_fixtures import DECIDED, definition, publish_entry
from notification_fixtures import EMAIL, audit_rows

from xinyong.audit.choices import AuditEventType
from xinyong.notifications.choices import NoticeKind
from xinyong.notifications.hooks import batch_new_information_notify
from xinyong.notifications.models import Notice, OutboxMessage
from xinyong.notifications.services import contact_details_set
from xinyong.subjects.models import Subject

pytestmark = [pytest.mark.django_db, pytest.mark.articles("Art 29")]


# --- (a) new information from a submission (Art 18, 29) ---------------------------------------------------


@pytest.fixture
def file_rows(penalty, provider):
    from xinyong.ingestion.pipeline import ingest_records

    def run(rows):
        result = ingest_records(records=rows, item_code="admin-penalty", provider=provider)
        assert result.rejected == 0, result.errors
        return result

    return run


def company_row(provider, n, document):
    return penalty_row(provider.uscc, **{"行政相对人名称": f"承德市归集测试有限公司{n}", "统一社会信用代码": org_uscc(n),
                                         "行政处罚决定书文号": document})


def test_a_subject_with_a_portal_account_hears_of_new_records_once_per_batch(
    client, file_rows, provider, subject_account
):
    file_rows([company_row(provider, 7001, "承市监罚〔2026〕7001号"), company_row(provider, 7002, "承市监罚〔2026〕7002号")])
    assert not Notice.objects.exists(), "no subject had an account"
    with_account = Subject.objects.get(name="承德市归集测试有限公司7001")
    account = subject_account(with_account)
    contact_details_set(user=account, email=EMAIL, mobile="", email_on=True, sms_on=False)

    file_rows([company_row(provider, 7001, "承市监罚〔2026〕7003号"), company_row(provider, 7001, "承市监罚〔2026〕7004号"),
               company_row(provider, 7002, "承市监罚〔2026〕7005号")])
    (notice,) = Notice.objects.all()
    assert notice.subject == with_account and notice.kind == NoticeKind.NEW_INFORMATION
    assert provider.name in notice.body and notice.link == "/account/information/"
    assert notice.articles == ["Art 18", "Art 29"]
    (event,) = audit_rows(AuditEventType.NOTICES_CREATED)
    assert event.details["count"] == 1 and event.details["subjects"] == [with_account.pk]
    assert OutboxMessage.objects.filter(notice=notice, channel="email").count() == 1

    client.force_login(account)
    assert "平台新归集了您的信用信息" in client.get("/account/notices/").content.decode()

    file_rows([company_row(provider, 7001, "承市监罚〔2026〕7003号")])  # a resubmission: duplicates only
    assert Notice.objects.count() == 1


def test_finding_the_subjects_to_tell_is_one_query_when_none_has_an_account(
    file_rows, provider, django_assert_num_queries
):
    result = file_rows([company_row(provider, 7100 + n, f"承市监罚〔2026〕71{n:02d}号") for n in range(30)])
    from xinyong.ingestion.models import Batch

    batch = Batch.objects.select_related("item").get(pk=result.batch)
    with django_assert_num_queries(1):
        assert batch_new_information_notify(batch=batch, item=batch.item, provider=provider) == 0


# --- (b) the listing procedure (Art 22, 24) ---------------------------------------------------------------


@pytest.mark.articles("Art 24")
def test_the_listing_procedure_puts_its_notice_publication_and_removal_in_the_subjects_inbox(
    client, clerk, subject_account, render_notices_fast
):
    from xinyong.lists.services import list_entry_remove

    account = subject_account()
    entry = publish_entry(account.subject, clerk)
    notices = list(Notice.objects.filter(subject=account.subject).order_by("id"))
    assert [n.kind for n in notices] == [NoticeKind.LISTING_NOTICE] * 2
    served, published = notices
    assert entry.notice_number in served.title and "2026年3月9日" in served.body
    assert served.link == published.link == "/lists/my-notices/"
    assert "严重失信主体名单" in published.title and served.target_id == str(entry.pk)
    assert "Art 24" in served.articles

    list_entry_remove(entry=entry, reason="revocation", note="认定事实有误", actor=clerk, on=DECIDED)
    removed = Notice.objects.filter(subject=account.subject).latest("id")
    assert removed.title.startswith("您已被移出") and "认定事实有误" in removed.body
    events = audit_rows(AuditEventType.NOTICE_CREATED)
    assert len(events) == 3 and all(e.actor == clerk for e in events)

    client.force_login(account)
    inbox = client.get("/account/notices/").content.decode()
    assert entry.notice_number in inbox and "您已被移出" in inbox


@pytest.mark.articles("Art 24")
def test_a_list_decided_by_another_body_without_prior_notice_still_tells_of_the_publication(
    clerk, subject_account, render_notices_fast
):
    account = subject_account()
    target = definition("court-enforcement")
    assert not target.requires_prior_notice
    publish_entry(account.subject, clerk, "court-enforcement")
    (notice,) = Notice.objects.filter(subject=account.subject)
    assert target.name in notice.title


# --- (c) credit reports (Art 21, 29) ----------------------------------------------------------------------


@pytest.fixture
def fast_pdf(monkeypatch):
    monkeypatch.setattr("xinyong.reports.services.render_pdf", lambda *args, **kwargs: b"%PDF-1.7 test report")


def test_a_report_issued_on_a_subject_is_in_its_inbox_but_a_public_report_is_not(subject_account, fast_pdf):
    from xinyong.reports.services import report_issue

    account = subject_account()
    report = report_issue(subject=account.subject, variant="full", requester=account, purpose="本人查询")
    (notice,) = Notice.objects.filter(subject=account.subject)
    assert notice.kind == NoticeKind.REPORT_ISSUED and report.number in notice.title
    assert notice.link == "/reports/mine/" and notice.target_type == "reports.report"
    report_issue(subject=account.subject, variant="public", requester=account)
    assert Notice.objects.filter(subject=account.subject).count() == 1


def test_a_report_issued_under_authorization_tells_the_subject_who_read_and_why(
    subject_account, make_org, make_staff, fast_pdf
):
    from xinyong.disclosure.services import authorization_confirm, authorization_draft
    from xinyong.reports.services import report_issue

    account = subject_account()
    bank = make_org(name="承德银行股份有限公司", kind="bank")
    analyst = make_staff(roles=("analyst",), organization=bank)
    authorization = authorization_draft(
        account=account, grantee_uscc=bank.uscc, categories=["administrative"], purpose="贷款审查",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    authorization = authorization_confirm(account=account, authorization_id=authorization.pk)
    report_issue(subject=account.subject, variant="full", requester=analyst, purpose="贷款审查",
                 authorization=authorization)
    kinds = dict(Notice.objects.filter(subject=account.subject).values_list("kind", "title"))
    assert kinds == {NoticeKind.DATA_READ: "承德银行股份有限公司查询了您的信用信息",
                     NoticeKind.REPORT_ISSUED: "承德银行股份有限公司凭您的授权出具了您的信用报告"}
    assert "贷款审查" in Notice.objects.get(kind=NoticeKind.REPORT_ISSUED).body


# --- (d) reads of the subject's information (Art 29) ------------------------------------------------------


def credit_information(client, key, **params):
    return client.get(f"/api/v1/subjects/{key}/credit-information", params)


@pytest.mark.smoke
def test_an_official_read_tells_the_subject_who_read_it_and_why(client, subject_account, make_org, api_client_for):
    account = subject_account()
    authority = make_org(name="承德市行政审批局", kind="authority")
    handler = api_client_for(authority, {"case_handler"})
    assert credit_information(handler, account.subject.pk, mode="official", purpose="行政许可审查").status_code == 200
    (notice,) = Notice.objects.filter(subject=account.subject)
    assert notice.kind == NoticeKind.DATA_READ and notice.title == "承德市行政审批局查询了您的信用信息"
    assert "行政许可审查" in notice.body and notice.link == "/account/reads/"
    assert notice.target_type == "disclosure.querylogentry"
    (event,) = audit_rows(AuditEventType.NOTICE_CREATED)
    assert event.organization == authority and event.articles == ["Art 21", "Art 29"]

    client.force_login(account)
    detail = client.get(f"/account/notices/{notice.pk}/").content.decode()
    assert "行政许可审查" in detail and 'href="/account/reads/"' in detail


@pytest.mark.smoke
def test_no_notice_for_a_subject_without_an_account_a_refused_read_or_the_subjects_own_read(
    client, subject_account, make_org, api_client_for
):
    from lists_fixtures import register_org

    authority = make_org(name="承德市行政审批局", kind="authority")
    handler = api_client_for(authority, {"case_handler"})
    without_account = register_org("承德市无账户测试有限公司")
    assert credit_information(handler, without_account.pk, mode="official", purpose="检查").status_code == 200
    account = subject_account()
    assert credit_information(handler, account.subject.pk, mode="official").status_code == 400  # no purpose
    county = api_client_for(make_org(name="平泉市市场监督管理局", division="130881"), {"case_handler"})
    assert credit_information(county, account.subject.pk, mode="official", purpose="检查").status_code == 404
    client.force_login(account)
    assert client.get("/account/information/").status_code == 200  # a self read
    assert not Notice.objects.exists()
