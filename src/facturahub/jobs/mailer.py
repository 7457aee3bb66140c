"""Sending mail: a small :class:`Mailer` protocol and its SMTP implementation (smtplib).

Each message carries a Message-ID derived from the notification id, so that a repeated delivery
(at-least-once) can be recognised as the same message by the receiving side.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from facturahub.config import Settings
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
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(self.message(mail, message_id))
