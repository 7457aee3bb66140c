"""Sending mail: a small :class:`Mailer` protocol and its SMTP implementation (smtplib).

Each message carries a Message-ID derived from the notification id, so that a repeated delivery
(at-least-once) can be recognised as the same message by the receiving side.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

from facturahub.config import Settings
from facturahub.jobs.deadline import deadline
from facturahub.services.notification_content import Mail


class Mailer(Protocol):
    def send(self, mail: Mail, message_id: str) -> None:
        """Deliver ``mail`` or raise (any exception counts as a failed attempt)."""


class SMTPMailer:
    def __init__(self, settings: Settings) -> None:
        self.host, self.port = settings.smtp_host, settings.smtp_port
        self.sender = settings.smtp_from
        self.starttls = settings.smtp_starttls
        self.user, self.password = settings.smtp_user, settings.smtp_password
        self.timeout = settings.smtp_timeout_seconds

    def message(self, mail: Mail, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(mail.text, charset="utf-8")
        return message

    def send(self, mail: Mail, message_id: str) -> None:
        """One SMTP session, within ``smtp_timeout_seconds`` in all. The mail is sent once the
        server accepts its data: a failing QUIT after that (a 421 from a relay shutting down) is
        not a failed attempt, which would deliver the same mail again at every retry. The one
        recipient is ``mail.to`` itself, never what the To header could be parsed into."""
        smtp = _SMTP(timeout=self.timeout)  # connected below, within the deadline
        with deadline(self.timeout, lambda: smtp.sock) as expiry:
            try:
                smtp.connect(self.host, self.port)
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(self.message(mail, message_id), to_addrs=[mail.to])
            except (smtplib.SMTPException, OSError) as exc:
                if expiry.expired:
                    raise TimeoutError(f"the SMTP session took more than {self.timeout:g} s") from exc
                raise
            finally:
                _close(smtp)  # after the deadline, QUIT fails at once on the shut socket


class _SMTP(smtplib.SMTP):
    """smtplib verifies STARTTLS against the host given to ``__init__`` only; this session
    connects later (within the deadline), so it records the host it connects to."""

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self._host = host
        return super().connect(host, port, source_address)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
