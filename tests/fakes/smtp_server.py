"""A fake SMTP server (aiosmtpd, real SMTP over a socket) that can be down, refuse or defer.

`FakeSmtp(port)` listens once `start()`ed and stops listening on `stop()` (the port then
refuses connections, as a mail server that is down). `defer_next(n)` answers the next n
messages with a temporary `451` after DATA, as a greylisting or overloaded server does;
recipients in `mailbox.refuse` get a permanent `550`. Accepted messages and their envelopes
(sender, recipients) are kept in `mailbox`.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps what it accepts, refuses or defers on demand."""

    refuse: set[str] = field(default_factory=set)
    deferrals: int = 0
    deferred: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.deferrals > 0:
            self.deferrals -= 1
            self.deferred += 1
            return "451 4.3.0 Temporary failure, try again later"
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted"


@dataclass
class FakeSmtp:
    """An SMTP server on 127.0.0.1:`port` that can be started and stopped again."""

    port: int
    mailbox: Mailbox = field(default_factory=Mailbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def defer_next(self, times: int = 1) -> None:
        self.mailbox.deferrals += times
