"""A service request asked in the chat: which service, then the form's questions and answers.

`action_start_request` picks the service from the intent (intent name = service code) and
prepares the details; `service_request_form` asks one question at a time through the single
slot `request_answer` (whatever the citizen writes), which `validate_service_request_form`
interprets with bot.actions.request_questions; `action_ask_request_answer` says the question.
When the details are confirmed or cancelled the form ends and `action_file_request` files it.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import request_texts as texts
from bot.actions.catalogue import CatalogueCache, Service
from bot.actions.filing import channel_of, shared_in
from bot.actions.gateway_client import GatewayClient, GatewayUnavailable
from bot.actions.request_extras import is_question
from bot.actions.request_questions import (
    ADDRESS,
    CONFIRM,
    DESCRIPTION,
    EDIT,
    PHOTO,
    interpret,
    next_question,
    prefill,
    render,
)

_shared: CatalogueCache | None = None


def shared_catalogue() -> CatalogueCache:
    """The action server's catalogue cache (GATEWAY_URL read on first use)."""
    global _shared
    if _shared is None:
        _shared = CatalogueCache(GatewayClient.from_env())
    return _shared


def city_today() -> date:
    """Today in the city's time zone (CITY_TZ, default America/Toronto), for "hier"/"today"."""
    return datetime.now(ZoneInfo(os.environ.get("CITY_TZ") or "America/Toronto")).date()


def _faq_response(latest: dict[str, Any]) -> str | None:
    """The ResponseSelector's answer to an faq message ("utter_faq/library_hours")."""
    selected = ((latest.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    action = selected.get("utter_action")
    return action if isinstance(action, str) and action.startswith("utter_faq/") else None


def _looks_like_address(value: Any) -> bool:
    # DIET sometimes tags a lone "rue"; an address has a number or at least two words.
    return isinstance(value, str) and (any(c.isdigit() for c in value) or len(value.split()) >= 2)


class _WithCatalogue:
    def __init__(self, catalogue: CatalogueCache | None = None) -> None:
        self._catalogue = catalogue

    @property
    def catalogue(self) -> CatalogueCache:
        return self._catalogue or shared_catalogue()

    async def service_of(self, details: dict[str, Any]) -> Service | None:
        try:
            return await self.catalogue.service(str(details.get("service_code")))
        except GatewayUnavailable:
            return None


class ActionStartRequest(_WithCatalogue, Action):
    """Prepare a request for the service named by the latest intent: `request_flow` ready or
    unavailable (catalogue unreachable or no such service)."""

    def name(self) -> str:
        """Called right after the service's acknowledgement (utter_<service_code>)."""
        return "action_start_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """The details known from the first message and the first question."""
        latest = tracker.latest_message or {}
        code = (latest.get("intent") or {}).get("name") or ""
        service = await self.service_of({"service_code": code})
        if service is None:
            return [SlotSet("request_flow", "unavailable")]
        details: dict[str, Any] = {
            "service_code": code,
            "attributes": {},
            "answered": 0,
            "started": f"{time.time():.6f}",
            "channel": channel_of(tracker),
        }
        photos, location = shared_in(latest.get("metadata"))
        details["photos"] = photos
        if location and service.location != "none":
            details["location"] = location
        address = tracker.get_slot("address")
        if service.location != "none" and _looks_like_address(address):
            details["address"] = address
        text = str(latest.get("text") or "").strip()
        if text and not text.startswith("/"):  # not a button payload
            details["attributes"] = prefill(service, text)
            if not service.description_required:
                details["description"] = text[:4000]  # the report itself helps the department
        return [
            SlotSet("address", None),
            SlotSet("request_details", details),
            SlotSet("request_question", next_question(service, details)),
            SlotSet("request_answer", None),
            SlotSet("request_flow", "ready"),
        ]


class ValidateServiceRequestForm(_WithCatalogue, FormValidationAction):
    """Interpret each answer; the form ends when the details are confirmed or cancelled."""

    def name(self) -> str:
        """Rasa calls it for service_request_form."""
        return "validate_service_request_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        """`request_answer` again while a question is pending, nothing once done."""
        return domain_slots if tracker.get_slot("request_question") else []

    async def validate_request_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        """Store what the answer means and move to the next question, or say what was wrong."""
        details = dict(tracker.get_slot("request_details") or {})
        question = tracker.get_slot("request_question")
        service = await self.service_of(details)
        if service is None or not question:
            # The catalogue vanished mid-way: end the form, action_file_request reports it.
            details["cancelled"] = True
            return {"request_answer": None, "request_details": details, "request_question": None}
        latest = tracker.latest_message or {}
        photos, location = shared_in(latest.get("metadata"))
        if photos or location:
            # A photo or a position shared with the widget's buttons (or an MMS): recorded,
            # and the text that came with it answers nothing.
            return self._shared(service, details, photos, location)
        intent = (latest.get("intent") or {}).get("name")
        faq = _faq_response(latest) if intent == "faq" else None
        if faq and question != DESCRIPTION and is_question(str(value or "")):
            # A question in the middle of the form: answer it, then the form asks again. (A
            # description may well be a question: "Pourquoi pas des bancs au parc?")
            dispatcher.utter_message(response=faq)
            return {"request_answer": None}
        answer = interpret(question, service, str(value or ""), intent, city_today(), details)
        if answer.problem is not None:
            language = tracker.get_slot("language")
            dispatcher.utter_message(text=texts.say(answer.problem, language, **answer.values))
            return {"request_answer": None}
        attributes = {**(details.get("attributes") or {}), **answer.updates.pop("attributes", {})}
        details.update(answer.updates, attributes=attributes)
        if ADDRESS in answer.updates:  # a typed address replaces a shared position
            details.pop("location", None)
        if question not in (EDIT, CONFIRM) and "editing" not in answer.updates:
            details.pop("editing", None)  # a corrected detail goes back to the summary
        details["answered"] = int(details.get("answered") or 0) + 1
        return {
            "request_answer": None,
            "request_details": details,
            "request_question": next_question(service, details),
        }

    @staticmethod
    def _shared(
        service: Service,
        details: dict[str, Any],
        photos: list[str],
        location: dict[str, float] | None,
    ) -> dict[str, Any]:
        editing = details.get("editing")
        if photos and editing == PHOTO:  # the new photo replaces the old ones
            details.pop("editing")
            details["photos"] = photos
        else:
            details["photos"] = list(dict.fromkeys([*(details.get("photos") or []), *photos]))
        if location and service.location != "none":
            details["location"] = location
            if editing == ADDRESS:  # the position replaces the typed address
                details.pop("editing")
                details["address"] = None
        return {
            "request_answer": None,
            "request_details": details,
            "request_question": next_question(service, details),
        }


class ActionAskRequestAnswer(_WithCatalogue, Action):
    """Say the pending question, with the catalogue's choices as buttons and numbered lines."""

    def name(self) -> str:
        """The form asks for `request_answer` through this action."""
        return "action_ask_request_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """One message; no events."""
        details = tracker.get_slot("request_details") or {}
        question = tracker.get_slot("request_question")
        service = await self.service_of(details)
        language = tracker.get_slot("language")
        if service is None or not question:
            dispatcher.utter_message(text=texts.say(texts.NOT_UNDERSTOOD, language))
            return []
        text, buttons = render(question, service, details, language)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
