"""SMS fixtures: a fake Twilio over real HTTP, and a gateway with the requests and SMS wings
on SQLite and PostgreSQL, Twilio's API base pointed at the fake."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import livechat.requests
import livechat.sms
from livechat import keys
from livechat.app import create_app
from livechat.models import Contact, Conversation, Message
from livechat.settings import Settings
from livechat.sms.wing import SMS_CHANNEL, SMS_SENDER
from tests.fakes.twilio_server import FakeTwilio
from tests.livechat.sms.twilio_webhook import WebhookResult, send_sms

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "b" * 32
CITY_NUMBER = "+17055550311"
PUBLIC_URL = "https://311.city.example/gateway"
CITIZEN = "+15145551234"


@pytest.fixture
async def fake_twilio(aiohttp_server: Any) -> FakeTwilio:
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(twilio.app())
    twilio.url = str(server.make_url("")).rstrip("/")
    return twilio


@dataclass
class SmsGateway:
    """A running gateway (requests + SMS wings) and the fake Twilio it talks to."""

    server: TestServer
    app: web.Application
    twilio: FakeTwilio

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return self.app[keys.DB_SESSIONMAKER]

    async def sms(
        self, body: str, from_: str = CITIZEN, *, sid: str | None = None, **kwargs: Any
    ) -> WebhookResult:
        """Text the city as Twilio delivers it, then wait until it has been handled."""
        result = await send_sms(self.url, PUBLIC_URL, AUTH_TOKEN, from_, body, sid, **kwargs)
        await self.settle()
        return result

    async def settle(self) -> None:
        """Wait for background handling: the channel's tasks, then the router's workers."""
        for _ in range(3):
            await self.app[SMS_CHANNEL].join()
            await self.app[keys.ROUTER].join()
            await asyncio.sleep(0)

    async def messages(self, phone: str = CITIZEN) -> list[Message]:
        """Every stored message of this number's conversations, oldest first."""
        async with self.sessionmaker() as session:
            rows = await session.scalars(
                select(Message)
                .join(Conversation)
                .join(Contact)
                .where(Contact.phone == phone)
                .order_by(Message.id)
            )
            return list(rows.all())

    async def contact(self, phone: str = CITIZEN) -> Contact | None:
        async with self.sessionmaker() as session:
            return await session.scalar(select(Contact).where(Contact.phone == phone))

    async def wait_retries(self) -> None:
        """Wait for the delivery retries the sender has scheduled."""
        sender = self.app[SMS_SENDER]
        await sender._retries.join()


SmsGatewayFactory = Callable[..., Awaitable[SmsGateway]]


@pytest.fixture
def sms_settings(settings: Settings, fake_twilio: FakeTwilio) -> Settings:
    return replace(
        settings,
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from=CITY_NUMBER,
        twilio_api_base=fake_twilio.url,
        sms_retry_delay=0.05,
    )


@pytest.fixture
def make_sms_gateway(
    aiohttp_server: Any, sms_settings: Settings, fake_twilio: FakeTwilio
) -> SmsGatewayFactory:
    """Start a gateway with the requests and SMS wings (settings overridable)."""

    async def start(**overrides: Any) -> SmsGateway:
        app = create_app(
            replace(sms_settings, **overrides), wings=[livechat.requests.setup, livechat.sms.setup]
        )
        server = await aiohttp_server(app)
        gateway = SmsGateway(server=server, app=app, twilio=fake_twilio)
        # Twilio calls PUBLIC_URL; the fake delivers those calls to this test server.
        fake_twilio.route(PUBLIC_URL, gateway.url)
        return gateway

    return start


@pytest.fixture
async def sms_gateway(make_sms_gateway: SmsGatewayFactory) -> SmsGateway:
    return await make_sms_gateway()
