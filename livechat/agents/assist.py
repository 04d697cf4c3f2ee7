"""Agent assist: the bot's own answer to a citizen message, offered to the agent.

Uses Rasa's NLU only (`POST /model/parse`), which reads no tracker, so the paused
conversation is left alone. A retrieval intent (`faq/...`) carries the response selector's
answer with its language variations; the one conditioned on the conversation's language is
suggested. An emergency gets the 911 reminder.
"""

from __future__ import annotations

from typing import Any

from livechat.agents import texts
from livechat.errors import BotUnavailable
from livechat.rasa_client import RasaClient

MIN_CONFIDENCE = 0.5


def _variation(responses: Any, language: str | None) -> str | None:
    """The response text conditioned on `language`, else the unconditioned one."""
    if not isinstance(responses, list):
        return None
    fallback = None
    for response in responses:
        if not isinstance(response, dict) or not isinstance(response.get("text"), str):
            continue
        conditions = response.get("condition") or []
        languages = {
            c.get("value")
            for c in conditions
            if isinstance(c, dict) and c.get("type") == "slot" and c.get("name") == "language"
        }
        if language is not None and language in languages:
            return str(response["text"])
        if not conditions and fallback is None:
            fallback = str(response["text"])
    return fallback


def suggestion_from_parse(parsed: dict[str, Any], language: str | None) -> dict[str, Any] | None:
    """{"text", "intent", "confidence"} from a /model/parse answer, or None."""
    intent = parsed.get("intent") or {}
    name = intent.get("name")
    confidence = float(intent.get("confidence") or 0.0)
    if not isinstance(name, str) or confidence < MIN_CONFIDENCE:
        return None
    if name == "emergency":
        return {
            "text": texts.pick(texts.CITIZEN["emergency"], language),
            "intent": name,
            "confidence": confidence,
        }
    selector = parsed.get("response_selector") or {}
    retrieval = selector.get(name) or selector.get("default")
    if not isinstance(retrieval, dict):
        return None
    response = retrieval.get("response") or {}
    text = _variation(response.get("responses"), language)
    if text is None:
        return None
    return {
        "text": text,
        "intent": response.get("intent_response_key") or name,
        "confidence": float(response.get("confidence") or confidence),
    }


async def suggest(rasa: RasaClient, text: str, language: str | None) -> dict[str, Any] | None:
    """Ask Rasa's NLU about `text`; None when there is nothing to suggest or Rasa is down."""
    if not text.strip() or text.startswith("/"):
        return None
    try:
        parsed = await rasa.parse(text)
    except BotUnavailable:
        return None
    return suggestion_from_parse(parsed, language)
