"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import socket
import threading
import time
from email import policy
from email.message import Message

from aiosmtpd.controller import Controller


class _Inbox:
    """aiosmtpd handler: every message delivered, parsed."""

    def __init__(self):
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    """``start()`` listens on 127.0.0.1; ``messages`` lists what arrived; ``stop()`` ends it."""

    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._inbox = _Inbox()
        self._controller = Controller(self._inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self._inbox.lock:
            return list(self._inbox.messages)

    def settings(self, sender: str = "asc-web@example.com") -> dict:
        """ASC Web settings that send to this server (plain SMTP: it is on loopback)."""
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_SENDER": sender,
            "MAIL_SECURITY": "none",
        }

    def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        """The messages once at least ``count`` arrived; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} mails arrived, expected {count}")
            time.sleep(0.05)
        return self.messages
