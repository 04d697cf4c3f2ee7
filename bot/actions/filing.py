"""action_file_request: send the confirmed details to the gateway's requests API."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import request_texts as texts
from bot.actions.gateway_client import GatewayClient, GatewayRejected, GatewayUnavailable
from bot.errors import GatewayError

logger = logging.getLogger(__name__)

RESULT_SLOT = "filing_result"
_RESET = ("request_details", "request_question")


def channel_of(tracker: Tracker) -> str:
    """ "web" or "sms", from the gateway's metadata (latest message, else session start)."""
    for metadata in (
        (tracker.latest_message or {}).get("metadata"),
        tracker.get_slot("session_started_metadata"),
    ):
        if isinstance(metadata, dict) and metadata.get("channel") in ("web", "sms"):
            return str(metadata["channel"])
    return "web"


def shared_in(metadata: Any) -> tuple[list[str], dict[str, float] | None]:
    """Photos (widget upload `photo_url`, MMS `photo_urls`) and a shared location
    (`location` {lat, long}) in one message's metadata."""
    if not isinstance(metadata, dict):
        return [], None
    urls = [metadata.get("photo_url"), *(metadata.get("photo_urls") or [])]
    photos = list(dict.fromkeys(u for u in urls if isinstance(u, str) and u))
    shared, location = metadata.get("location"), None
    if isinstance(shared, dict):
        lat, long = shared.get("lat"), shared.get("long")
        if isinstance(lat, (int, float)) and isinstance(long, (int, float)):
            location = {"lat": float(lat), "long": float(long)}
    return photos, location


def shared_during_request(tracker: Tracker) -> tuple[list[str], dict[str, float] | None]:
    """Photos (widget upload `photo_url`, MMS `photo_urls`) and the last shared location
    (`location` {lat, long}) that came as message metadata since the citizen started this
    request, the message that started it included."""
    events = list(tracker.events)
    starts = [i for i, e in enumerate(events)
              if e.get("event") == "action" and e.get("name") == "action_start_request"]
    start = starts[-1] if starts else 0
    users_before = [i for i, e in enumerate(events[:start]) if e.get("event") == "user"]
    first = users_before[-1] if users_before else start
    photos: list[str] = []
    location: dict[str, float] | None = None
    for event in events[first:]:
        if event.get("event") != "user":
            continue
        urls, shared = shared_in(event.get("metadata"))
        photos += [u for u in urls if u not in photos]
        location = shared or location
    return photos, location


def payload_of(tracker: Tracker, details: dict[str, Any]) -> dict[str, Any]:
    """The POST /api/v1/requests body. The idempotency key is stable for one request, so a
    retry after a timeout never files it twice."""
    code = str(details.get("service_code") or "")
    seed = f"{tracker.sender_id}|{code}|{details.get('started')}"
    payload: dict[str, Any] = {
        "service_code": code,
        "description": details.get("description"),
        "address": details.get("address"),
        "attributes": details.get("attributes") or {},
        "language": details.get("contact_language") or tracker.get_slot("language") or "fr",
        "channel": channel_of(tracker),
        "conversation_id": tracker.sender_id,
        "idempotency_key": "bot-" + hashlib.sha256(seed.encode()).hexdigest()[:40],
    }
    photos, location = shared_during_request(tracker)
    if "photos" in details:  # what the form recorded (the citizen may have removed a photo)
        photos, location = list(details["photos"]), details.get("location")
    if details.get("contact"):
        payload["contact"] = dict(details["contact"])
    if photos:
        payload["media_urls"] = photos[:5]
    if location:
        payload.update(location)
    return {key: value for key, value in payload.items() if value not in (None, "")}


async def _file(
    client: GatewayClient, tracker: Tracker, details: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """File the request; a contact the gateway refuses (its phone rules are stricter than the
    form's) is dropped rather than the request. Returns the answer and the details filed."""
    try:
        return await client.file_request(payload_of(tracker, details)), details
    except GatewayRejected as error:
        if not details.get("contact") or error.field not in ("phone", "email", "contact"):
            raise
        logger.info("contact refused (%s): filed without it", error.field)
        without = {**details, "contact": {}, "contact_refused": True}
        return await client.file_request(payload_of(tracker, without)), without


async def _subscribe(
    client: GatewayClient, tracker: Tracker, details: dict[str, Any], reference: str
) -> texts.Texts | None:
    """Sign the contact given in a web chat up for the request's updates (on SMS the gateway
    asks for "Oui" itself); what to tell the citizen about it."""
    if details.get("contact_refused"):
        return texts.UPDATES_FAILED
    contact = details.get("contact") or {}
    if channel_of(tracker) == "sms" or not contact:
        return None
    channel = "email" if contact.get("email") else "sms"
    language = details.get("contact_language") or tracker.get_slot("language") or "fr"
    try:
        address = str(contact.get("email") or contact.get("phone"))
        await client.subscribe(reference, channel, address, language)
    except GatewayError as error:  # never the address itself in the logs
        logger.warning("update subscription (%s) failed: %s", channel, error)
        return texts.UPDATES_FAILED
    return texts.UPDATES_EMAIL if channel == "email" else texts.UPDATES_SMS


def _date(value: Any) -> str:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else "?"


class ActionFileRequest(Action):
    """File the request; `filing_result` filed / invalid / unavailable / cancelled."""

    def __init__(self, client: GatewayClient | None = None) -> None:
        self._client = client

    def name(self) -> str:
        """Called when service_request_form ends."""
        return "action_file_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """The reference number and expected date on success; the details are then cleared."""
        details = tracker.get_slot("request_details") or {}
        reset = [SlotSet(slot, None) for slot in _RESET]
        if not details.get("confirmed"):
            return [*reset, SlotSet(RESULT_SLOT, "cancelled")]
        client = self._client or GatewayClient.from_env()
        try:
            filed, details = await _file(client, tracker, details)
        except GatewayRejected as error:
            logger.info("request refused by the gateway: %s (%s)", error.code, error.field)
            return [
                *reset,
                SlotSet("request_error_fr", error.fr),
                SlotSet("request_error_en", error.en),
                SlotSet(RESULT_SLOT, "invalid"),
            ]
        except GatewayUnavailable as error:
            # The details stay: a retry sends the same idempotency key, never a second request.
            logger.warning("filing failed: %s", error)
            return [SlotSet(RESULT_SLOT, "unavailable")]
        names = filed.get("service_name") if isinstance(filed.get("service_name"), dict) else {}
        code = str(details.get("service_code") or "")
        reference = str(filed["service_request_id"])
        updates = await _subscribe(client, tracker, details, reference)
        return [
            *reset,
            SlotSet("request_updates_fr", updates["fr"] if updates else ""),
            SlotSet("request_updates_en", updates["en"] if updates else ""),
            SlotSet("request_reference", reference),
            SlotSet("request_service_fr", str(names.get("fr") or code)),
            SlotSet("request_service_en", str(names.get("en") or code)),
            SlotSet("request_expected", _date(filed.get("expected_datetime"))),
            SlotSet(RESULT_SLOT, "filed"),
        ]
