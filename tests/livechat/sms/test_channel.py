"""The Twilio webhooks over real HTTP, signed by the real RequestValidator, replies through the
real twilio client to the fake Twilio; SQLite and PostgreSQL; a fake Rasa."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from twilio.request_validator import RequestValidator

from livechat import keys
from livechat.channels.sms import normalise_phone
from livechat.logging import StructuredFormatter
from livechat.models import ConversationStatus, Direction, Sender
from livechat.sms.wing import SMS_SENDER
from tests.livechat.fakes import FakeRasa
from tests.livechat.sms.conftest import (
    AUTH_TOKEN,
    CITIZEN,
    PUBLIC_URL,
    SmsGateway,
    SmsGatewayFactory,
)
from tests.livechat.sms.twilio_webhook import incoming_params, new_sid, send_sms

STATUS_CALLBACK = PUBLIC_URL + "/webhooks/twilio/status"


async def test_signed_sms_is_stored_acknowledged_and_answered(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    result = await sms_gateway.sms("Bonjour, j'ai une question")

    assert (result.status, result.content_type, result.body) == (200, "text/xml", "<Response/>")
    incoming, reply = await sms_gateway.messages()
    assert (incoming.direction, incoming.sender, incoming.content, incoming.source_id) == (
        "incoming", "citizen", "Bonjour, j'ai une question", result.sid,
    )  # fmt: skip
    assert fake_rasa.received[0]["message"] == "Bonjour, j'ai une question"
    assert fake_rasa.received[0]["metadata"]["channel"] == "sms"
    [sent] = sms_gateway.twilio.messages
    assert (sent.to, sent.body, sent.status_callback) == (
        CITIZEN, "echo: Bonjour, j'ai une question", STATUS_CALLBACK,
    )  # fmt: skip
    assert (reply.direction, reply.sender, reply.content) == ("outgoing", "bot", sent.body)
    assert reply.source_id == sent.sid and reply.delivery_status == "queued"
    assert reply.payload == {
        "sms": {"part": 1, "parts": 1, "encoding": "GSM-7", "segments": 1, "attempts": 1}
    }


@pytest.mark.parametrize("signature", ["", "forged", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="])
async def test_missing_or_forged_signature_is_refused_and_nothing_stored(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa, signature: str
) -> None:
    result = await send_sms(
        sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Bonjour", signature=signature
    )
    await sms_gateway.settle()

    assert result.status == 403
    assert await sms_gateway.contact() is None
    assert fake_rasa.received == [] and sms_gateway.twilio.messages == []


async def test_signature_of_another_url_token_or_body_is_refused(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    params = incoming_params(CITIZEN, "Bonjour", new_sid())
    path = "/webhooks/twilio/sms"
    wrong = [
        # Signed for the address the gateway listens on, not PUBLIC_URL (what Twilio calls).
        RequestValidator(AUTH_TOKEN).compute_signature(sms_gateway.url + path, params),
        RequestValidator("another-token").compute_signature(PUBLIC_URL + path, params),
        RequestValidator(AUTH_TOKEN).compute_signature(
            PUBLIC_URL + path, {**params, "Body": "Allo"}
        ),
    ]
    async with aiohttp.ClientSession() as session:
        for signature in wrong:
            async with session.post(
                sms_gateway.url + path, data=params, headers={"X-Twilio-Signature": signature}
            ) as response:
                assert response.status == 403
    assert await sms_gateway.contact() is None and fake_rasa.received == []


async def test_query_string_is_part_of_the_signed_url(sms_gateway: SmsGateway) -> None:
    params = incoming_params(CITIZEN, "Bonjour", new_sid())
    path = "/webhooks/twilio/sms?city=sudbury"
    good = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, params)
    without_query = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_URL + "/webhooks/twilio/sms", params
    )
    async with aiohttp.ClientSession() as session:
        async with session.post(
            sms_gateway.url + path, data=params, headers={"X-Twilio-Signature": without_query}
        ) as response:
            assert response.status == 403
        async with session.post(
            sms_gateway.url + path, data=params, headers={"X-Twilio-Signature": good}
        ) as response:
            assert response.status == 200
    await sms_gateway.settle()
    assert len(await sms_gateway.messages()) == 2


async def test_a_retried_webhook_is_handled_once(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    first = await sms_gateway.sms("Bonjour")
    again = await sms_gateway.sms("Bonjour", sid=first.sid)

    assert (again.status, again.body) == (200, "<Response/>")
    assert [m.direction for m in await sms_gateway.messages()] == ["incoming", "outgoing"]
    assert len(fake_rasa.received) == 1 and len(sms_gateway.twilio.messages) == 1


async def test_concurrent_duplicates_are_stored_once(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    sid = new_sid()
    results = await asyncio.gather(
        *(send_sms(sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Allo", sid) for _ in range(6))
    )
    await sms_gateway.settle()

    assert {r.status for r in results} == {200}
    incoming = [m for m in await sms_gateway.messages() if m.direction == "incoming"]
    assert [m.source_id for m in incoming] == [sid]
    assert len(fake_rasa.received) == 1 and len(sms_gateway.twilio.messages) == 1


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+15145551234", "+15145551234"),
        ("514-555-1234", "+15145551234"),
        ("(705) 671-2489", "+17056712489"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("CITYHALL", None),
        ("", None),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw: str, e164: str | None) -> None:
    assert normalise_phone(raw) == e164


async def test_sender_is_stored_in_e164(sms_gateway: SmsGateway) -> None:
    await sms_gateway.sms("Bonjour", from_="514 555-1234")
    contact = await sms_gateway.contact(CITIZEN)
    assert contact is not None and contact.phone == CITIZEN
    assert sms_gateway.twilio.messages[0].to == CITIZEN


async def test_a_sender_that_is_not_a_number_is_ignored(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    result = await sms_gateway.sms("PROMO", from_="CITYHALL")
    assert (result.status, result.body) == (200, "<Response/>")
    assert fake_rasa.received == [] and sms_gateway.twilio.messages == []


# -- STOP / START / HELP ----------------------------------------------------------------------


async def test_stop_then_nothing_is_sent_of_any_kind_until_start(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    twilio = sms_gateway.twilio
    await sms_gateway.sms("Bonjour, je voudrais signaler un nid-de-poule")
    assert len(twilio.messages) == 1

    await sms_gateway.sms("STOP")

    assert len(twilio.messages) == 2
    assert twilio.messages[1].body == (
        "311 : vous ne recevrez plus de textos à ce numéro. Répondez DEBUT pour les recevoir "
        "de nouveau."
    )
    contact = await sms_gateway.contact()
    assert contact is not None and contact.sms_opted_out_at is not None
    assert len(fake_rasa.received) == 1  # STOP never reaches the bot
    activities = [m.content for m in await sms_gateway.messages() if m.direction == "activity"]
    assert activities == [
        "Le citoyen a répondu STOP : plus aucun texto ne lui sera envoyé.\n"
        "The citizen replied STOP: no text message will be sent to them anymore."
    ]  # agents see why the number went silent

    # Citizen messages are still stored, but get no answer; HELP neither.
    await sms_gateway.sms("Allo?")
    await sms_gateway.sms("AIDE")
    # An agent's reply, a system message: refused at the lowest send function.
    conversation = await sms_gateway.app[keys.STORE].open_phone_conversation(CITIZEN)
    agent_reply = await sms_gateway.app[keys.STORE].append_message(
        conversation.id, direction=Direction.OUTGOING, sender=Sender.AGENT, content="Bonjour!"
    )
    await sms_gateway.app[keys.ROUTER].deliver(conversation, agent_reply)
    sent = await sms_gateway.app[SMS_SENDER].send_text(CITIZEN, "Mise à jour")
    assert sent is False
    assert len(twilio.messages) == 2 and len(fake_rasa.received) == 1
    stored = await sms_gateway.messages()
    assert [m.content for m in stored if m.direction == "incoming"][-2:] == ["Allo?", "AIDE"]
    blocked = next(m for m in stored if m.id == agent_reply.id)
    assert blocked.source_id is None and blocked.payload is not None
    assert blocked.payload["sms"]["blocked"] == "opted_out"

    await sms_gateway.sms("Start")

    assert len(twilio.messages) == 3
    assert twilio.messages[2].body == (
        "311: you will receive our text messages again. Reply HELP for help or STOP to stop "
        "receiving them."
    )
    contact = await sms_gateway.contact()
    assert contact is not None and contact.sms_opted_out_at is None
    await sms_gateway.sms("Bonjour")
    assert len(twilio.messages) == 4 and twilio.messages[3].body == "echo: Bonjour"


async def test_messages_of_a_number_are_handled_in_arrival_order_with_current_state(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    """A message stored while an earlier one of its number is still being handled reads its
    state again: here "Bonjour" was stored before the STOP ahead of it took effect."""
    twilio = sms_gateway.twilio
    twilio.hold()  # the HELP answer waits at Twilio: its handling is still in hand
    for body in ("AIDE", "STOP", "Bonjour"):
        result = await send_sms(sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, body)
        assert result.status == 200  # each acknowledged at once, stored
    stored = [m.content for m in await sms_gateway.messages() if m.direction == "incoming"]
    assert stored == ["AIDE", "STOP", "Bonjour"]
    contact = await sms_gateway.contact()
    assert contact is not None and contact.sms_opted_out_at is None  # STOP not handled yet

    twilio.release()
    await sms_gateway.settle()

    assert len(twilio.messages) == 2  # the help text, then the STOP confirmation
    assert twilio.messages[1].body.startswith("311 : vous ne recevrez plus")
    assert fake_rasa.received == []  # "Bonjour" came after STOP: not for the bot


async def test_a_retried_webhook_does_not_let_the_next_message_jump_the_queue(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    twilio = sms_gateway.twilio
    twilio.hold()  # the HELP answer waits at Twilio: its handling is still in hand
    first = await send_sms(sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "AIDE")
    retried = await send_sms(sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "AIDE", first.sid)
    after = await send_sms(sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Bonjour")
    assert (first.status, retried.status, after.status) == (200, 200, 200)
    await asyncio.sleep(0.3)
    assert fake_rasa.received == []  # "Bonjour" still waits for the HELP in hand

    twilio.release()
    await sms_gateway.settle()

    assert [m["message"] for m in fake_rasa.received] == ["Bonjour"]
    assert len(twilio.messages) == 2  # the help text, then the bot's answer


@pytest.mark.parametrize(
    ("first", "keyword", "expected"),
    [
        ("Hello, I would like to report a pothole", "stop", "311: you will no longer receive"),
        ("Bonjour, je voudrais signaler un nid-de-poule", "Stop", "311 : vous ne recevrez plus"),
        ("Hello, I would like to report a pothole", "ARRÊT", "311 : vous ne recevrez plus"),
        ("Hello, I would like to report a pothole", "unsubscribe", "311: you will no longer"),
    ],
)
async def test_stop_is_confirmed_in_the_contacts_language(
    sms_gateway: SmsGateway, first: str, keyword: str, expected: str
) -> None:
    await sms_gateway.sms(first)
    await sms_gateway.sms(keyword)
    assert sms_gateway.twilio.messages[-1].body.startswith(expected)
    assert len(sms_gateway.twilio.messages) == 2


async def test_stop_from_a_new_number_is_confirmed_in_both_languages(
    sms_gateway: SmsGateway,
) -> None:
    await sms_gateway.sms("STOP")
    [confirmation] = sms_gateway.twilio.messages
    assert confirmation.body.startswith("311 : vous ne recevrez plus")
    assert "\n311: you will no longer receive" in confirmation.body


async def test_help_in_french(sms_gateway: SmsGateway, fake_rasa: FakeRasa) -> None:
    await sms_gateway.sms("aide")
    [help_text] = sms_gateway.twilio.messages
    assert help_text.body == (
        "311 de la Ville : ce numéro répond par texto aux questions et demandes de service non "
        "urgentes. Urgence : 911. Par téléphone : 311. Clavardage avec un préposé : du lundi "
        "au vendredi, de 7 h 30 à 18 h. Répondez ARRET pour ne plus recevoir de textos."
    )
    assert fake_rasa.received == []


async def test_help_in_english(sms_gateway: SmsGateway, fake_rasa: FakeRasa) -> None:
    await sms_gateway.sms("HELP")
    [help_text] = sms_gateway.twilio.messages
    assert help_text.body == (
        "City 311: this number answers non-emergency questions and service requests by text. "
        "Emergency: 911. By phone: 311. Live chat with an agent: Monday to Friday, 7:30 a.m. to "
        "6:00 p.m.. Reply STOP to stop receiving texts."
    )
    assert fake_rasa.received == []


async def test_info_from_an_unknown_language_gets_both(sms_gateway: SmsGateway) -> None:
    await sms_gateway.sms("INFO")
    bodies = [m.body for m in sms_gateway.twilio.messages]
    text = " ".join(bodies)
    assert "Répondez ARRET" in text and "Reply STOP" in text


# -- numbered choices -------------------------------------------------------------------------


async def test_buttons_become_numbered_choices_and_a_number_picks_one(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await sms_gateway.sms("/buttons")  # the fake bot answers "Voulez-vous continuer?" + Oui/Non
    assert sms_gateway.twilio.messages[0].body == (
        "Voulez-vous continuer?\n1. Oui\n2. Non\nRépondez 1 ou 2."
    )

    await sms_gateway.sms("2")

    assert fake_rasa.received[1]["message"] == "/deny"
    assert fake_rasa.received[1]["metadata"]["sms_choice"] == {"number": 2, "title": "Non"}
    stored = [m.content for m in await sms_gateway.messages() if m.direction == "incoming"]
    assert stored == ["/buttons", "2"]  # what the citizen typed is what is stored

    # The last bot message ("echo: /deny") has no buttons: "1" is just text now.
    await sms_gateway.sms("1")
    assert fake_rasa.received[2]["message"] == "1"
    assert "sms_choice" not in fake_rasa.received[2]["metadata"]


async def test_a_choice_by_its_title_or_out_of_range(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await sms_gateway.sms("/buttons")
    await sms_gateway.sms("5")
    assert fake_rasa.received[1]["message"] == "5"
    await sms_gateway.sms("/buttons")
    await sms_gateway.sms("non!")
    assert fake_rasa.received[3]["message"] == "/deny"


async def test_in_an_agents_conversation_a_number_is_not_a_choice(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    handed: list[str | None] = []

    async def agent_hub(conversation: object, message: object) -> None:
        handed.append(getattr(message, "content", None))

    sms_gateway.app[keys.ROUTER].agent_handoff = agent_hub
    await sms_gateway.sms("/buttons")
    store = sms_gateway.app[keys.STORE]
    conversation = await store.open_phone_conversation(CITIZEN)
    await store.set_status(conversation.id, ConversationStatus.OPEN)

    await sms_gateway.sms("2")

    assert handed == ["2"] and len(fake_rasa.received) == 1


# -- MMS --------------------------------------------------------------------------------------


async def test_mms_photos_go_to_the_bot_and_on_the_message(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    base = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/"
    media = [
        (base + "ME1", "image/jpeg"),
        (base + "ME2", "image/png"),
        (base + "ME3", "text/vcard"),
    ]
    await sms_gateway.sms("Le trou est ici", media=media)

    photos = [base + "ME1", base + "ME2"]
    assert fake_rasa.received[0]["metadata"]["photo_urls"] == photos
    incoming = (await sms_gateway.messages())[0]
    assert incoming.payload == {
        "media": [{"url": url, "content_type": kind} for url, kind in media],
        "photo_urls": photos,
    }


async def test_a_photo_without_text(sms_gateway: SmsGateway, fake_rasa: FakeRasa) -> None:
    await sms_gateway.sms("", media=[("https://api.twilio.com/x/Media/ME9", "image/jpeg")])
    assert fake_rasa.received[0]["message"] == ""
    assert fake_rasa.received[0]["metadata"]["photo_urls"] == ["https://api.twilio.com/x/Media/ME9"]


# -- rate limit -------------------------------------------------------------------------------


async def test_a_flood_gets_one_polite_bilingual_notice_per_window(
    make_sms_gateway: SmsGatewayFactory, fake_rasa: FakeRasa
) -> None:
    gateway = await make_sms_gateway(sms_rate_limit_per_minute=3)
    for number in range(8):
        await gateway.sms(f"message {number}")

    assert len(fake_rasa.received) == 3
    bodies = [m.body for m in gateway.twilio.messages]
    notice = (
        "Vous envoyez trop de messages à la fois. Patientez une minute avant de réécrire. "
        "Urgence : 911.\nYou are sending too many messages at once. Please wait a minute "
        "before writing again. Emergency: 911."
    )
    assert bodies.count(notice) == 1 and len(bodies) == 4
    incoming = [m for m in await gateway.messages() if m.direction == "incoming"]
    assert len(incoming) == 8  # every message is stored all the same

    # Another number is not affected; STOP is honoured even while limited.
    await gateway.sms("Bonjour", from_="+15145550000")
    assert len(fake_rasa.received) == 4
    await gateway.sms("STOP")
    contact = await gateway.contact()
    assert contact is not None and contact.sms_opted_out_at is not None


# -- database down ----------------------------------------------------------------------------


async def test_database_down_answers_with_a_bilingual_twiml_message(
    make_sms_gateway: SmsGatewayFactory, closed_url: str, fake_rasa: FakeRasa
) -> None:
    port = closed_url.rsplit(":", 1)[1]
    gateway = await make_sms_gateway(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nowhere"
    )
    result = await send_sms(gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Bonjour")

    assert result.status == 200 and result.content_type == "text/xml"
    assert "<Message>Nous ne pouvons pas recevoir votre message" in result.body
    assert "We cannot receive your message right now" in result.body
    assert fake_rasa.received == []


async def test_logs_never_show_the_number(
    sms_gateway: SmsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="livechat")
    sms_gateway.twilio.fail_next(2)
    await sms_gateway.sms("Bonjour")
    await sms_gateway.wait_retries()
    await sms_gateway.sms("STOP")
    await sms_gateway.sms("Allo")

    ours = [r for r in caplog.records if r.name.startswith("livechat")]
    # Masked by our code itself, before any formatter...
    raw = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "sms delivery failed, flagged for agents" in raw
    assert "5145551234" not in raw and "***34" in raw
    # ...and by the gateway's log formatter for everything else.
    formatter = StructuredFormatter(json_lines=True)
    assert "5145551234" not in "\n".join(formatter.format(r) for r in caplog.records)
