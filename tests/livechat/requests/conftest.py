"""Fixtures of the requests wing's tests (databases come from tests/livechat/conftest.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.calendar import BusinessCalendar
from livechat.models import Contact, Conversation
from livechat.requests.catalogue import Catalogue, load_catalogue
from livechat.requests.service import RequestService

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
