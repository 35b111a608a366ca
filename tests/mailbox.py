"""A real SMTP server on a free local port (aiosmtpd) that keeps what it receives, for the reminder tests.

It can be told to refuse the next messages with a 451 (a temporary failure the job must retry) or to take the
next message and then drop the connection before answering (the case where the sender cannot know)."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes  # as it came over the wire

    @property
    def body(self) -> str:
        return self.message.get_content()


class Mailbox:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_next = 0
        self.drop_next = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse_next:
                self.refuse_next -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(envelope.original_content, policy=default),
                    envelope.original_content,
                )
            )
            if self.drop_next:
                self.drop_next -= 1
                server.transport.close()  # taken, but the sender never hears the 250
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


class SmtpServer:
    """Started on 127.0.0.1 and a free port; `environ()` gives the settings that point the job at it."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def environ(self, base_url: str = "https://cabinet.example.ua") -> dict[str, str]:
        return {
            "TEPLO_SMTP_HOST": "127.0.0.1",
            "TEPLO_SMTP_PORT": str(self.port),
            "TEPLO_SMTP_TLS": "none",
            "TEPLO_MAIL_FROM": "noreply@cabinet.example.ua",
            "TEPLO_UNSUBSCRIBE_SECRET": "test-secret-for-unsubscribe-links",
            "PUBLIC_BASE_URL": base_url,
        }
