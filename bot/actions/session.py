"""Session start: keep the citizen's language, or take the gateway's hint when none is known."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

LANGUAGE_SLOT = "language"
SESSION_METADATA_SLOT = "session_started_metadata"
LANGUAGES = ("fr", "en")


def language_hint(metadata: Any) -> str | None:
    """The gateway's metadata "language" hint as "fr"/"en" ("fr-CA" -> "fr"), else None."""
    if not isinstance(metadata, dict):
        return None
    hint = metadata.get("language")
    if not isinstance(hint, str):
        return None
    code = hint.strip().lower()[:2]
    return code if code in LANGUAGES else None


class ActionSessionStart(Action):
    """Start a session carrying over only the language (not half-given request details).

    The language is the one of the previous session when there was one; otherwise the
    gateway's hint from the first message's metadata. A clear message in the other
    language still switches it afterwards (LanguageDetector entity -> slot).
    """

    def name(self) -> str:
        """Overrides Rasa's default session start."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """SessionStarted, the metadata and language slots, then listen."""
        metadata = tracker.get_slot(SESSION_METADATA_SLOT)
        language = tracker.get_slot(LANGUAGE_SLOT)
        if language not in LANGUAGES:
            language = language_hint(metadata)
        events: list[EventType] = [SessionStarted()]
        if isinstance(metadata, dict) and metadata:
            # Rasa sets it before this action; SessionStarted would otherwise drop it.
            events.append(SlotSet(SESSION_METADATA_SLOT, metadata))
        if language is not None:
            events.append(SlotSet(LANGUAGE_SLOT, language))
        events.append(ActionExecuted("action_listen"))
        return events
