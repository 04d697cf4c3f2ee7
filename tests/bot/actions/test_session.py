"""action_session_start: exact events for carried-over language, gateway hint, and nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.session import ActionSessionStart, language_hint


def tracker(slots: dict[str, Any]) -> Tracker:
    return Tracker("conv-1", slots, {}, [], False, None, {}, "action_listen")


async def run(slots: dict[str, Any]) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(dispatcher, tracker(slots), {})
    assert dispatcher.messages == []
    return events


async def test_previous_language_is_carried_over_and_beats_the_hint() -> None:
    metadata = {"channel": "sms", "language": "en", "conversation_id": "c1"}
    events = await run({"language": "fr", "session_started_metadata": metadata})
    assert events == [
        SessionStarted(),
        SlotSet("session_started_metadata", metadata),
        SlotSet("language", "fr"),
        ActionExecuted("action_listen"),
    ]


async def test_gateway_hint_is_used_when_no_language_is_known() -> None:
    metadata = {"channel": "web", "language": "en"}
    events = await run({"language": None, "session_started_metadata": metadata})
    assert events == [
        SessionStarted(),
        SlotSet("session_started_metadata", metadata),
        SlotSet("language", "en"),
        ActionExecuted("action_listen"),
    ]


async def test_no_language_and_no_metadata_sets_nothing() -> None:
    events = await run({"language": None, "session_started_metadata": None})
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


async def test_other_slots_are_not_carried_over() -> None:
    events = await run(
        {"language": "en", "address": "12 Main St", "session_started_metadata": None}
    )
    assert events == [SessionStarted(), SlotSet("language", "en"), ActionExecuted("action_listen")]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"language": "fr"}, "fr"),
        ({"language": "fr-CA"}, "fr"),
        ({"language": " EN "}, "en"),
        ({"language": "es"}, None),
        ({"language": None}, None),
        ({"language": 1}, None),
        ({}, None),
        (None, None),
        ("fr", None),
    ],
)
def test_language_hint(metadata: Any, expected: str | None) -> None:
    assert language_hint(metadata) == expected
