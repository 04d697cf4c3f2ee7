"""Fixtures of the requests wing's tests (databases come from tests/livechat/conftest.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.app import create_app
from livechat.calendar import BusinessCalendar
from livechat.models import Contact, Conversation
from livechat.requests import setup
from livechat.requests.appkeys import SERVICE
from livechat.requests.catalogue import Catalogue
from livechat.requests.catalogue_loader import load_catalogue
from livechat.requests.service import RequestService
from livechat.settings import Settings

TORONTO = dt.timezone(dt.timedelta(hours=-5))


@dataclass
class Clock:
    """A settable clock for the service layer (tests never sleep)."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return BusinessCalendar()


@pytest.fixture
def clock() -> Clock:
    # Monday 2025-03-03 10:00 in Toronto (EST).
    return Clock(dt.datetime(2025, 3, 3, 10, 0, tzinfo=TORONTO).astimezone(dt.UTC))


@pytest.fixture
def service(
    sessionmaker: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    calendar: BusinessCalendar,
    clock: Clock,
) -> RequestService:
    return RequestService(
        sessionmaker, catalogue, calendar, public_url="https://311.ville.example", clock=clock
    )


@pytest.fixture
async def conversation_id(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """The public id (hex) of a real web conversation."""
    async with sessionmaker.begin() as session:
        contact = Contact(web_session_id=uuid.uuid4().hex)
        conversation = Conversation(contact=contact, channel="web", language="fr")
        session.add(conversation)
        await session.flush()
        return conversation.public_id.hex


# -- a real SMTP server (aiosmtpd) on a free port -----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """aiosmtpd handler keeping every message it accepts."""

    refuse: set[str] = field(default_factory=set)
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
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), Mailbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """A port where no SMTP server listens yet (call .start() to bring it up)."""
    server = SmtpServer(free_port(), Mailbox())
    yield server
    server.stop()


# -- the gateway with the requests wing, reached over plain HTTP ---------------------------

OPEN311_KEY = "open311-test-key"
STAFF_TOKEN = "staff-test-token"


@dataclass
class RequestsGateway:
    """A running gateway (requests wing included) and an HTTP client for it."""

    url: str
    app: web.Application
    http: aiohttp.ClientSession
    smtp: SmtpServer

    @property
    def service(self) -> RequestService:
        return self.app[SERVICE]


@pytest.fixture
async def requests_gateway(
    aiohttp_server: Any,
    settings: Settings,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RequestsGateway]:
    monkeypatch.setenv("STAFF_API_TOKEN", STAFF_TOKEN)
    app = create_app(
        replace(
            settings,
            open311_api_key=OPEN311_KEY,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_from="311@ville.example",
            public_url="https://311.ville.example",
        ),
        wings=[setup],
    )
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as http:
        yield RequestsGateway(str(server.make_url("")).rstrip("/"), app, http, smtp)
