"""Outgoing SMS: rendering, splitting into stored parts, status callbacks, retry then flag."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from livechat import keys
from livechat.conversations.store import MessageInfo
from livechat.models import Direction, Sender
from livechat.sms.encoding import measure
from livechat.sms.render import render
from livechat.sms.wing import SMS_SENDER
from tests.livechat.fakes import FakeRasa
from tests.livechat.sms.conftest import AUTH_TOKEN, CITIZEN, PUBLIC_URL, SmsGateway
from tests.livechat.sms.twilio_webhook import new_sid, send_sms

LONG_FRENCH = (
    "Pour une collecte d'encombrants, déposez les objets en bordure de rue avant 7 h le jour "
    "prévu. Les matelas doivent être emballés dans une housse de plastique fermée. Les "
    "électroménagers contenant des halocarbures sont ramassés à part, sur rendez-vous. Les "
    "matériaux de construction ne sont pas acceptés; apportez-les à l'écocentre."
)


def message(content: str | None, payload: dict[str, object] | None = None) -> MessageInfo:
    return MessageInfo(
        id=1, conversation_id=1, direction="outgoing", sender="bot", content=content,
        payload=payload, language="fr", private=False, created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip


def test_render_text_image_attachment_and_choices() -> None:
    payload = {
        "image": "https://city.example/carte.png",
        "buttons": [
            {"title": "Nid-de-poule", "payload": "/report_pothole"},
            {"title": "Lampadaire", "payload": "/report_streetlight"},
            {"title": "Autre chose", "payload": "/out_of_scope"},
        ],
    }
    assert render(message("Que voulez-vous signaler?", payload), "fr") == (
        "Que voulez-vous signaler?\nhttps://city.example/carte.png\n1. Nid-de-poule\n"
        "2. Lampadaire\n3. Autre chose\nRépondez 1, 2 ou 3."
    )
    assert render(message(None, {"buttons": payload["buttons"]}), "en").endswith(
        "3. Autre chose\nReply 1, 2 or 3."
    )
    attachment = {"type": "image", "payload": {"src": "https://city.example/a.jpg"}}
    assert render(message(None, {"attachment": attachment}), "fr") == "https://city.example/a.jpg"
    assert render(message(None, {"custom": {"kind": "map"}}), "fr") == ""


async def test_a_long_reply_goes_out_as_several_sms_each_stored(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await sms_gateway.sms(LONG_FRENCH)  # the fake bot echoes it: "echo: ..." (UCS-2, > 201)

    sent = sms_gateway.twilio.messages
    assert len(sent) == 2
    assert all(measure(sms.body).segments <= 3 for sms in sent)
    assert " ".join(sms.body for sms in sent) == "echo: " + LONG_FRENCH
    assert sent[0].body.endswith("dans une housse de plastique fermée.")  # between sentences
    _, first, second = await sms_gateway.messages()
    assert (first.content, first.source_id, first.sender) == (sent[0].body, sent[0].sid, "bot")
    assert (second.content, second.source_id, second.sender) == (sent[1].body, sent[1].sid, "bot")
    assert first.payload is not None and second.payload is not None
    assert first.payload["sms"]["text"] == "echo: " + LONG_FRENCH
    assert (first.payload["sms"]["part"], first.payload["sms"]["parts"]) == (1, 2)
    assert second.payload["sms"] == {
        "part": 2, "parts": 2, "part_of": first.id,
        "encoding": "GSM-7", "segments": 2, "attempts": 1,
    }  # fmt: skip
    # Each SMS is encoded on its own: the first has "être" (UCS-2), the second has no ê/ç.
    assert first.payload["sms"]["encoding"] == "UCS-2"


async def test_an_agent_reply_is_split_and_encoded_the_same_way(sms_gateway: SmsGateway) -> None:
    store = sms_gateway.app[keys.STORE]
    conversation = await store.open_phone_conversation(CITIZEN)
    reply = await store.append_message(
        conversation.id, direction=Direction.OUTGOING, sender=Sender.AGENT, content=LONG_FRENCH
    )
    # What the agent hub does with an agent's reply: the router delivers it on its channel.
    await sms_gateway.app[keys.ROUTER].deliver(conversation, reply)

    assert len(sms_gateway.twilio.messages) == 2
    rows = await sms_gateway.messages()
    assert [r.sender for r in rows] == ["agent", "agent"]
    assert all(r.source_id for r in rows)


async def test_private_notes_and_activities_are_never_sent(sms_gateway: SmsGateway) -> None:
    store = sms_gateway.app[keys.STORE]
    conversation = await store.open_phone_conversation(CITIZEN)
    note = await store.append_message(
        conversation.id, direction=Direction.OUTGOING, sender=Sender.AGENT,
        content="Citoyen déjà rappelé", private=True,
    )  # fmt: skip
    activity = await store.append_message(
        conversation.id, direction=Direction.ACTIVITY, sender=Sender.SYSTEM, content="Assigned"
    )
    for stored in (note, activity):
        await sms_gateway.app[SMS_SENDER].send_message(conversation, stored)
    assert sms_gateway.twilio.messages == []


# -- status callbacks -------------------------------------------------------------------------


async def test_status_callbacks_are_recorded_and_never_go_backwards(
    sms_gateway: SmsGateway,
) -> None:
    await sms_gateway.sms("Bonjour")
    [sms] = sms_gateway.twilio.messages

    for status in ("sent", "delivered", "sent"):  # the late "sent" arrives after "delivered"
        response = await sms_gateway.twilio.send_status(sms.sid, status)
        assert response.status == 204
    reply = (await sms_gateway.messages())[1]
    assert reply.delivery_status == "delivered" and reply.delivery_error is None


async def test_forged_status_callback_is_refused(sms_gateway: SmsGateway) -> None:
    await sms_gateway.sms("Bonjour")
    [sms] = sms_gateway.twilio.messages
    sms_gateway.twilio.auth_token = "not-our-token"  # signs with another token

    response = await sms_gateway.twilio.send_status(sms.sid, "failed", "30003")

    assert response.status == 403
    assert (await sms_gateway.messages())[1].delivery_status == "queued"
    assert len(sms_gateway.twilio.messages) == 1  # no retry either


async def test_status_of_an_unknown_message_is_ignored(sms_gateway: SmsGateway) -> None:
    await sms_gateway.sms("Bonjour")
    [sms] = sms_gateway.twilio.messages
    sms.sid = new_sid()  # a message this gateway never sent
    response = await sms_gateway.twilio.send_status(sms.sid, "delivered")
    assert response.status == 204
    assert (await sms_gateway.messages())[1].delivery_status == "queued"


async def test_undelivered_reply_is_retried_once_then_flagged(sms_gateway: SmsGateway) -> None:
    twilio = sms_gateway.twilio
    await sms_gateway.sms("Bonjour")
    [first] = twilio.messages

    await twilio.send_status(first.sid, "undelivered", "30003")
    await sms_gateway.wait_retries()

    assert len(twilio.messages) == 2
    second = twilio.messages[1]
    assert second.body == first.body
    reply = (await sms_gateway.messages())[1]
    assert reply.source_id == second.sid and reply.delivery_status == "queued"
    assert reply.payload is not None
    assert reply.payload["sms"]["attempts"] == 2
    assert reply.payload["sms"]["previous_sids"] == [first.sid]

    await twilio.send_status(second.sid, "failed", "30003")
    await sms_gateway.wait_retries()

    assert len(twilio.messages) == 2  # no third attempt
    rows = await sms_gateway.messages()
    assert rows[1].delivery_status == "failed" and rows[1].delivery_error == "30003"
    flag = rows[-1]
    assert (flag.direction, flag.sender) == ("activity", "system")
    assert flag.content == (
        "Texto non livré au ***34 après 2 tentative(s) (erreur 30003).\n"
        "Text message not delivered to ***34 after 2 attempt(s) (error 30003)."
    )
    assert flag.payload == {"sms": {"delivery_failed": rows[1].id, "error": "30003", "attempts": 2}}


async def test_a_refused_send_is_retried_after_a_delay(sms_gateway: SmsGateway) -> None:
    sms_gateway.twilio.fail_next(1)  # Twilio answers 500 once
    await sms_gateway.sms("Bonjour")
    await sms_gateway.wait_retries()

    [sms] = sms_gateway.twilio.messages
    reply = (await sms_gateway.messages())[1]
    assert reply.source_id == sms.sid and reply.delivery_status == "queued"
    assert reply.payload is not None and reply.payload["sms"]["attempts"] == 2


async def test_a_permanent_error_is_flagged_without_retry(sms_gateway: SmsGateway) -> None:
    await sms_gateway.sms("Bonjour")
    [sms] = sms_gateway.twilio.messages
    await sms_gateway.twilio.send_status(sms.sid, "undelivered", "30006")  # landline
    await sms_gateway.wait_retries()

    assert len(sms_gateway.twilio.messages) == 1
    assert (await sms_gateway.messages())[-1].direction == "activity"


async def test_twilio_unsubscribed_error_records_the_opt_out(sms_gateway: SmsGateway) -> None:
    sms_gateway.twilio.fail_next(
        1, status=400, code=21610, message="Attempt to send to unsubscribed recipient"
    )
    await sms_gateway.sms("Bonjour")
    await sms_gateway.wait_retries()

    contact = await sms_gateway.contact()
    assert contact is not None and contact.sms_opted_out_at is not None
    assert sms_gateway.twilio.messages == []
    await sms_gateway.sms("Allo")
    assert sms_gateway.twilio.messages == []


@pytest.mark.parametrize("status", ["receiving", "partially_delivered", ""])
async def test_statuses_we_do_not_track_are_accepted(sms_gateway: SmsGateway, status: str) -> None:
    await sms_gateway.sms("Bonjour")
    [sms] = sms_gateway.twilio.messages
    response = await sms_gateway.twilio.send_status(sms.sid, status)
    assert response.status == 204
    assert (await sms_gateway.messages())[1].delivery_status == "queued"


async def test_status_callback_url_is_signed_for_public_url(sms_gateway: SmsGateway) -> None:
    await sms_gateway.sms("Bonjour")
    [sms] = sms_gateway.twilio.messages
    assert sms.status_callback == PUBLIC_URL + "/webhooks/twilio/status"
    assert AUTH_TOKEN  # the fake signs with the same token the gateway checks


async def test_a_bot_reply_that_cannot_be_stored_is_not_sent(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    fake_rasa.hold()  # the citizen's message is stored; Rasa answers once the table is gone
    result = await send_sms(sms_gateway.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Bonjour")
    assert result.status == 200
    async with sms_gateway.sessionmaker() as session:
        await session.execute(text("ALTER TABLE messages RENAME TO messages_away"))
        await session.commit()
    try:
        fake_rasa.release()
        await sms_gateway.settle()
    finally:
        async with sms_gateway.sessionmaker() as session:
            await session.execute(text("ALTER TABLE messages_away RENAME TO messages"))
            await session.commit()

    # Unstored, the opt-out could not be checked: nothing goes out, and the log says so.
    assert sms_gateway.twilio.messages == []
    assert any(r.getMessage() == "sms reply not stored, not sent" for r in caplog.records)
    assert [m.direction for m in await sms_gateway.messages()] == ["incoming"]
