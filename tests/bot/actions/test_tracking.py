"""action_track_request: exact events for each gateway answer, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.gateway_client import GatewayClient
from bot.actions.tracking import ActionTrackRequest
from tests.bot.actions.conftest import FakeGateway

REF = "311-K7M-4PX-9QD"
PATH = f"/api/v1/requests/{REF}"
CLEARED = SlotSet("reference_number", None)


def tracker(reference: str | None = REF) -> Tracker:
    return Tracker("c1", {"reference_number": reference}, {}, [], False, None, {}, "x")


async def run(client: GatewayClient, reference: str | None = REF) -> list[Any]:
    dispatcher = CollectingDispatcher()
    events = await ActionTrackRequest(client).run(dispatcher, tracker(reference), {})
    assert dispatcher.messages == []  # the rules answer, from tracking_result
    return events


def api_request(**overrides: Any) -> dict[str, Any]:
    """The shape of GET /api/v1/requests/{ref} (livechat/requests/views.py api_request)."""
    body = {
        "service_request_id": REF,
        "service_code": "report_pothole",
        "service_name": {"fr": "Nid-de-poule", "en": "Pothole"},
        "status": "in_progress",
        "status_notes": "Équipe prévue mardi.",
        "expected_datetime": "2025-03-14T17:00:00-04:00",
        "history": [],
    }
    return {**body, **overrides}


async def test_in_progress_request(gateway: FakeGateway) -> None:
    gateway.reply("GET", PATH, 200, api_request())
    assert await run(GatewayClient(gateway.url)) == [
        SlotSet("request_reference", REF),
        SlotSet("request_service_fr", "Nid-de-poule"),
        SlotSet("request_service_en", "Pothole"),
        SlotSet("request_expected", "2025-03-14"),
        SlotSet("request_notes", "Équipe prévue mardi."),
        SlotSet("tracking_result", "in_progress"),
        CLEARED,
    ]


@pytest.mark.parametrize(("status", "result"), [("open", "open"), ("closed", "closed"),
                                                ("archived", "open")])  # fmt: skip
async def test_status_maps_to_tracking_result(
    gateway: FakeGateway, status: str, result: str
) -> None:
    gateway.reply("GET", PATH, 200, api_request(status=status))
    events = await run(GatewayClient(gateway.url))
    assert SlotSet("tracking_result", result) in events


async def test_missing_fields_never_read_none(gateway: FakeGateway) -> None:
    body = {"service_request_id": REF, "service_code": "report_animal", "status": "open",
            "service_name": None, "status_notes": None, "expected_datetime": None}  # fmt: skip
    gateway.reply("GET", PATH, 200, body)
    assert await run(GatewayClient(gateway.url)) == [
        SlotSet("request_reference", REF),
        SlotSet("request_service_fr", "report_animal"),
        SlotSet("request_service_en", "report_animal"),
        SlotSet("request_expected", "?"),
        SlotSet("request_notes", ""),
        SlotSet("tracking_result", "open"),
        CLEARED,
    ]


async def test_not_found(gateway: FakeGateway) -> None:
    gateway.reply("GET", PATH, 404, {"error": "not_found", "message": {"fr": "x", "en": "y"}})
    assert await run(GatewayClient(gateway.url)) == [
        SlotSet("request_reference", REF),
        SlotSet("tracking_result", "not_found"),
        CLEARED,
    ]


async def test_typo_is_invalid(gateway: FakeGateway) -> None:
    gateway.reply(
        "GET", PATH, 400, {"error": "invalid_reference", "message": {"fr": "a", "en": "b"}}
    )
    assert await run(GatewayClient(gateway.url)) == [
        SlotSet("request_reference", REF),
        SlotSet("tracking_result", "invalid"),
        CLEARED,
    ]


async def test_gateway_down_is_unavailable(closed_port_url: str) -> None:
    assert await run(GatewayClient(closed_port_url)) == [
        SlotSet("request_reference", REF),
        SlotSet("tracking_result", "unavailable"),
        CLEARED,
    ]


async def test_gateway_error_is_unavailable(gateway: FakeGateway) -> None:
    gateway.reply("GET", PATH, 500, {"error": "boom"})
    events = await run(GatewayClient(gateway.url))
    assert SlotSet("tracking_result", "unavailable") in events


async def test_no_reference_asks_for_it(closed_port_url: str) -> None:
    assert await run(GatewayClient(closed_port_url), reference=None) == [
        SlotSet("tracking_result", "missing"),
        CLEARED,
    ]


def test_name() -> None:
    assert ActionTrackRequest().name() == "action_track_request"
