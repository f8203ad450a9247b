"""The inbox (Art 24, 29): a subject's accounts see its notices and no one else's, newest first, unread marked;
an organization's staff see its notices in the console; the outbox page is the system administrator's."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from notification_fixtures import audit_rows

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.notifications.models import Notice
from xinyong.web.testing import PageStructure, assert_accessible, text_of

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_a_subject_account_reads_its_own_notices_and_never_another_subjects(client, subject_account, send):
    mine, other = subject_account(), subject_account()
    own = send(subject=mine.subject, title="平台新归集了您的信用信息")
    foreign = send(subject=other.subject, title="别人的通知")
    client.force_login(mine)

    page = client.get("/account/notices/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "平台新归集了您的信用信息" in body and "别人的通知" not in body
    assert 'data-unread="true"' in body
    assert_accessible(page)

    hidden = client.get(f"/account/notices/{foreign.pk}/")
    missing = client.get("/account/notices/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert client.post(f"/account/notices/{foreign.pk}/read/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None

    detail = client.get(f"/account/notices/{own.pk}/")
    assert detail.status_code == 200 and "通知正文。" in detail.content.decode()
    assert_accessible(detail)


@pytest.mark.smoke
def test_every_account_of_the_subject_sees_the_notice_and_one_reading_marks_it_read(client, subject_account, send):
    first = subject_account()
    second = subject_account(first.subject)
    notice = send(subject=first.subject)
    client.force_login(second)
    assert f"/account/notices/{notice.pk}/" in client.get("/account/notices/").content.decode()

    response = client.post(f"/account/notices/{notice.pk}/read/", {"next": "notice"})
    assert response.status_code == 302 and response["Location"] == f"/account/notices/{notice.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None and notice.read_by == second
    first_read = notice.read_at
    client.post(f"/account/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at == first_read, "the first reading is kept"
    from xinyong.audit.choices import AuditEventType
    from xinyong.audit.models import AuditEvent

    (opened,) = AuditEvent.objects.filter(event_type=AuditEventType.NOTICE_READ)  # once, at the first reading
    assert (opened.actor_id, opened.target_id) == (second.pk, str(notice.pk))
    client.force_login(first)
    assert 'data-unread="true"' not in client.get("/account/notices/").content.decode()


def test_the_account_navigation_shows_the_unread_count(client, subject_account, send):
    account = subject_account()
    client.force_login(account)
    before = client.get("/account/reads/").content.decode()
    assert 'href="/account/notices/"' in before and '<span class="tag">' not in before
    send(subject=account.subject)
    send(subject=account.subject)
    for url in ("/account/reads/", "/account/notices/", "/account/"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'href="/account/notices/"' in html, url
        assert '<span class="tag">2' in html, url
    notice = Notice.objects.filter(subject=account.subject).first()
    client.post(f"/account/notices/{notice.pk}/read/")
    assert '<span class="tag">1' in client.get("/account/reads/").content.decode()


def test_the_inbox_is_newest_first_and_paginated(client, subject_account, send):
    account = subject_account()
    for n in range(25):
        send(subject=account.subject, title=f"第{n:02d}号通知")
    client.force_login(account)
    first = text_of(client.get("/account/notices/"))
    assert first.index("第24号通知") < first.index("第05号通知")
    assert "第04号通知" not in first
    second = client.get("/account/notices/?page=2")
    assert PageStructure(second.content.decode()).header_cells  # the table is there
    assert "第04号通知" in text_of(second) and "第05号通知" not in text_of(second)


def test_staff_are_sent_to_the_subject_login_and_anonymous_visitors_too(client, make_staff):
    assert "/login/" in client.get("/account/notices/")["Location"]
    staff_session(client, make_staff())
    response = client.get("/account/notices/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_notice_has_exactly_one_recipient_at_the_database_too(subject_account, make_org, send):
    from xinyong.core.errors import ServiceError

    account = subject_account()
    org = make_org()
    with pytest.raises(ServiceError) as refused:
        send(subject=account.subject, organization=org)
    assert refused.value.code == "one_recipient"
    with pytest.raises(ServiceError):
        send()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(subject=account.subject, organization=org, kind="other", title="两个收件人")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(kind="other", title="没有收件人")


def test_a_notice_is_never_deleted(subject_account, send):
    from django.db import DatabaseError

    notice = send(subject=subject_account().subject)
    with pytest.raises(DatabaseError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).delete()
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_a_notice_links_only_inside_the_platform(subject_account, send):
    from xinyong.core.errors import ServiceError

    subject = subject_account().subject
    for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/a b", "/\\evil"):
        with pytest.raises(ServiceError) as refused:
            send(subject=subject, link=link)
        assert refused.value.code == "invalid_link", link
    assert not Notice.objects.exists()


@pytest.mark.smoke
def test_sending_a_notice_writes_one_audit_record_naming_its_articles(subject_account, send, clerk):
    account = subject_account()
    notice = send(subject=account.subject, kind="case_update", articles=["Art 29", "Art 28"], actor=clerk)
    (event,) = audit_rows(AuditEventType.NOTICE_CREATED)
    assert event.target_type == "notifications.notice" and event.target_id == str(notice.pk)
    assert event.articles == ["Art 28", "Art 29"]
    assert event.actor == clerk and event.organization == clerk.organization
    assert event.details["kind"] == "case_update" and event.details["subject"] == account.subject.pk


# --- the console --------------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_staff_see_their_organizations_notices_and_never_another_organizations(client, make_org, make_staff, send):
    department, other = make_org(name="承德市财政局"), make_org(name="承德市税务局")
    handler = make_staff(roles=("measure_implementer",), organization=department)
    own = send(organization=department, title="请反馈惩戒措施实施情况", kind="case_update", link="/console/")
    foreign = send(organization=other, title="税务局的通知")
    staff_session(client, handler)

    page = client.get("/console/notices/")
    assert page.status_code == 200
    assert "请反馈惩戒措施实施情况" in page.content.decode() and "税务局的通知" not in page.content.decode()
    assert_accessible(page)
    assert 'href="/console/notices/"' in page.content.decode(), "the console menu has the notices"

    hidden, missing = client.get(f"/console/notices/{foreign.pk}/"), client.get("/console/notices/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert client.post(f"/console/notices/{foreign.pk}/read/").status_code == 404
    assert client.get(f"/console/notices/{own.pk}/").status_code == 200
    assert client.post(f"/console/notices/{own.pk}/read/").status_code == 302
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.read_by == handler and foreign.read_at is None


def test_the_three_administrators_read_no_notices_and_only_the_system_administrator_sees_the_outbox(
    client, make_org, make_staff, send
):
    authority = make_org(name="承德市行政审批局", kind="authority")
    send(organization=authority, title="逾期督办", kind="escalation")
    for role in ("security_admin", "audit_admin", "system_admin"):
        staff_session(client, make_staff(roles=(role,), organization=authority))
        assert client.get("/console/notices/").status_code == 403, role
        assert 'href="/console/notices/"' not in client.get("/console/").content.decode()
        outbox = client.get("/console/notifications/outbox/")
        assert outbox.status_code == (200 if role == "system_admin" else 403), role
    assert_accessible(outbox)
    assert 'href="/console/notifications/outbox/"' in client.get("/console/").content.decode()
    staff_session(client, make_staff(roles=("case_handler",), organization=authority))
    assert client.get("/console/notifications/outbox/").status_code == 403
