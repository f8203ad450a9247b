"""Copies by email and text message through the outbox (Art 24, 29; security req. 19, 27): sent after the
notice commits, against a real local SMTP server; a failed send is kept, retried with backoff and delivered
once; after the last attempt it fails, is audited, and is sent again only when staff requeue it."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from notification_fixtures import EMAIL, MOBILE, RecordingSms, audit_rows

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.notifications.choices import OutboxStatus
from xinyong.notifications.models import OutboxMessage
from xinyong.notifications.services import contact_details_set, outbox_deliver_due
from xinyong.web.testing import assert_accessible

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_email(subject_account):
    """A portal account that wants its notices by email too."""
    account = subject_account()
    contact_details_set(user=account, email=EMAIL, mobile="", email_on=True, sms_on=False)
    return account


@pytest.fixture
def by_sms(subject_account):
    account = subject_account()
    contact_details_set(user=account, email="", mobile=MOBILE, email_on=False, sms_on=True)
    return account


def deliver(**kwargs) -> str:
    out = io.StringIO()
    call_command("notifications", "deliver", stdout=out, **kwargs)
    return out.getvalue().strip()


def test_an_email_reaches_a_real_smtp_server_once_the_notice_has_committed(
    smtp, by_email, send, django_capture_on_commit_callbacks, settings
):
    settings.XINYONG_PUBLIC_URL = "https://credit.chengde.example"
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(subject=by_email.subject, title="中国银行查询了您的信用信息", body="查询目的：贷款审查",
                      link="/account/reads/")
        assert smtp.messages == [], "nothing is sent before the commit"
    assert smtp.recipients == [[EMAIL]]
    (message,) = smtp.messages
    assert str(message["Subject"]).strip() == "【承德信用】中国银行查询了您的信用信息"
    text = message.get_content()
    assert "查询目的：贷款审查" in text and "https://credit.chengde.example/account/reads/" in text
    delivery = OutboxMessage.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (OutboxStatus.SENT, 1, "")
    assert delivery.sent_at is not None
    assert deliver() == "notifications: 0 sent, 0 to retry, 0 given up", "a sent message is not sent again"
    assert len(smtp.messages) == 1


def test_a_notice_rolled_back_sends_nothing(smtp, by_email, send, django_capture_on_commit_callbacks):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        send(subject=by_email.subject)
        raise RuntimeError("the caller's transaction fails")
    assert callbacks == [] and not OutboxMessage.objects.exists() and smtp.messages == []


def test_a_send_while_the_mail_server_is_down_is_kept_retried_later_and_delivered_once(
    smtp, by_email, send, django_capture_on_commit_callbacks, settings, caplog
):
    settings.NOTIFICATION_RETRY_DELAYS = [60, 300]
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(subject=by_email.subject, title="您的信用报告已出具")
    delivery = OutboxMessage.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == (OutboxStatus.PENDING, 1)
    assert delivery.last_error and EMAIL not in delivery.last_error and "example.com" not in delivery.last_error
    first_try = delivery.last_attempt_at
    assert delivery.next_attempt_at == first_try + dt.timedelta(seconds=60)
    assert EMAIL not in caplog.text

    assert deliver() == "notifications: 0 sent, 0 to retry, 0 given up", "not due yet"
    # Still down a minute later: the second wait is longer.
    assert outbox_deliver_due(now=first_try + dt.timedelta(seconds=61)).retried == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == first_try + dt.timedelta(seconds=361)

    smtp.start()
    result = outbox_deliver_due(now=first_try + dt.timedelta(seconds=400))
    assert (result.sent, result.retried, result.gave_up) == (1, 0, 0)
    assert outbox_deliver_due(now=first_try + dt.timedelta(days=1)).sent == 0
    assert smtp.recipients == [[EMAIL]], "delivered exactly once"
    delivery.refresh_from_db()
    assert delivery.status == OutboxStatus.SENT and delivery.attempts == 3


def test_a_mail_server_that_is_down_costs_one_attempt_per_run_and_text_messages_still_go(
    smtp, subject_account, send, settings
):
    accounts = [subject_account() for _ in range(3)]
    for n, account in enumerate(accounts):
        contact_details_set(user=account, email=f"person{n}@example.com", mobile=f"1391234567{n}", email_on=True,
                            sms_on=True)
        send(subject=account.subject)
    result = outbox_deliver_due()
    assert (result.sent, result.retried) == (3, 1), "three text messages sent, one email attempted"
    emails = OutboxMessage.objects.filter(channel="email")
    assert sorted(emails.values_list("attempts", flat=True)) == [0, 0, 1]
    smtp.start()
    assert outbox_deliver_due(now=timezone.now() + dt.timedelta(minutes=2)).sent == 3
    assert sorted(r[0] for r in smtp.recipients) == ["person0@example.com", "person1@example.com",
                                                     "person2@example.com"]


def test_after_the_last_attempt_the_message_fails_stays_visible_and_a_requeue_sends_it(
    client, smtp, by_email, send, make_org, make_staff, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATION_RETRY_DELAYS = [60]
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notice = send(subject=by_email.subject, articles=["Art 24"])
    start = timezone.now()
    outcomes = [outbox_deliver_due(now=start + dt.timedelta(minutes=2 * n)) for n in range(4)]
    assert [(r.sent, r.retried, r.gave_up) for r in outcomes] == [(0, 1, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0)]
    delivery = OutboxMessage.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == (OutboxStatus.FAILED, 3)
    (gave_up,) = audit_rows(AuditEventType.NOTIFICATION_GAVE_UP)
    assert gave_up.target_id == str(delivery.pk) and gave_up.articles == ["Art 24"]
    assert EMAIL not in str(gave_up.details) and EMAIL not in gave_up.target_label

    admin = make_staff(roles=("system_admin",), organization=make_org(name="承德市行政审批局", kind="authority"))
    staff_session(client, admin)
    page = client.get("/console/notifications/outbox/")
    html = page.content.decode()
    assert "w***@example.com" in html and EMAIL not in html
    assert "通知正文" not in html, "the system administrator does not read the notices"
    assert_accessible(page)

    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/console/notifications/outbox/{delivery.pk}/requeue/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == OutboxStatus.SENT and delivery.requeues == 1
    assert smtp.recipients == [[EMAIL]]
    (requeued,) = audit_rows(AuditEventType.NOTIFICATION_REQUEUED)
    assert requeued.actor == admin and requeued.target_id == str(delivery.pk)
    assert EMAIL not in str(requeued.details)
    # Only a failed delivery can be requeued; others may not requeue at all.
    client.post(f"/console/notifications/outbox/{delivery.pk}/requeue/")
    assert len(audit_rows(AuditEventType.NOTIFICATION_REQUEUED)) == 1
    staff_session(client, make_staff(roles=("case_handler",)))
    assert client.post(f"/console/notifications/outbox/{delivery.pk}/requeue/").status_code == 403


def test_a_requeue_uses_the_address_the_recipient_has_now_and_respects_a_channel_turned_off(
    smtp, by_email, send, make_staff, settings
):
    from xinyong.core.errors import ServiceError
    from xinyong.notifications.services import outbox_requeue

    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    send(subject=by_email.subject)
    assert outbox_deliver_due().gave_up == 1
    delivery = OutboxMessage.objects.get()
    admin = make_staff(roles=("system_admin",))
    contact_details_set(user=by_email, email="new.address@example.org", mobile="", email_on=False, sms_on=False)
    with pytest.raises(ServiceError) as refused:
        outbox_requeue(message=delivery, actor=admin)
    assert refused.value.code == "channel_off"
    contact_details_set(user=by_email, email="new.address@example.org", mobile="", email_on=True, sms_on=False)
    outbox_requeue(message=delivery, actor=admin)
    smtp.start()
    assert outbox_deliver_due().sent == 1
    assert smtp.recipients == [["new.address@example.org"]]


@pytest.mark.smoke
def test_a_text_message_goes_through_the_logging_backend_and_no_log_holds_the_number(
    by_sms, send, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(subject=by_sms.subject, title="您已被列入严重失信主体名单")
    delivery = OutboxMessage.objects.get(notice=notice)
    assert delivery.status == OutboxStatus.SENT and delivery.address_masked == "138****5678"
    sms_lines = [r.getMessage() for r in caplog.records if r.name == "xinyong.notifications.sms"]
    assert len(sms_lines) == 1 and "138****5678" in sms_lines[0] and "characters" in sms_lines[0]
    assert MOBILE not in caplog.text
    assert not re.search(r"\d{8,}", caplog.text)


@pytest.mark.smoke
def test_a_failing_sms_gateway_is_retried_and_its_error_never_names_the_number(by_sms, send, settings, caplog):
    settings.SMS_BACKEND = "notification_fixtures.BrokenSms"
    send(subject=by_sms.subject)
    assert deliver() == "notifications: 0 sent, 1 to retry, 0 given up"
    delivery = OutboxMessage.objects.get()
    assert "quota exceeded" in delivery.last_error and MOBILE not in delivery.last_error
    assert MOBILE not in caplog.text


@pytest.mark.smoke
def test_addresses_are_stored_sealed(by_email, by_sms, send):
    send(subject=by_email.subject)
    send(subject=by_sms.subject)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, mobile FROM notifications_contactdetails")
        contacts = cursor.fetchall()
        cursor.execute("SELECT address FROM notifications_outboxmessage")
        addresses = cursor.fetchall()
    stored = [value for row in contacts + addresses for value in row if value]
    assert len(stored) == 4 and all(value.startswith("sm4gcm1:") for value in stored)
    assert not any(EMAIL in value or MOBILE in value for value in stored)


def test_a_notice_to_an_organization_goes_to_its_staff_who_read_notices(make_org, make_staff, send, smtp):
    department = make_org(name="承德市财政局")
    implementer = make_staff(roles=("measure_implementer",), organization=department)
    auditor = make_staff(roles=("audit_admin",), organization=department)
    outsider = make_staff(roles=("measure_implementer",))
    for n, user in enumerate((implementer, auditor, outsider)):
        contact_details_set(user=user, email=f"staff{n}@czj.example.gov.cn", mobile="", email_on=True, sms_on=False)
    send(organization=department, kind="case_update", title="请反馈措施实施情况")
    smtp.start()
    assert outbox_deliver_due().sent == 1
    assert smtp.recipients == [["staff0@czj.example.gov.cn"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_the_same_message(subject_account, send, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; SQLite runs one writing transaction at a time")
    # The first attempts (right after each commit) fail; the two workers then find all twelve due.
    settings.SMS_BACKEND = "notification_fixtures.BrokenSms"
    numbers = [f"139{n:08d}" for n in range(12)]
    for number in numbers:
        account = subject_account()
        contact_details_set(user=account, email="", mobile=number, email_on=False, sms_on=True)
        send(subject=account.subject)
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts=1).count() == 12
    settings.SMS_BACKEND = "notification_fixtures.RecordingSms"
    RecordingSms.sent = []
    later = timezone.now() + dt.timedelta(hours=1)
    results, barrier = [], threading.Barrier(2)

    def worker():
        from django.db import connections

        barrier.wait()
        try:
            results.append(outbox_deliver_due(now=later))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(RecordingSms.sent) == numbers, "each message once"
    assert sum(r.sent for r in results) == 12 and all(r.sent for r in results), "both workers took a share"
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 12
