"""Start, validation and questions of service_request_form: exact events and messages."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import request_form
from bot.actions import request_texts as texts
from bot.actions.catalogue import CatalogueCache
from bot.actions.gateway_client import GatewayClient
from bot.actions.request_form import (
    ActionAskRequestAnswer,
    ActionStartRequest,
    ValidateServiceRequestForm,
)
from tests.bot.actions.conftest import FakeGateway

DOMAIN = {"forms": {"service_request_form": {"required_slots": ["request_answer"]}}}


@pytest.fixture
async def catalogue(gateway: FakeGateway, catalogue_body: dict[str, Any]) -> CatalogueCache:
    gateway.reply("GET", "/api/v1/services", 200, catalogue_body)
    return CatalogueCache(GatewayClient(gateway.url))


def tracker(
    slots: dict[str, Any],
    text: str = "",
    intent: str = "nlu_fallback",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.4}, "metadata": metadata}
    form = {"name": "service_request_form", "validate": True}
    # What Rasa sends: the user message, then the slot its mapping filled (to be validated).
    events = [{"event": "user", "text": text, "parse_data": latest}]
    if "request_answer" in slots:
        events.append({"event": "slot", "name": "request_answer", "value": slots["request_answer"]})
    return Tracker("c1", slots, latest, events, False, None, form, "action_listen")


async def test_start_uses_the_first_message(catalogue: CatalogueCache, monkeypatch: Any) -> None:
    monkeypatch.setattr(request_form.time, "time", lambda: 1700000000.5)
    start = ActionStartRequest(catalogue)
    slots = {"address": "455 rue Laurier", "language": "fr"}
    text = "gros nid de poule devant le 455 rue Laurier"
    events = await start.run(CollectingDispatcher(), tracker(slots, text, "report_pothole"), {})
    details = {
        "service_code": "report_pothole",
        "attributes": {},  # "gros" names no size: asked next
        "answered": 0,
        "started": "1700000000.500000",
        "channel": "web",
        "photos": [],
        "address": "455 rue Laurier",
        "description": text,
    }
    assert events == [
        SlotSet("address", None),
        SlotSet("request_details", details),
        SlotSet("request_question", "attribute:size"),
        SlotSet("request_answer", None),
        SlotSet("request_flow", "ready"),
    ]


async def test_start_prefills_named_choices(catalogue: CatalogueCache) -> None:
    start = ActionStartRequest(catalogue)
    text = "my recycling wasn't picked up"
    events = await start.run(
        CollectingDispatcher(), tracker({}, text, "report_missed_collection"), {}
    )
    details = next(e["value"] for e in events if e.get("name") == "request_details")
    assert details["attributes"] == {"collection_type": "recycling"}
    assert SlotSet("request_question", "address") in events


async def test_start_ignores_a_lone_street_word(catalogue: CatalogueCache) -> None:
    start = ActionStartRequest(catalogue)
    events = await start.run(
        CollectingDispatcher(), tracker({"address": "rue"}, "/report_pothole", "report_pothole"), {}
    )
    details = next(e["value"] for e in events if e.get("name") == "request_details")
    assert "address" not in details and "description" not in details  # a button payload
    assert SlotSet("request_question", "address") in events


async def test_start_without_catalogue(closed_port_url: str) -> None:
    start = ActionStartRequest(CatalogueCache(GatewayClient(closed_port_url)))
    events = await start.run(CollectingDispatcher(), tracker({}, "pothole", "report_pothole"), {})
    assert events == [SlotSet("request_flow", "unavailable")]


async def test_start_with_an_unknown_service(catalogue: CatalogueCache) -> None:
    start = ActionStartRequest(catalogue)
    events = await start.run(CollectingDispatcher(), tracker({}, "hi", "greet"), {})
    assert events == [SlotSet("request_flow", "unavailable")]


async def validate(
    catalogue: CatalogueCache,
    slots: dict[str, Any],
    text: str,
    intent: str = "nlu_fallback",
    metadata: dict[str, Any] | None = None,
) -> tuple[list[Any], list[Any]]:
    dispatcher = CollectingDispatcher()
    slots = {"requested_slot": "request_answer", **slots, "request_answer": text}
    events = await ValidateServiceRequestForm(catalogue).run(
        dispatcher, tracker(slots, text, intent, metadata), DOMAIN
    )
    return events, dispatcher.messages


def pothole(**values: Any) -> dict[str, Any]:
    return {"service_code": "report_pothole", "attributes": {}, "answered": 0, **values}


async def test_answer_moves_to_the_next_question(catalogue: CatalogueCache) -> None:
    slots = {"request_details": pothole(), "request_question": "address"}
    events, messages = await validate(catalogue, slots, "455 rue Laurier")
    assert messages == []
    assert events == [
        SlotSet("request_answer", None),
        SlotSet("request_details", pothole(address="455 rue Laurier", answered=1)),
        SlotSet("request_question", "attribute:size"),
    ]


async def test_unclear_answer_is_explained_and_asked_again(catalogue: CatalogueCache) -> None:
    slots = {"request_details": pothole(answered=1), "request_question": "attribute:size",
             "language": "en"}  # fmt: skip
    events, messages = await validate(catalogue, slots, "enormous")
    assert events == [SlotSet("request_answer", None)]
    assert [m["text"] for m in messages] == [texts.NOT_UNDERSTOOD["en"]]


async def test_confirmation_ends_the_form(catalogue: CatalogueCache) -> None:
    done = pothole(address="455 rue Laurier", attributes={"size": "large"}, answered=2)
    slots = {"request_details": done, "request_question": "confirm"}
    events, _ = await validate(catalogue, slots, "/affirm", intent="affirm")
    assert events == [
        SlotSet("request_answer", None),
        SlotSet("request_details", {**done, "confirmed": True, "answered": 3}),
        SlotSet("request_question", None),
        SlotSet("requested_slot", None),
    ]


async def test_cancel_ends_the_form(catalogue: CatalogueCache) -> None:
    slots = {"request_details": pothole(), "request_question": "address"}
    events, _ = await validate(catalogue, slots, "annuler", intent="deny")
    assert SlotSet("request_details", pothole(cancelled=True, answered=1)) in events
    assert events[-1] == SlotSet("requested_slot", None)


async def test_catalogue_gone_ends_the_form(closed_port_url: str) -> None:
    catalogue = CatalogueCache(GatewayClient(closed_port_url))
    slots = {"request_details": pothole(), "request_question": "address"}
    events, _ = await validate(catalogue, slots, "455 rue Laurier")
    assert SlotSet("request_details", pothole(cancelled=True)) in events
    assert events[-1] == SlotSet("requested_slot", None)


async def test_ask_renders_the_pending_question(catalogue: CatalogueCache) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"request_details": pothole(answered=1), "request_question": "attribute:size",
             "language": "en"}  # fmt: skip
    events = await ActionAskRequestAnswer(catalogue).run(dispatcher, tracker(slots), {})
    assert events == []
    [message] = dispatcher.messages
    assert message["text"].startswith("How big is the pothole?\n1. Small (smaller than a plate)")
    assert [b["title"] for b in message["buttons"]] == [
        "Small (smaller than a plate)", "Medium (about a tyre)", "Large (bigger than a tyre)",
    ]  # fmt: skip
    # The choice's number is sent back, as a citizen would type it (never the title to NLU).
    assert [b["payload"] for b in message["buttons"]] == ["1", "2", "3"]


async def test_ask_without_catalogue_still_answers(closed_port_url: str) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"request_details": pothole(), "request_question": "address", "language": "fr"}
    ask = ActionAskRequestAnswer(CatalogueCache(GatewayClient(closed_port_url)))
    assert await ask.run(dispatcher, tracker(slots), {}) == []
    assert [m["text"] for m in dispatcher.messages] == [texts.NOT_UNDERSTOOD["fr"]]


def test_city_today_uses_city_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITY_TZ", "Pacific/Kiritimati")  # UTC+14: never behind the host
    from datetime import date

    assert request_form.city_today() >= date.today()


def test_names() -> None:
    assert ActionStartRequest().name() == "action_start_request"
    assert ValidateServiceRequestForm().name() == "validate_service_request_form"
    assert ActionAskRequestAnswer().name() == "action_ask_request_answer"
