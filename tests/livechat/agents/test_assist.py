"""Agent assist: the bot's answer (response selector, citizen's language) suggested to the
agent for each citizen message, without touching the paused tracker."""

from __future__ import annotations

from typing import Any

from livechat.agents.assist import suggestion_from_parse
from tests.livechat.agents.conftest import FAQ_ANSWERS, LiveGateway

RESPONSES = [
    {"condition": [{"type": "slot", "name": "language", "value": "fr"}], "text": "Bonjour"},
    {"condition": [{"type": "slot", "name": "language", "value": "en"}], "text": "Hello"},
    {"text": "Bonjour / Hello"},
]


def parse(intent: str, confidence: float, **extra: Any) -> dict[str, Any]:
    return {"text": "x", "intent": {"name": intent, "confidence": confidence}, **extra}


def selector(responses: list[dict[str, Any]]) -> dict[str, Any]:
    response = {
        "responses": responses,
        "confidence": 0.8,
        "intent_response_key": "faq/contact_hours",
        "utter_action": "utter_faq/contact_hours",
    }
    return {"all_retrieval_intents": ["faq"], "faq": {"response": response, "ranking": []}}


def test_retrieval_answer_in_the_conversation_language() -> None:
    parsed = parse("faq", 0.9, response_selector=selector(RESPONSES))
    assert suggestion_from_parse(parsed, "en") == {
        "text": "Hello",
        "intent": "faq/contact_hours",
        "confidence": 0.8,
    }
    assert suggestion_from_parse(parsed, "fr")["text"] == "Bonjour"  # type: ignore[index]
    assert suggestion_from_parse(parsed, None)["text"] == "Bonjour / Hello"  # type: ignore[index]


def test_nothing_to_suggest() -> None:
    assert suggestion_from_parse(parse("greet", 0.99), "fr") is None
    assert (
        suggestion_from_parse(parse("faq", 0.2, response_selector=selector(RESPONSES)), "fr")
        is None
    )
    assert suggestion_from_parse(parse("faq", 0.9), "fr") is None  # no selector output
    assert suggestion_from_parse(parse("faq", 0.9, response_selector=selector([])), "fr") is None
    assert suggestion_from_parse({}, "fr") is None


def test_emergency_gets_the_911_reminder() -> None:
    suggestion = suggestion_from_parse(parse("emergency", 0.95), "en")
    assert suggestion is not None and "911" in suggestion["text"]
    assert suggestion["text"].startswith("If this is an emergency")


async def test_live_suggestion_reaches_the_assigned_agent_only(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    await live.add_agent("paul@ville.ca", "Paul")
    marie = await live.agent("marie@ville.ca")
    paul = await live.agent("paul@ville.ca")
    await paul.call("presence", {"status": "away"})
    citizen, conversation_id = await live.citizen("Hello, I need help")
    await live.handoff(conversation_id, "request_human", "en")
    await marie.next("assigned", by="auto")
    tracker_events = list(live.rasa.events[conversation_id])
    ack = await citizen.utter("When is the library open?")
    suggestion = await marie.next("assist_suggestion")
    assert suggestion == {
        "conversation_id": conversation_id,
        "message_id": ack["message_id"],
        "text": FAQ_ANSWERS["en"],
        "intent": "faq/library_hours",
        "confidence": 0.89,
        "language": "en",
    }
    assert live.rasa.parsed[-1] == "When is the library open?"
    assert live.rasa.events[conversation_id] == tracker_events  # parse touched no tracker
    # One click sends it: a plain reply with the suggested text.
    sent = await marie.call(
        "reply", {"conversation_id": conversation_id, "text": suggestion["text"]}
    )
    assert sent["ok"]
    await citizen.utter("Thanks")
    await marie.next("message", message__text="Thanks")
    assert marie.drain("assist_suggestion") == []  # "greet"-like: nothing to suggest
    assert [e for e, _ in paul.seen if e == "assist_suggestion"] == []
