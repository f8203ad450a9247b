"""Shared set-up for the notification tests (a module of its own name: every test directory has a conftest):
subjects with portal accounts, a real local SMTP server (aiosmtpd) that can be down and come back, and SMS
backends that fail or record what they were given."""

from __future__ import annotations

import email
import logging
import socket
import sys
import threading
import time
from email import policy
from itertools import count
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS / "ingestion"))
sys.path.insert(0, str(TESTS / "lists"))

_numbers = count(1)

EMAIL = "wang.xiaoming@example.com"
MOBILE = "13812345678"


# --- SMS backends -----------------------------------------------------------------------------------------


class BrokenSms:
    """A gateway that refuses every message, naming the number in its error as real gateways do."""

    def send(self, phone: str, text: str) -> None:
        from xinyong.notifications.sms import SmsError

        raise SmsError(f"gateway refused message to {phone}: quota exceeded")


class RecordingSms:
    """A slow gateway that records each number it is given (to see that no message goes out twice)."""

    sent: list[str] = []
    lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        time.sleep(0.05)
        with RecordingSms.lock:
            RecordingSms.sent.append(phone)


# --- a local SMTP server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 at a fixed port, started and stopped by the test."""

    def __init__(self, port: int):
        self.port = port
        self.sink = SmtpSink()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        # The test server's own log names every recipient; the platform's logs are what the tests read.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return [email.message_from_bytes(e.original_content or e.content, policy=policy.default)
                for e in self.sink.envelopes]

    @property
    def recipients(self):
        return [list(e.rcpt_tos) for e in self.sink.envelopes]


@pytest.fixture
def smtp(settings):
    """The platform configured for SMTP on a local port; the server is down until `smtp.start()`."""
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


# --- subjects and accounts --------------------------------------------------------------------------------


@pytest.fixture
def subject_account(divisions):
    """A portal account for a new (or the given) subject; `.subject` is its subject."""
    from lists_fixtures import register_org

    from xinyong.subjects.services import subject_account_create

    def create(subject=None, *, name=None):
        subject = subject or register_org(name or f"承德市通知测试有限公司{next(_numbers)}")
        created = subject_account_create(subject=subject, username=f"notify{next(_numbers)}")
        user = created.user
        user.plain_password = created.password
        user.subject = subject
        return user

    return create


@pytest.fixture
def send():
    """`notice_send` with a default text, to a subject or an organization."""
    from xinyong.notifications.services import notice_send

    def run(*, subject=None, organization=None, title="测试通知", **kwargs):
        kwargs.setdefault("kind", "other")
        kwargs.setdefault("body", "通知正文。")
        kwargs.setdefault("link", "/account/reads/")
        kwargs.setdefault("articles", ["Art 29"])
        return notice_send(subject=subject, organization=organization, title=title, **kwargs)

    return run


def audit_rows(event_type):
    from xinyong.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))
