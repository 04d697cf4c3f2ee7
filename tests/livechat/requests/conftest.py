"""Fixtures of the requests wing's tests (databases come from tests/livechat/conftest.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
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
from tests.fakes.smtp_server import FakeSmtp
from tests.livechat.conftest import free_port

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


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[FakeSmtp]:
    """A port where no SMTP server listens yet (call .start() to bring it up)."""
    server = FakeSmtp(free_port())
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
    smtp: FakeSmtp

    @property
    def service(self) -> RequestService:
        return self.app[SERVICE]


@pytest.fixture
async def requests_gateway(
    aiohttp_server: Any,
    settings: Settings,
    smtp: FakeSmtp,
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
