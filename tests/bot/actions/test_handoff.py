"""action_request_human: exact events for each gateway answer, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.gateway_client import GatewayClient
from bot.actions.handoff import ActionRequestHuman, handoff_reason
from tests.bot.actions.conftest import FakeGateway

CONVERSATION = "0f3c9a7e5b2d4c1aa8e6f4b2c9d7e1f0"
HANDOFF = f"/api/v1/conversations/{CONVERSATION}/handoff"


def tracker(intent: str = "request_human", language: str | None = "fr") -> Tracker:
    latest = {"text": "agent svp", "intent": {"name": intent, "confidence": 0.99}}
    return Tracker(
        CONVERSATION, {"language": language}, latest, [], False, None, {}, "action_listen"
    )


async def run(client: GatewayClient, tracker: Tracker) -> tuple[list[Any], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHuman(client).run(dispatcher, tracker, {})
    return events, dispatcher.messages


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("queued", "queued"), ("assigned", "queued"), ("closed", "closed"), ("no_agent", "closed")],
)
async def test_gateway_answer_sets_handoff_status(
    gateway: FakeGateway, answer: str, expected: str
) -> None:
    gateway.reply("POST", HANDOFF, 202, {"status": answer})
    events, messages = await run(GatewayClient(gateway.url), tracker())
    assert events == [SlotSet("handoff_status", expected)]
    assert messages == []  # the rules answer, from handoff_status
    [call] = gateway.received
    assert call.body == {"reason": "citizen_request", "language": "fr"}


async def test_accepting_the_bots_offer_is_a_bot_offer(gateway: FakeGateway) -> None:
    gateway.reply("POST", HANDOFF, 202, {"status": "queued"})
    await run(GatewayClient(gateway.url), tracker(intent="affirm", language="en"))
    assert gateway.received[0].body == {"reason": "bot_offer", "language": "en"}


async def test_unknown_language_is_sent_as_null(gateway: FakeGateway) -> None:
    gateway.reply("POST", HANDOFF, 202, {"status": "queued"})
    await run(GatewayClient(gateway.url), tracker(language=None))
    assert gateway.received[0].body["language"] is None


async def test_gateway_without_handoff_route_is_unavailable(gateway: FakeGateway) -> None:
    events, messages = await run(GatewayClient(gateway.url), tracker())  # 404
    assert events == [SlotSet("handoff_status", "unavailable")]
    assert messages == []


async def test_gateway_down_is_unavailable(closed_port_url: str) -> None:
    events, _ = await run(GatewayClient(closed_port_url), tracker())
    assert events == [SlotSet("handoff_status", "unavailable")]


async def test_client_from_environment(
    gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.reply("POST", HANDOFF, 202, {"status": "queued"})
    monkeypatch.setenv("GATEWAY_URL", gateway.url)
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHuman().run(dispatcher, tracker(), {})
    assert events == [SlotSet("handoff_status", "queued")]


async def test_request_being_filled_is_summarised_for_the_agent(gateway: FakeGateway) -> None:
    gateway.reply("POST", HANDOFF, 202, {"status": "queued"})
    details = {"service_code": "report_pothole", "address": "455 rue Laurier", "attributes": {},
               "answered": 1, "started": "1"}  # fmt: skip
    asking = Tracker(
        CONVERSATION, {"language": "fr", "request_details": details},
        {"intent": {"name": "request_human"}}, [], False, None, {}, "action_listen",
    )  # fmt: skip
    events, _ = await run(GatewayClient(gateway.url), asking)
    assert events == [SlotSet("handoff_status", "queued")]
    assert gateway.received[0].body == {
        "reason": "citizen_request",
        "language": "fr",
        "summary": {"service_code": "report_pothole", "address": "455 rue Laurier"},
    }


def test_reason_without_latest_message() -> None:
    empty = Tracker(CONVERSATION, {}, {}, [], False, None, {}, "action_listen")
    assert handoff_reason(empty) == "bot_offer"


def test_name() -> None:
    assert ActionRequestHuman().name() == "action_request_human"
