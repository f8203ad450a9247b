"""Text messages behind a small interface: `SmsBackend.send(phone, text)` (security req. 19, 27).

The backend is chosen by the dotted path in `settings.SMS_BACKEND` (`XINYONG_SMS_BACKEND`). A gateway of a
telecom operator or a government SMS platform is added as one class with a `send` method that raises
`SmsError` when the message was not accepted (`SmsGatewayUnavailable` when the gateway cannot be
reached at all); the outbox then retries it. The default, `LoggingSmsBackend`,
sends nothing: it logs the number masked and the length of the text, never the number itself nor the text.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from xinyong.core.masking import mask_phone

logger = logging.getLogger("xinyong.notifications.sms")


class SmsError(Exception):
    """The message was not accepted (it is retried later). The text need not avoid the number: the outbox
    removes it before storing or logging the error."""


class SmsGatewayUnavailable(SmsError):
    """The gateway cannot be reached at all: the rest of the delivery run leaves text messages for the next."""


class SmsBackend:
    """Send one text message to one mobile number; raise `SmsError` (or any exception) if it failed."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Development and test: no message leaves the machine; one log line per message, number masked."""

    def send(self, phone: str, text: str) -> None:
        logger.info("sms to %s: %d characters", mask_phone(phone), len(text))


def sms_backend() -> SmsBackend:
    """A new instance of the configured backend."""
    return import_string(settings.SMS_BACKEND)()
