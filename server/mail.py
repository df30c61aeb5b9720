"""Sending the domain's e-mail: to an outbox directory, or through SMTP.

Without an SMTP server configured (the embedded default), each message is
written as an ``.eml`` file to ``<data_dir>/mail-outbox`` where an operator or
a developer can read it. Sending never fails the request that caused it: the
state change is already committed, so a failure is logged (without the
address) and counted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

from community import MailMessage
from protocol import new_id

from .config import MailSettings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 20


def _email(message: MailMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


class OutboxMailer:
    """Writes each message to a file in a directory readable by its owner only."""

    def __init__(self, directory: Path, sender: str) -> None:
        self._directory = directory
        self._sender = sender
        self.failures = 0

    async def send(self, message: MailMessage) -> None:
        try:
            await asyncio.to_thread(self._write, _email(message, self._sender))
        except OSError:
            self.failures += 1
            logger.exception("could not write to the mail outbox")

    def _write(self, email: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._directory / f"{new_id()}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(email))


class SmtpMailer:
    """Sends through an SMTP server, in a thread so the event loop never blocks."""

    def __init__(self, settings: MailSettings) -> None:
        assert settings.smtp_host is not None
        self._settings = settings
        self.failures = 0

    async def send(self, message: MailMessage) -> None:
        try:
            await asyncio.to_thread(self._send, _email(message, self._settings.sender))
        except (OSError, smtplib.SMTPException):
            self.failures += 1
            logger.exception("could not send e-mail")

    def _send(self, email: EmailMessage) -> None:
        s = self._settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username and s.smtp_password is not None:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(email)


def build_mailer(settings: MailSettings, data_dir: Path) -> OutboxMailer | SmtpMailer:
    """SMTP when a host is configured, else the outbox directory."""
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(data_dir / "mail-outbox", settings.sender)
