"""Contact settings (Art 24, 29; security req. 19): an email address and a mobile number, stored sealed,
channels on only with an address, every change audited with the addresses masked."""

from __future__ import annotations

import pytest
from django.db import connection
from notification_fixtures import EMAIL, MOBILE, audit_rows

from xinyong.accounts.testing import staff_session
from xinyong.audit.choices import AuditEventType
from xinyong.notifications.models import ContactDetails
from xinyong.web.testing import PageStructure, assert_accessible

pytestmark = pytest.mark.django_db

URL = "/account/notices/settings/"


@pytest.mark.smoke
def test_a_subject_sets_its_email_and_mobile_and_they_are_stored_sealed_and_audited_masked(client, subject_account):
    account = subject_account()
    client.force_login(account)
    page = client.get(URL)
    assert page.status_code == 200
    assert_accessible(page)

    response = client.post(URL, {"email": f"  {EMAIL} ", "mobile": "+86 138-1234-5678", "email_on": "on",
                                 "sms_on": "on"})
    assert response.status_code == 302 and response["Location"] == URL
    contact = ContactDetails.objects.get(user=account)
    assert (contact.email, contact.mobile, contact.email_on, contact.sms_on) == (EMAIL, MOBILE, True, True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, mobile FROM notifications_contactdetails")
        raw = cursor.fetchone()
    assert all(value.startswith("sm4gcm1:") for value in raw) and EMAIL not in str(raw) and MOBILE not in str(raw)

    (event,) = audit_rows(AuditEventType.CONTACT_CHANGED)
    assert event.actor == account and sorted(event.details["changed"]) == ["email", "email_on", "mobile", "sms_on"]
    change = event.changes.get()
    assert change.after == {"email": "w***@example.com", "mobile": "138****5678", "email_on": True, "sms_on": True}
    assert EMAIL not in str(event.details) and MOBILE not in str(change.after)

    shown = client.get(URL).content.decode()
    assert EMAIL in shown and MOBILE in shown, "the owner sees its own details"
    client.post(URL, {"email": EMAIL, "mobile": MOBILE, "email_on": "on", "sms_on": "on"})
    assert len(audit_rows(AuditEventType.CONTACT_CHANGED)) == 1, "saving the same details writes nothing"
    client.post(URL, {"email": EMAIL, "mobile": MOBILE, "email_on": "on"})
    assert ContactDetails.objects.get(user=account).sms_on is False
    assert audit_rows(AuditEventType.CONTACT_CHANGED)[-1].details["changed"] == ["sms_on"]


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("data", "field", "code_word"),
    [
        ({"mobile": "1381234567"}, "mobile", "mobile"),
        ({"mobile": "23812345678"}, "mobile", "mobile"),
        ({"email": "not-an-address"}, "email", "email"),
        ({"sms_on": "on"}, "mobile", "mobile"),
        ({"email_on": "on"}, "email", "email"),
    ],
)
def test_a_wrong_number_or_address_or_a_channel_without_one_is_refused_on_its_field(
    client, subject_account, data, field, code_word
):
    client.force_login(subject_account())
    response = client.post(URL, {"email": "", "mobile": "", **data})
    assert response.status_code == 400
    page = assert_accessible(response)
    html = response.content.decode()
    assert f'href="#id_{field}"' in html, "the error summary links to the field"
    assert f'id="id_{field}_error"' in html
    assert page.elements[f"id_{field}"]["tag"] == "input"
    assert not ContactDetails.objects.exists()


def test_staff_set_their_contact_details_in_the_console(client, make_staff):
    handler = make_staff(roles=("case_handler",))
    staff_session(client, handler)
    page = client.get("/console/notices/settings/")
    assert page.status_code == 200
    assert "console-nav" in page.content.decode()
    assert_accessible(page)
    client.post("/console/notices/settings/", {"email": "handler@xzspj.example.gov.cn", "mobile": "", "email_on": "on"})
    assert ContactDetails.objects.get(user=handler).email_on is True
    auditor = make_staff(roles=("audit_admin",))
    staff_session(client, auditor)
    assert client.get("/console/notices/settings/").status_code == 403


def test_the_labels_of_the_settings_page_are_tied_to_their_controls(client, subject_account):
    client.force_login(subject_account())
    page = PageStructure(client.get(URL).content.decode())
    names = {c.get("name") for c in page.controls}
    assert {"email", "mobile", "email_on", "sms_on"} <= names
    assert all(c["id"] in page.label_for for c in page.controls)
