"""Filing a request with a phone (or from an SMS conversation) asks the citizen to reply "Oui",
whoever files it: the bot's JSON API, Open311 or the service itself (the agents' filing)."""

from __future__ import annotations

from typing import Any

import aiohttp
from sqlalchemy import select

from livechat import keys
from livechat.requests.appkeys import OUTBOX_WORKER, SERVICE
from livechat.requests.models import Outbox, Subscription
from livechat.requests.validation import NewRequest
from tests.livechat.fakes import FakeRasa
from tests.livechat.sms.conftest import CITIZEN, SmsGateway, SmsGatewayFactory

OTHER = "+15145559876"


async def file_by_bot(
    gateway: SmsGateway, conversation: str, language: str, key: str
) -> tuple[int, dict[str, Any]]:
    """POST /api/v1/requests as the bot's action does for an SMS conversation (no phone)."""
    body = {
        "service_code": "report_pothole",
        "address": "123, rue Principale",
        "description": "Gros trou devant l'école" if language == "fr" else "Big pothole",
        "attributes": {"size": "large", "position": "bike_lane"},
        "language": language,
        "channel": "sms",
        "conversation_id": conversation,
        "idempotency_key": key,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(gateway.url + "/api/v1/requests", json=body) as response,
    ):
        return response.status, await response.json()


async def sms_outbox_rows(gateway: SmsGateway) -> list[Outbox]:
    async with gateway.sessionmaker() as session:
        return list((await session.scalars(select(Outbox).where(Outbox.kind == "sms"))).all())


async def statuses(gateway: SmsGateway) -> list[tuple[str, str]]:
    async with gateway.sessionmaker() as session:
        rows = await session.execute(select(Subscription.address, Subscription.status))
        return [(address, status) for address, status in rows.all()]


async def test_an_sms_filing_asks_once_oui_confirms_and_updates_follow(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    conversation = await sms_gateway.app[keys.STORE].open_phone_conversation(CITIZEN)
    key = f"{conversation.public_id.hex}:1"
    status, filed = await file_by_bot(sms_gateway, conversation.public_id.hex, "fr", key)
    assert status == 201 and filed["created"] is True
    ref = filed["service_request_id"]
    # The bot retries the same filing (e.g. after a timeout): no second question.
    status, again = await file_by_bot(sms_gateway, conversation.public_id.hex, "fr", key)
    assert (status, again["service_request_id"], again["created"]) == (200, ref, False)

    await sms_gateway.app[OUTBOX_WORKER].run_once()
    await sms_gateway.twilio.wait_for(1)
    [ask] = sms_gateway.twilio.messages
    assert ask.to == CITIZEN
    assert ask.body.startswith(
        f"Ville - 311 : pour recevoir par texto les mises à jour de la demande {ref}, répondez"
    )
    assert len(await sms_outbox_rows(sms_gateway)) == 1

    await sms_gateway.sms("Oui")

    assert await statuses(sms_gateway) == [(CITIZEN, "confirmed")]
    assert fake_rasa.received == []  # "Oui" answered the question, not the bot
    assert sms_gateway.twilio.messages[1].body == (
        f"Merci! Vous recevrez par texto les mises à jour de la demande {ref}."
    )
    await sms_gateway.app[SERVICE].change_status(
        ref, "in_progress", "Équipe sur place demain", by="staff", language="fr"
    )
    await sms_gateway.app[OUTBOX_WORKER].run_once()
    await sms_gateway.twilio.wait_for(3)
    update = sms_gateway.twilio.messages[2]
    assert update.to == CITIZEN and update.body.startswith(f"Ville - 311 : votre demande {ref} (")
    assert len(sms_gateway.twilio.messages) == 3


async def test_open311_filing_with_a_phone_asks_in_the_citizens_language(
    make_sms_gateway: SmsGatewayFactory,
) -> None:
    gateway = await make_sms_gateway(open311_api_key="k" * 20)
    form = {
        "api_key": "k" * 20,
        "service_code": "report_pothole",
        "address_string": "123, rue Principale",
        "description": "Big pothole",
        "attribute[size]": "large",
        "attribute[position]": "bike_lane",
        "phone": "514 555-1234",
        "locale": "en",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            gateway.url + "/open311/v2/requests.json", data=form, headers={"Idempotency-Key": "o1"}
        ) as first,
        http.post(
            gateway.url + "/open311/v2/requests.json", data=form, headers={"Idempotency-Key": "o1"}
        ) as replay,
    ):
        assert first.status == 201 and replay.status in (200, 201)
        ref = (await first.json())[0]["service_request_id"]
        assert (await replay.json())[0]["service_request_id"] == ref

    await gateway.app[OUTBOX_WORKER].run_once()
    await gateway.twilio.wait_for(1)
    [ask] = gateway.twilio.messages
    assert ask.to == CITIZEN
    assert (
        ask.body
        == f'City 311: to get text updates about request {ref}, reply "Yes". Reply STOP to decline.'
    )
    await gateway.sms("Yes")
    assert await statuses(gateway) == [(CITIZEN, "confirmed")]


async def test_a_service_filing_with_a_contact_phone_asks_that_number(
    sms_gateway: SmsGateway,
) -> None:
    """As the agents' console files on behalf of a citizen: through the service."""
    filed, created = await sms_gateway.app[SERVICE].create_request(
        NewRequest(
            service_code="report_pothole",
            description="Trou",
            address="1, rue Elm",
            attributes={"size": "large", "position": "bike_lane"},
            language="fr",
            channel="web",
            contact_phone=OTHER,
        )
    )
    assert created
    assert await statuses(sms_gateway) == [(OTHER, "pending")]
    [row] = await sms_outbox_rows(sms_gateway)
    assert row.payload["to"] == OTHER and filed.service_request_id in row.payload["body"]


async def test_no_question_without_a_phone_or_to_an_opted_out_number(
    sms_gateway: SmsGateway,
) -> None:
    web = await sms_gateway.app[keys.STORE].open_web_conversation("session-1")
    status, _ = await file_by_bot(sms_gateway, web.public_id.hex, "fr", "web:1")
    assert status == 201

    await sms_gateway.sms("STOP")
    conversation = await sms_gateway.app[keys.STORE].open_phone_conversation(CITIZEN)
    status, _ = await file_by_bot(sms_gateway, conversation.public_id.hex, "fr", "sms:1")
    assert status == 201

    assert await statuses(sms_gateway) == []
    assert await sms_outbox_rows(sms_gateway) == []
