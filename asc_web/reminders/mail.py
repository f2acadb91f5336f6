"""Sending email over SMTP with the ``ASC_MAIL_*`` settings (never logs the password)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

DEFAULT_PORTS = {"tls": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: the SMTP server, the sender and the connection's security."""

    server: str
    port: int
    sender: str
    security: str
    username: str | None
    password: str | None
    timeout: float

    def __repr__(self) -> str:  # the password never reaches a log or a traceback
        return f"MailSettings(server={self.server!r}, port={self.port}, sender={self.sender!r})"


def settings() -> MailSettings | None:
    """The configured mail settings, or None when reminders are off (no server or sender)."""
    config = current_app.config
    server, sender = config.get("MAIL_SERVER"), config.get("MAIL_SENDER")
    if not server or not sender:
        return None
    security = config.get("MAIL_SECURITY") or "starttls"
    return MailSettings(
        server=str(server),
        port=int(config.get("MAIL_PORT") or DEFAULT_PORTS[security]),
        sender=str(sender),
        security=security,
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        timeout=float(config.get("MAIL_TIMEOUT") or 20),
    )


def send(message: EmailMessage, mail: MailSettings) -> None:
    """Send ``message`` from the configured sender; raises ``smtplib.SMTPException`` or
    ``OSError`` when the server refuses it or cannot be reached."""
    message["From"] = mail.sender
    context = ssl.create_default_context()
    if mail.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            mail.server, mail.port, timeout=mail.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(mail.server, mail.port, timeout=mail.timeout)
    with smtp:
        if mail.security == "starttls":
            smtp.starttls(context=context)
        if mail.username:
            smtp.login(mail.username, mail.password or "")
        smtp.send_message(message)
