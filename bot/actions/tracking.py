"""action_track_request: the status of a service request, from the gateway, by reference number."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.gateway_client import GatewayClient, GatewayRejected, GatewayUnavailable

logger = logging.getLogger(__name__)

REFERENCE_SLOT = "reference_number"
RESULT_SLOT = "tracking_result"
STATUSES = ("open", "in_progress", "closed")


def _date(value: Any) -> str:
    """ISO datetime -> "2025-03-14" (the same in French and English); "?" when unknown."""
    return value[:10] if isinstance(value, str) and len(value) >= 10 else "?"


def _text(value: Any) -> str:
    # Responses interpolate slots with str(): a None would read "None".
    return value.strip() if isinstance(value, str) else ""


def status_events(reference: str, request: dict[str, Any]) -> list[EventType]:
    """Slots the status responses read (utter_request_open / _in_progress / _closed)."""
    names = request.get("service_name") if isinstance(request.get("service_name"), dict) else {}
    code = _text(request.get("service_code"))
    status = request.get("status")
    return [
        SlotSet("request_reference", _text(request.get("service_request_id")) or reference),
        SlotSet("request_service_fr", _text(names.get("fr")) or code),
        SlotSet("request_service_en", _text(names.get("en")) or code),
        SlotSet("request_expected", _date(request.get("expected_datetime"))),
        SlotSet("request_notes", _text(request.get("status_notes"))),
        SlotSet(RESULT_SLOT, status if status in STATUSES else "open"),
    ]


class ActionTrackRequest(Action):
    """Look up `reference_number`; the rules answer from `tracking_result`.

    The reference slot is emptied so that the next "track my request" asks again.
    """

    def __init__(self, client: GatewayClient | None = None) -> None:
        self._client = client

    def name(self) -> str:
        """Called when track_request_form has the reference number."""
        return "action_track_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """The status slots, or `tracking_result` not_found / invalid / unavailable / missing."""
        reference = _text(tracker.get_slot(REFERENCE_SLOT))
        cleared = SlotSet(REFERENCE_SLOT, None)
        if not reference:
            return [SlotSet(RESULT_SLOT, "missing"), cleared]
        client = self._client or GatewayClient.from_env()
        try:
            request = await client.get_request(reference)
        except GatewayRejected:
            result = "invalid"  # e.g. a typo caught by the check character
        except GatewayUnavailable as error:
            logger.warning("lookup of a request failed: %s", error)
            result = "unavailable"
        else:
            if request is not None:
                return [*status_events(reference, request), cleared]
            result = "not_found"
        return [SlotSet("request_reference", reference), SlotSet(RESULT_SLOT, result), cleared]
