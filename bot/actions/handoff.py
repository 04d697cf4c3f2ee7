"""action_request_human: hand the conversation to a 311 agent through the gateway."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.gateway_client import GatewayClient, GatewayUnavailable

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff_status"
_QUEUED = ("queued", "assigned", "open")


def handoff_reason(tracker: Tracker) -> str:
    """Why a person is needed: the citizen asked, or accepted the bot's offer."""
    intent = (tracker.latest_message or {}).get("intent", {}).get("name")
    return "citizen_request" if intent == "request_human" else "bot_offer"


def handoff_summary(tracker: Tracker) -> dict[str, str] | None:
    """What the agent should know: the service request being filled, if any."""
    details = tracker.get_slot("request_details")
    if not isinstance(details, dict):
        return None
    summary = {
        k: str(details[k]) for k in ("service_code", "address", "description") if details.get(k)
    }
    return summary or None


class ActionRequestHuman(Action):
    """Ask the gateway for an agent; the rules answer from `handoff_status`.

    "queued" (an agent will answer here), "closed" (no agent now: the gateway itself tells the
    citizen the hours and the next opening) or "unavailable" (the gateway is down or refused:
    the bot says how else to reach 311). Never a silent failure.
    """

    def __init__(self, client: GatewayClient | None = None) -> None:
        self._client = client

    def name(self) -> str:
        """The action the handoff rules call."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """One SlotSet of `handoff_status`."""
        client = self._client or GatewayClient.from_env()
        try:
            handoff = await client.request_handoff(
                tracker.sender_id,
                reason=handoff_reason(tracker),
                language=tracker.get_slot("language"),
                summary=handoff_summary(tracker),
            )
        except GatewayUnavailable as error:
            # The conversation id is no contact detail; the citizen's text is not logged.
            logger.warning("handoff of conversation %s failed: %s", tracker.sender_id, error)
            return [SlotSet(HANDOFF_SLOT, "unavailable")]
        return [SlotSet(HANDOFF_SLOT, "queued" if handoff.status in _QUEUED else "closed")]
