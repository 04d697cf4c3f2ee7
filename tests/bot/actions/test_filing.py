"""action_file_request: the exact body sent to POST /api/v1/requests and the exact events."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import request_texts as texts
from bot.actions.filing import ActionFileRequest, channel_of, payload_of
from bot.actions.gateway_client import GatewayClient
from tests.bot.actions.conftest import FakeGateway

CONVERSATION = "0f3c9a7e5b2d4c1aa8e6f4b2c9d7e1f0"
RESET = [SlotSet("request_details", None), SlotSet("request_question", None)]
CONFIRMED = {
    "service_code": "report_pothole",
    "address": "455 rue Laurier",
    "description": "gros nid de poule devant le 455 rue Laurier",
    "attributes": {"size": "large"},
    "answered": 3,
    "started": "1700000000.500000",
    "confirmed": True,
}


def tracker(details: dict[str, Any] | None, channel: str = "sms") -> Tracker:
    latest = {"text": "oui", "intent": {"name": "affirm"}, "metadata": {"channel": channel}}
    slots = {"request_details": details, "language": "fr"}
    return Tracker(CONVERSATION, slots, latest, [], False, None, {}, "service_request_form")


async def run(client: GatewayClient, details: dict[str, Any] | None) -> list[Any]:
    dispatcher = CollectingDispatcher()
    events = await ActionFileRequest(client).run(dispatcher, tracker(details), {})
    assert dispatcher.messages == []  # the rules answer, from filing_result
    return events


async def test_filed(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, {
        "service_request_id": "311-K7M-4PX-9QD", "status": "open",
        "expected_datetime": "2025-03-21T18:00:00-04:00",
        "service_name": {"fr": "Nid-de-poule", "en": "Pothole"}, "created": True,
    })  # fmt: skip
    assert await run(GatewayClient(gateway.url), CONFIRMED) == [
        *RESET,
        SlotSet("request_updates_fr", ""),
        SlotSet("request_updates_en", ""),
        SlotSet("request_reference", "311-K7M-4PX-9QD"),
        SlotSet("request_service_fr", "Nid-de-poule"),
        SlotSet("request_service_en", "Pothole"),
        SlotSet("request_expected", "2025-03-21"),
        SlotSet("filing_result", "filed"),
    ]
    [call] = gateway.received
    key = call.body.pop("idempotency_key")
    assert call.body == {
        "service_code": "report_pothole",
        "description": "gros nid de poule devant le 455 rue Laurier",
        "address": "455 rue Laurier",
        "attributes": {"size": "large"},
        "language": "fr",
        "channel": "sms",
        "conversation_id": CONVERSATION,
    }
    assert key.startswith("bot-") and len(key) <= 128


async def test_same_request_same_idempotency_key(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 200, {"service_request_id": "311-K7M-4PX-9QD"})
    await run(GatewayClient(gateway.url), CONFIRMED)
    await run(GatewayClient(gateway.url), CONFIRMED)
    await run(GatewayClient(gateway.url), {**CONFIRMED, "started": "1700000999.000000"})
    keys = [call.body["idempotency_key"] for call in gateway.received]
    assert keys[0] == keys[1] != keys[2]


async def test_refused_with_the_citys_words(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 400, {
        "error": "validation_error", "field": "address_string",
        "message": {"fr": "Il nous faut l'adresse.", "en": "We need the address."},
    })  # fmt: skip
    assert await run(GatewayClient(gateway.url), CONFIRMED) == [
        *RESET,
        SlotSet("request_error_fr", "Il nous faut l'adresse."),
        SlotSet("request_error_en", "We need the address."),
        SlotSet("filing_result", "invalid"),
    ]


async def test_gateway_down(closed_port_url: str) -> None:
    # The details stay for a retry (with the same idempotency key).
    assert await run(GatewayClient(closed_port_url), CONFIRMED) == [
        SlotSet("filing_result", "unavailable"),
    ]


async def test_answer_without_reference_is_unavailable(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, {"status": "open"})
    events = await run(GatewayClient(gateway.url), CONFIRMED)
    assert events[-1] == SlotSet("filing_result", "unavailable")


async def test_cancelled_or_interrupted_requests_are_not_sent(closed_port_url: str) -> None:
    for details in ({**CONFIRMED, "confirmed": False, "cancelled": True}, None, {}):
        assert await run(GatewayClient(closed_port_url), details) == [
            *RESET,
            SlotSet("filing_result", "cancelled"),
        ]


def test_payload_leaves_out_empty_fields() -> None:
    details = {"service_code": "suggestion", "description": "Plus de bancs au parc svp",
               "attributes": {}, "started": "1"}  # fmt: skip
    payload = payload_of(tracker(details, channel="web"), details)
    assert "address" not in payload
    assert payload["attributes"] == {} and payload["channel"] == "web"


def test_channel_defaults_to_web() -> None:
    unknown = Tracker("c", {}, {"metadata": {"channel": "fax"}}, [], False, None, {}, "x")
    assert channel_of(unknown) == "web"
    from_session = Tracker(
        "c", {"session_started_metadata": {"channel": "sms"}}, {}, [], False, None, {}, "x"
    )
    assert channel_of(from_session) == "sms"


def test_name() -> None:
    assert ActionFileRequest().name() == "action_file_request"


def test_photos_and_location_shared_during_the_request_are_filed() -> None:
    """A photo uploaded in the widget, an MMS picture and a shared position join the request;
    what was shared before this request started does not."""
    events = [
        {"event": "user", "text": "avant", "metadata": {"photo_url": "/uploads/old.jpg"}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "nid-de-poule ici", "metadata": {
            "channel": "web", "location": {"lat": 46.49, "long": -80.99}}},
        {"event": "action", "name": "action_start_request"},
        {"event": "user", "text": "📷", "metadata": {"photo_url": "/uploads/a1b2.jpg"}},
        {"event": "user", "text": "", "metadata": {
            "photo_urls": ["https://api.twilio.com/2010-04-01/Accounts/AC/Media/ME1"]}},
        {"event": "user", "text": "oui", "metadata": {"location": "not a location"}},
    ]  # fmt: skip
    latest = {"text": "oui", "metadata": {"channel": "web"}}
    slots = {"request_details": CONFIRMED, "language": "fr"}
    with_media = Tracker(CONVERSATION, slots, latest, events, False, None, {}, "x")
    payload = payload_of(with_media, CONFIRMED)
    assert payload["media_urls"] == [
        "/uploads/a1b2.jpg", "https://api.twilio.com/2010-04-01/Accounts/AC/Media/ME1",
    ]  # fmt: skip
    assert (payload["lat"], payload["long"]) == (46.49, -80.99)


FILED = {
    "service_request_id": "311-K7M-4PX-9QD", "status": "open",
    "expected_datetime": "2025-03-21T18:00:00-04:00",
    "service_name": {"fr": "Nid-de-poule", "en": "Pothole"}, "created": True,
}  # fmt: skip
SUBSCRIPTIONS = "/api/v1/requests/311-K7M-4PX-9QD/subscriptions"


async def file_on_web(gateway: FakeGateway, details: dict[str, Any]) -> list[Any]:
    dispatcher = CollectingDispatcher()
    action = ActionFileRequest(GatewayClient(gateway.url))
    return await action.run(dispatcher, tracker(details, channel="web"), {})


async def test_web_contact_is_filed_and_signed_up_for_email_updates(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, FILED)
    gateway.reply("POST", SUBSCRIPTIONS, 201, {"status": "confirmed"})
    details = {**CONFIRMED, "contact": {"email": "marie@exemple.ca"}, "contact_language": "en"}
    events = await file_on_web(gateway, details)
    assert events[2:4] == [
        SlotSet("request_updates_fr", texts.UPDATES_EMAIL["fr"]),
        SlotSet("request_updates_en", texts.UPDATES_EMAIL["en"]),
    ]
    filing, subscription = gateway.received
    assert filing.body["contact"] == {"email": "marie@exemple.ca"}
    assert filing.body["language"] == "en"  # the language chosen for the updates
    assert subscription.body == {"channel": "email", "address": "marie@exemple.ca",
                                 "language": "en"}  # fmt: skip


async def test_web_phone_gets_the_gateways_sms_opt_in(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, FILED)
    gateway.reply("POST", SUBSCRIPTIONS, 201, {"status": "pending"})
    details = {**CONFIRMED, "contact": {"phone": "+16135550142"}, "contact_language": "fr"}
    events = await file_on_web(gateway, details)
    assert SlotSet("request_updates_fr", texts.UPDATES_SMS["fr"]) in events
    assert gateway.received[1].body == {"channel": "sms", "address": "+16135550142",
                                        "language": "fr"}  # fmt: skip


async def test_subscription_refused_still_filed(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, FILED)
    gateway.reply("POST", SUBSCRIPTIONS, 400, {"error": "validation", "field": "address"})
    details = {**CONFIRMED, "contact": {"phone": "+16135550142"}, "contact_language": "fr"}
    events = await file_on_web(gateway, details)
    assert SlotSet("request_updates_en", texts.UPDATES_FAILED["en"]) in events
    assert events[-1] == SlotSet("filing_result", "filed")


async def test_declined_contact_sends_none(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, FILED)
    events = await file_on_web(gateway, {**CONFIRMED, "contact": {}, "photos": []})
    assert SlotSet("request_updates_fr", "") in events
    [filing] = gateway.received
    assert "contact" not in filing.body and "media_urls" not in filing.body


async def test_retry_after_the_api_was_down_sends_the_same_key(
    gateway: FakeGateway, closed_port_url: str
) -> None:
    """Down: told so, details kept. The retry is the same request: the gateway answers 200 for
    a known idempotency key instead of filing it twice."""
    assert await run(GatewayClient(closed_port_url), CONFIRMED) == [
        SlotSet("filing_result", "unavailable")
    ]
    gateway.reply("POST", "/api/v1/requests", 201, FILED)
    await run(GatewayClient(gateway.url), CONFIRMED)
    gateway.reply("POST", "/api/v1/requests", 200, {**FILED, "created": False})
    events = await run(GatewayClient(gateway.url), CONFIRMED)
    assert events[-1] == SlotSet("filing_result", "filed")
    first, second = gateway.received
    assert first.body == second.body


def test_recorded_photos_and_location_replace_the_metadata() -> None:
    details = {**CONFIRMED, "photos": ["/uploads/b.jpg"], "location": {"lat": 1.5, "long": 2.5}}
    payload = payload_of(tracker(details, channel="web"), details)
    assert payload["media_urls"] == ["/uploads/b.jpg"]
    assert (payload["lat"], payload["long"]) == (1.5, 2.5)


async def test_a_contact_the_gateway_refuses_is_dropped_not_the_request(
    gateway: FakeGateway,
) -> None:
    """The gateway's phone rules (libphonenumber) are stricter than the form's."""
    refused = {"error": "validation", "field": "phone",
               "message": {"fr": "Numéro invalide.", "en": "Invalid number."}}  # fmt: skip
    gateway.reply_once("POST", "/api/v1/requests", 400, refused)
    gateway.reply("POST", "/api/v1/requests", 201, FILED)
    details = {**CONFIRMED, "contact": {"phone": "+12995550142"}, "contact_language": "fr"}
    events = await file_on_web(gateway, details)
    assert events[-1] == SlotSet("filing_result", "filed")
    assert SlotSet("request_updates_fr", texts.UPDATES_FAILED["fr"]) in events
    first, second = gateway.received
    assert first.body["contact"] == {"phone": "+12995550142"}
    assert "contact" not in second.body
    assert first.body["idempotency_key"] == second.body["idempotency_key"]  # nothing was filed


async def test_other_refusals_are_not_retried(gateway: FakeGateway) -> None:
    refused = {
        "error": "validation",
        "field": "address",
        "message": {"fr": "Adresse hors de la ville.", "en": "Address outside the city."},
    }
    gateway.reply("POST", "/api/v1/requests", 400, refused)  # fmt: skip
    events = await file_on_web(gateway, {**CONFIRMED, "contact": {"email": "a@b.ca"}})
    assert events[-1] == SlotSet("filing_result", "invalid")
    assert len(gateway.received) == 1
