"""The SMS wing with the requests wing: "Oui" opt-in, status updates by SMS through the requests
outbox worker, STOP stopping subscriptions; and the wing's wiring."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from livechat import keys
from livechat.app import WING_MODULES, default_wings
from livechat.db import utcnow
from livechat.requests import subscriptions
from livechat.requests.appkeys import OUTBOX_SENDERS, OUTBOX_WORKER, SERVICE
from livechat.requests.models import Outbox, Subscription
from livechat.requests.outbox import OutboxWorker
from livechat.requests.validation import NewRequest
from tests.livechat.fakes import FakeRasa
from tests.livechat.sms.conftest import CITIZEN, SmsGateway, SmsGatewayFactory


async def file_request_by_sms(gateway: SmsGateway, language: str) -> str:
    """File a pothole request from the citizen's SMS conversation, as the bot's action does;
    filing subscribes the number (pending: the citizen is asked to reply "Oui")."""
    conversation = await gateway.app[keys.STORE].open_phone_conversation(CITIZEN)
    service = gateway.app[SERVICE]
    request, _ = await service.create_request(
        NewRequest(
            service_code="report_pothole",
            description="Gros trou devant l'école" if language == "fr" else "Big pothole",
            address="123, rue Principale",
            attributes={"size": "large", "position": "bike_lane"},
            language=language,
            channel="sms",
            conversation_id=conversation.public_id.hex,
            contact_phone=CITIZEN,
        )
    )
    return request.service_request_id


async def run_outbox(gateway: SmsGateway, expected_sms: int) -> None:
    """Let the requests wing's outbox worker send, and wait for Twilio to get the SMS."""
    await gateway.app[OUTBOX_WORKER].run_once()
    await gateway.twilio.wait_for(expected_sms)


async def subscription_status(gateway: SmsGateway) -> list[str]:
    async with gateway.sessionmaker() as session:
        return list((await session.scalars(select(Subscription.status))).all())


async def test_oui_confirms_then_updates_arrive_by_sms_in_french(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await sms_gateway.sms("Bonjour, il y a un nid-de-poule sur la rue Principale")
    ref = await file_request_by_sms(sms_gateway, "fr")
    await run_outbox(sms_gateway, 2)
    ask = sms_gateway.twilio.messages[1]
    assert ask.to == CITIZEN and f"demande {ref}, répondez « Oui »" in ask.body

    await sms_gateway.sms("Oui")

    assert await subscription_status(sms_gateway) == ["confirmed"]
    assert sms_gateway.twilio.messages[2].body == (
        f"Merci! Vous recevrez par texto les mises à jour de la demande {ref}."
    )
    assert [r["message"] for r in fake_rasa.received] == [
        "Bonjour, il y a un nid-de-poule sur la rue Principale"
    ]  # "Oui" never reached the bot

    await sms_gateway.app[SERVICE].change_status(
        ref, "in_progress", "Équipe sur place demain", by="staff", language="fr"
    )
    await run_outbox(sms_gateway, 4)

    update = sms_gateway.twilio.messages[3]
    assert update.to == CITIZEN
    assert update.body.startswith(f"Ville - 311 : votre demande {ref} (")  # – sent as -
    assert "Note : Équipe sur place demain" in update.body
    stored = (await sms_gateway.messages())[-1]
    assert (stored.sender, stored.source_id, stored.language) == ("system", update.sid, "fr")


async def test_yes_confirms_then_updates_arrive_in_english(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    ref = await file_request_by_sms(sms_gateway, "en")
    await run_outbox(sms_gateway, 1)
    assert 'reply "Yes"' in sms_gateway.twilio.messages[0].body  # “ ” sent as plain quotes

    await sms_gateway.sms("yes")
    assert sms_gateway.twilio.messages[1].body == (
        f"Thank you! You will get text updates about request {ref}."
    )

    await sms_gateway.app[SERVICE].change_status(ref, "closed", None, by="staff", language="fr")
    await run_outbox(sms_gateway, 3)
    assert sms_gateway.twilio.messages[2].body.startswith(f"City 311: your request {ref} (")
    assert fake_rasa.received == []


async def test_anything_else_leaves_it_pending_and_goes_to_the_bot(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    ref = await file_request_by_sms(sms_gateway, "fr")
    await run_outbox(sms_gateway, 1)

    await sms_gateway.sms("C'est quand la collecte?")

    assert await subscription_status(sms_gateway) == ["pending"]
    assert fake_rasa.received[0]["message"] == "C'est quand la collecte?"
    await sms_gateway.app[SERVICE].change_status(ref, "closed", None, by="staff", language="fr")
    await sms_gateway.app[OUTBOX_WORKER].run_once()
    assert len(sms_gateway.twilio.messages) == 2  # the ask and the bot's echo, no update


async def test_oui_without_a_pending_subscription_goes_to_the_bot(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await sms_gateway.sms("Oui")
    assert fake_rasa.received[0]["message"] == "Oui"


async def test_stop_stops_subscriptions_and_queued_sms_are_never_sent(
    sms_gateway: SmsGateway,
) -> None:
    ref = await file_request_by_sms(sms_gateway, "fr")
    await run_outbox(sms_gateway, 1)
    await sms_gateway.sms("Oui")
    assert await subscription_status(sms_gateway) == ["confirmed"]

    await sms_gateway.sms("ARRET")

    assert await subscription_status(sms_gateway) == ["stopped"]
    sent = len(sms_gateway.twilio.messages)
    assert sent == 3  # the ask, the thank-you, the STOP confirmation
    await sms_gateway.app[SERVICE].change_status(ref, "closed", None, by="staff", language="fr")
    # Even an SMS already in the outbox (queued before STOP) is refused for good.
    await subscriptions.subscribe(sms_gateway.app[SERVICE], ref, "sms", CITIZEN, "fr")
    await sms_gateway.app[OUTBOX_WORKER].run_once()
    assert len(sms_gateway.twilio.messages) == sent
    async with sms_gateway.sessionmaker() as session:
        rows = (await session.scalars(select(Outbox).where(Outbox.kind == "sms"))).all()
    refused = [row for row in rows if row.status == "failed"]
    assert refused and all("opted out" in (row.last_error or "") for row in refused)


async def test_the_wing_registers_the_outbox_sender_while_running(
    make_sms_gateway: SmsGatewayFactory,
) -> None:
    gateway = await make_sms_gateway()
    service = gateway.app[SERVICE]
    assert "sms" in gateway.app[OUTBOX_SENDERS] and len(service.filed_hooks) == 1
    await gateway.server.close()
    assert "sms" not in gateway.app[OUTBOX_SENDERS] and service.filed_hooks == []


def test_the_sms_wing_is_a_default_wing_after_requests() -> None:
    assert WING_MODULES.index("livechat.sms") > WING_MODULES.index("livechat.requests")
    import livechat.sms

    assert livechat.sms.setup in default_wings()


async def test_a_refused_update_is_retried_by_the_outbox(sms_gateway: SmsGateway) -> None:
    ref = await file_request_by_sms(sms_gateway, "fr")
    sms_gateway.twilio.fail_next(1)  # Twilio answers 500 to the "reply Oui" question

    assert await sms_gateway.app[OUTBOX_WORKER].run_once() == 0

    async with sms_gateway.sessionmaker() as session:
        row = await session.scalar(select(Outbox).where(Outbox.kind == "sms"))
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert "SmsSendError" in (row.last_error or "")
    # Later (past the outbox's backoff) the same row goes out.
    later = OutboxWorker(
        sms_gateway.sessionmaker,
        sms_gateway.app[OUTBOX_SENDERS],
        clock=lambda: utcnow() + dt.timedelta(minutes=5),
    )
    assert await later.run_once() == 1
    [ask] = sms_gateway.twilio.messages
    assert ref in ask.body
    failed, sent = [m for m in await sms_gateway.messages() if m.sender == "system"]
    assert (failed.delivery_status, failed.delivery_error, failed.source_id) == (
        "failed", "20500", None,
    )  # fmt: skip
    assert (sent.delivery_status, sent.source_id) == ("queued", ask.sid)
    assert sent.payload is not None and sent.payload["sms"]["outbox"].startswith(
        "subscription-confirm:"
    )


async def test_an_invalid_number_fails_the_outbox_row_for_good(sms_gateway: SmsGateway) -> None:
    await file_request_by_sms(sms_gateway, "fr")
    sms_gateway.twilio.fail_next(1, status=400, code=21211, message="Invalid 'To' number")

    await sms_gateway.app[OUTBOX_WORKER].run_once()

    async with sms_gateway.sessionmaker() as session:
        row = await session.scalar(select(Outbox).where(Outbox.kind == "sms"))
    assert row is not None and row.status == "failed"
    assert "21211" in (row.last_error or "")
    flag = (await sms_gateway.messages())[-1]
    assert flag.direction == "activity" and "21211" in (flag.content or "")
