"""Fixtures of the rights pages and API tests (imported by module name through conftest): a second company's
record, a portal browser logged in as the company's account, console browsers for staff, uploaded files."""

from __future__ import annotations

import pytest
from rights_fixtures import PDF, org_uscc


@pytest.fixture
def other_record(file_penalty):
    """A penalty of another company, filed by the same provider: never the first company's to see or object to."""
    return file_penalty(name="承德市另一家测试商贸有限公司", uscc=org_uscc(4344),
                        **{"行政处罚决定书文号": "承市监罚〔2026〕4344号"})


@pytest.fixture
def portal_client(account):
    """A browser logged in to the portal as the company's account (password only, as subjects log in)."""
    from django.test import Client

    client = Client()
    response = client.post("/login/", {"username": account.username, "password": account.plain_password})
    assert response.status_code == 302, "the subject logs in"
    return client


@pytest.fixture
def console_client_for():
    """A browser logged in to the console as a staff member, both factors recorded."""
    from django.test import Client

    from xinyong.accounts.testing import staff_session

    return lambda user: staff_session(Client(), user)


@pytest.fixture
def pdf_upload():
    """An uploaded PDF as a browser sends it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return lambda name="证明材料.pdf", content=PDF: SimpleUploadedFile(name, content, content_type="application/pdf")
