"""The delivery channels: email through Django's email framework, text messages through `SmsBackend`.

A copy says what the inbox says: the notice's title, its text and a link to the page it is about (an absolute
URL on `XINYONG_PUBLIC_URL`). A text message carries the title and the link only. Failures are described for
the outbox (`describe_error`) without the address, whatever the exception said.
"""

from __future__ import annotations

import contextlib
import re

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from xinyong.notifications.choices import Channel
from xinyong.notifications.sms import SmsGatewayUnavailable, sms_backend

EMAIL_PREFIX = "【承德信用】"
EMAIL_FOOTER = (
    "本邮件由承德市公共信用信息平台自动发送，请勿直接回复。通知全文也在您账户的“我的通知”中；"
    "如不再需要邮件通知，请登录平台在“通知设置”中关闭。"
)
SMS_SIGNATURE = "【承德信用】"

_EMAIL_LIKE = re.compile(r"[^\s<>@\"'(),;:]+@[^\s<>@\"'(),;:]+")
_LONG_NUMBER = re.compile(r"\d{7,}")
ERROR_LENGTH = 500


def absolute_link(link: str) -> str:
    if not link:
        return ""
    return (getattr(settings, "XINYONG_PUBLIC_URL", "") or "").rstrip("/") + link


def email_content(notice) -> tuple[str, str]:
    """The subject line and the plain-text body of a notice's email."""
    parts = [notice.title, ""]
    if notice.body:
        parts += [notice.body, ""]
    if notice.link:
        parts += [f"详情：{absolute_link(notice.link)}", ""]
    parts.append(EMAIL_FOOTER)
    return f"{EMAIL_PREFIX}{notice.title}", "\n".join(parts)


def sms_text(notice) -> str:
    link = absolute_link(notice.link)
    return f"{SMS_SIGNATURE}{notice.title}" + (f" 详情请登录平台查看：{link}" if link else " 详情请登录平台查看。")


class ChannelUnavailable(Exception):
    """The channel cannot be reached at all (the mail server refuses or does not answer): the rest of the
    delivery run leaves that channel's messages for the next run instead of waiting on each in turn."""

    def __init__(self, error: BaseException):
        self.error = error
        super().__init__(str(error))


def describe_error(error: BaseException, address: str = "") -> str:
    """What went wrong, for `OutboxMessage.last_error`: the exception's type and text with any address, email
    address or long number removed, control characters replaced (security req. 19, 27), at most 500 characters."""
    error = error.error if isinstance(error, ChannelUnavailable) else error
    text = f"{type(error).__name__}: {error}"
    if address:
        text = text.replace(address, "[address]")
    text = _EMAIL_LIKE.sub("[address]", text)
    text = _LONG_NUMBER.sub("[number]", text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:ERROR_LENGTH]


class EmailSender:
    """Sends notices by email over one connection for a whole delivery run (reopened after a failure)."""

    def __init__(self):
        self.connection = None

    def send(self, address: str, notice) -> None:
        if self.connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except Exception as error:
                raise ChannelUnavailable(error) from error
            self.connection = connection
        subject, body = email_content(notice)
        message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
                               connection=self.connection)
        try:
            message.send()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # a connection already broken cannot be closed cleanly
                self.connection.close()
            self.connection = None


class SmsSender:
    """Sends notices by text message through the configured `SmsBackend`."""

    def __init__(self):
        self.backend = sms_backend()

    def send(self, address: str, notice) -> None:
        try:
            self.backend.send(address, sms_text(notice))
        except SmsGatewayUnavailable as error:
            raise ChannelUnavailable(error) from error

    def close(self) -> None:
        pass


class Senders:
    """One sender per channel, made when first needed, for one delivery run."""

    def __init__(self):
        self._senders: dict[str, object] = {}
        self.unavailable: set[str] = set()

    def send(self, channel: str, address: str, notice) -> None:
        sender = self._senders.get(channel)
        if sender is None:
            sender = EmailSender() if channel == Channel.EMAIL else SmsSender()
            self._senders[channel] = sender
        try:
            sender.send(address, notice)
        except ChannelUnavailable:
            self.unavailable.add(channel)
            raise

    def close(self) -> None:
        for sender in self._senders.values():
            sender.close()
        self._senders.clear()
