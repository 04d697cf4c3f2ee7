"""The twilio library's real client, async, against the fake Twilio over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from livechat.sms.twilio_client import SmsSendError, TwilioMessenger
from tests.fakes.twilio_server import FakeTwilio
from tests.livechat.conftest import free_port
from tests.livechat.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, CITY_NUMBER

CALLBACK = "https://311.city.example/gateway/webhooks/twilio/status"


@pytest.fixture
async def messenger(fake_twilio: FakeTwilio) -> AsyncIterator[TwilioMessenger]:
    client = TwilioMessenger(ACCOUNT_SID, AUTH_TOKEN, CITY_NUMBER, fake_twilio.url + "/")
    await client.start()
    yield client
    await client.close()


async def test_send_creates_a_message_resource(
    messenger: TwilioMessenger, fake_twilio: FakeTwilio
) -> None:
    sent = await messenger.send("+15145551234", "Votre demande est reçue.", CALLBACK)

    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert sent.status == "queued"
    [message] = fake_twilio.messages
    assert (message.sid, message.to, message.from_, message.body, message.status_callback) == (
        sent.sid, "+15145551234", CITY_NUMBER, "Votre demande est reçue.", CALLBACK,
    )  # fmt: skip
    assert fake_twilio.rejected_auth == 0


async def test_messaging_service_sid_as_sender(fake_twilio: FakeTwilio) -> None:
    client = TwilioMessenger(ACCOUNT_SID, AUTH_TOKEN, "MG" + "1" * 32, fake_twilio.url)
    await client.start()
    try:
        sent = await client.send("+15145551234", "Bonjour")
    finally:
        await client.close()
    assert sent.status == "accepted"
    [message] = fake_twilio.messages
    assert message.messaging_service_sid == "MG" + "1" * 32 and message.from_ is None
    assert message.status_callback is None


async def test_wrong_token_is_refused_by_basic_auth(fake_twilio: FakeTwilio) -> None:
    client = TwilioMessenger(ACCOUNT_SID, "not-the-token", CITY_NUMBER, fake_twilio.url)
    await client.start()
    try:
        with pytest.raises(SmsSendError) as raised:
            await client.send("+15145551234", "Bonjour")
    finally:
        await client.close()
    assert raised.value.code == "20003"
    assert fake_twilio.rejected_auth == 1 and fake_twilio.messages == []


async def test_invalid_number_is_a_permanent_error(messenger: TwilioMessenger) -> None:
    with pytest.raises(SmsSendError) as raised:
        await messenger.send("5145551234", "Bonjour")  # not E.164
    assert raised.value.code == "21211" and raised.value.permanent


async def test_server_error_is_worth_a_retry(
    messenger: TwilioMessenger, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next()
    with pytest.raises(SmsSendError) as raised:
        await messenger.send("+15145551234", "Bonjour")
    assert raised.value.code == "20500" and not raised.value.permanent
    assert (await messenger.send("+15145551234", "Bonjour")).sid.startswith("SM")


async def test_unreachable_twilio() -> None:
    client = TwilioMessenger(
        ACCOUNT_SID, AUTH_TOKEN, CITY_NUMBER, f"http://127.0.0.1:{free_port()}"
    )
    await client.start()
    try:
        with pytest.raises(SmsSendError) as raised:
            await client.send("+15145551234", "Bonjour")
    finally:
        await client.close()
    assert raised.value.code == "unreachable" and not raised.value.permanent


async def test_not_configured() -> None:
    client = TwilioMessenger("", "", "")
    await client.start()
    try:
        assert not client.configured
        with pytest.raises(SmsSendError) as raised:
            await client.send("+15145551234", "Bonjour")
    finally:
        await client.close()
    assert raised.value.code == "config"
