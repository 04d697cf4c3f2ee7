"""service_request_form's photo, location, contact and correction steps: exact events."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import request_texts as texts
from bot.actions.catalogue import CatalogueCache
from bot.actions.gateway_client import GatewayClient
from bot.actions.request_extras import is_question
from bot.actions.request_form import (
    ActionAskRequestAnswer,
    ActionStartRequest,
    ValidateServiceRequestForm,
)
from tests.bot.actions.conftest import FakeGateway
from tests.bot.actions.test_request_form import DOMAIN, pothole, tracker, validate

SIZED = {"size": "large"}


@pytest.fixture
async def catalogue(gateway: FakeGateway, catalogue_body: dict[str, Any]) -> CatalogueCache:
    gateway.reply("GET", "/api/v1/services", 200, catalogue_body)
    return CatalogueCache(GatewayClient(gateway.url))


async def test_start_with_a_shared_location_and_photo_on_sms(catalogue: CatalogueCache) -> None:
    metadata = {"channel": "sms", "location": {"lat": 46.49, "long": -80.99},
                "photo_urls": ["https://api.twilio.com/Media/ME1"]}  # fmt: skip
    events = await ActionStartRequest(catalogue).run(
        CollectingDispatcher(), tracker({}, "/report_pothole", "report_pothole", metadata), {}
    )
    [details] = [e["value"] for e in events if e["name"] == "request_details"]
    assert details["channel"] == "sms"
    assert details["photos"] == ["https://api.twilio.com/Media/ME1"]
    assert details["location"] == {"lat": 46.49, "long": -80.99}
    # The position answers the address: the size comes next.
    assert SlotSet("request_question", "attribute:size") in events


async def test_a_photo_during_the_form_is_recorded_and_answers_nothing(
    catalogue: CatalogueCache,
) -> None:
    slots = {"request_details": pothole(photos=[]), "request_question": "address"}
    metadata = {"channel": "web", "photo_url": "/uploads/a1b2.jpg"}
    events, messages = await validate(catalogue, slots, "📷 Photo jointe : /uploads/a1b2.jpg",
                                      metadata=metadata)  # fmt: skip
    assert messages == []
    assert events == [
        SlotSet("request_answer", None),
        SlotSet("request_details", pothole(photos=["/uploads/a1b2.jpg"])),
        SlotSet("request_question", "address"),  # still to answer
    ]


async def test_a_shared_location_answers_the_address(catalogue: CatalogueCache) -> None:
    slots = {"request_details": pothole(), "request_question": "address"}
    metadata = {"location": {"lat": 46.49, "long": -80.99}}
    events, _ = await validate(catalogue, slots, "📍 Ma position : 46.49, -80.99",
                               metadata=metadata)  # fmt: skip
    assert events == [
        SlotSet("request_answer", None),
        SlotSet("request_details", pothole(photos=[], location={"lat": 46.49, "long": -80.99})),
        SlotSet("request_question", "attribute:size"),
    ]


async def test_photo_skipped_then_contact_then_language(catalogue: CatalogueCache) -> None:
    details = pothole(address="455 rue Laurier", attributes=SIZED, answered=2)
    slots = {"request_details": details, "request_question": "photo"}
    events, _ = await validate(catalogue, slots, "/deny", intent="deny")
    details = {**details, "photos": [], "photo_skipped": True, "answered": 3}
    assert events[1:] == [
        SlotSet("request_details", details),
        SlotSet("request_question", "contact"),
    ]

    slots = {"request_details": details, "request_question": "contact", "language": "fr"}
    events, messages = await validate(catalogue, slots, "613 555")
    assert events == [SlotSet("request_answer", None)]  # asked again, with the reason
    assert [m["text"] for m in messages] == [texts.BAD_CONTACT["fr"]]

    events, _ = await validate(catalogue, slots, "marie@exemple.ca")
    details = {**details, "contact": {"email": "marie@exemple.ca"}, "answered": 4}
    assert events[1:] == [SlotSet("request_details", details),
                          SlotSet("request_question", "language")]  # fmt: skip

    slots = {"request_details": details, "request_question": "language"}
    events, _ = await validate(catalogue, slots, "2")
    details = {**details, "contact_language": "en", "answered": 5}
    assert events[1:] == [
        SlotSet("request_details", details),
        SlotSet("request_question", "confirm"),
    ]


async def test_correct_the_address_from_the_summary(catalogue: CatalogueCache) -> None:
    done = pothole(address="455 rue Laurier", attributes=SIZED, answered=4, photo_skipped=True,
                   contact={})  # fmt: skip
    slots = {"request_details": done, "request_question": "confirm", "language": "en"}
    events, _ = await validate(catalogue, slots, "change the address")
    editing = {**done, "editing": "address", "answered": 5}
    assert events[1:] == [
        SlotSet("request_details", editing),
        SlotSet("request_question", "address"),
    ]

    slots = {"request_details": editing, "request_question": "address", "language": "en"}
    events, _ = await validate(catalogue, slots, "12 Elm Street")
    fixed = {**done, "address": "12 Elm Street", "answered": 6}  # back to the summary
    assert events[1:] == [SlotSet("request_details", fixed), SlotSet("request_question", "confirm")]


async def test_no_at_the_summary_offers_the_edit_menu(catalogue: CatalogueCache) -> None:
    done = pothole(address="455 rue Laurier", attributes=SIZED, answered=4, photo_skipped=True,
                   contact={})  # fmt: skip
    slots = {"request_details": done, "request_question": "confirm", "language": "fr"}
    events, _ = await validate(catalogue, slots, "/deny", intent="deny")
    menu = {**done, "editing": "edit", "answered": 5}
    assert events[1:] == [SlotSet("request_details", menu), SlotSet("request_question", "edit")]

    dispatcher = CollectingDispatcher()
    ask = ActionAskRequestAnswer(catalogue)
    assert await ask.run(dispatcher, tracker({**slots, "request_details": menu,
                                              "request_question": "edit"}), {}) == []  # fmt: skip
    [message] = dispatcher.messages
    assert message["text"] == texts.ASK_EDIT["fr"]
    assert [b["title"] for b in message["buttons"]] == [
        "Adresse", "Quelle est la taille du nid-de-poule?", "Photo", "Coordonnées (mises à jour)",
        "Rien, revenir au résumé", "Annuler",
    ]  # fmt: skip

    slots = {"request_details": menu, "request_question": "edit", "language": "fr"}
    events, _ = await validate(catalogue, slots, "2")  # the size
    size = {**menu, "editing": "attribute:size", "answered": 6}
    assert events[1:] == [SlotSet("request_details", size),
                          SlotSet("request_question", "attribute:size")]  # fmt: skip

    slots = {"request_details": menu, "request_question": "edit", "language": "fr"}
    events, _ = await validate(catalogue, slots, "6")  # cancel
    assert events[-1] == SlotSet("requested_slot", None)
    [details] = [e["value"] for e in events if e["name"] == "request_details"]
    assert details["cancelled"] is True


async def test_photo_replaced_while_editing_it(catalogue: CatalogueCache) -> None:
    editing = pothole(address="455 rue Laurier", attributes=SIZED, photos=["/uploads/old.jpg"],
                      contact={}, editing="photo")  # fmt: skip
    slots = {"request_details": editing, "request_question": "photo"}
    events, _ = await validate(catalogue, slots, "/deny", intent="deny")  # no photo after all
    [details] = [e["value"] for e in events if e["name"] == "request_details"]
    assert details["photos"] == [] and "editing" not in details
    assert events[-1] == SlotSet("request_question", "confirm")


async def test_new_photo_while_editing_replaces_the_old_one(catalogue: CatalogueCache) -> None:
    editing = pothole(address="455 rue Laurier", attributes=SIZED, photos=["/uploads/old.jpg"],
                      contact={}, editing="photo")  # fmt: skip
    slots = {"request_details": editing, "request_question": "photo"}
    metadata = {"photo_url": "/uploads/new.jpg"}
    events, _ = await validate(catalogue, slots, "📷", metadata=metadata)
    [details] = [e["value"] for e in events if e["name"] == "request_details"]
    assert details["photos"] == ["/uploads/new.jpg"] and "editing" not in details
    assert events[-1] == SlotSet("request_question", "confirm")


async def test_shared_position_while_editing_the_address(catalogue: CatalogueCache) -> None:
    editing = pothole(address="455 rue Laurier", attributes=SIZED, photo_skipped=True,
                      contact={}, editing="address")  # fmt: skip
    slots = {"request_details": editing, "request_question": "address"}
    metadata = {"location": {"lat": 46.5, "long": -81.0}}
    events, _ = await validate(catalogue, slots, "📍", metadata=metadata)
    [details] = [e["value"] for e in events if e["name"] == "request_details"]
    assert details["address"] is None and details["location"] == {"lat": 46.5, "long": -81.0}
    assert events[-1] == SlotSet("request_question", "confirm")


def faq_message(text: str, topic: str) -> dict[str, Any]:
    """An faq message as Rasa parses it: the ResponseSelector's pick in `response_selector`."""
    selected = {"utter_action": f"utter_faq/{topic}", "intent_response_key": f"faq/{topic}"}
    return {"text": text, "intent": {"name": "faq", "confidence": 0.99},
            "response_selector": {"faq": {"response": selected}}}  # fmt: skip


async def test_a_question_in_the_middle_is_answered_then_asked_again(
    catalogue: CatalogueCache,
) -> None:
    text = "c'est quoi les heures de la bibliothèque?"
    slots = {"requested_slot": "request_answer", "request_details": pothole(),
             "request_question": "address", "request_answer": text}  # fmt: skip
    asked = tracker(slots, text, "faq")
    asked.latest_message = faq_message(text, "library_hours")
    dispatcher = CollectingDispatcher()
    events = await ValidateServiceRequestForm(catalogue).run(dispatcher, asked, DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_faq/library_hours"
    assert len(dispatcher.messages) == 1
    # Nothing recorded: the form asks the address again.
    assert events == [SlotSet("request_answer", None)]


@pytest.mark.parametrize("text", ["455 rue Laurier", "cancel", "📷 Photo jointe"])
async def test_answers_the_nlu_took_for_faq_are_still_answers(
    catalogue: CatalogueCache, text: str
) -> None:
    slots = {"requested_slot": "request_answer", "request_details": pothole(),
             "request_question": "address", "request_answer": text}  # fmt: skip
    asked = tracker(slots, text, "faq")
    asked.latest_message = faq_message(text, "contact_hours")
    dispatcher = CollectingDispatcher()
    events = await ValidateServiceRequestForm(catalogue).run(dispatcher, asked, DOMAIN)
    assert all("response" not in m or m["response"] is None for m in dispatcher.messages)
    assert events[0] == SlotSet("request_answer", None) and len(events) >= 2


@pytest.mark.parametrize(
    ("text", "question"),
    [("quand passe le camion de recyclage", True), ("When is garbage day", True),
     ("Est-ce que la bibliothèque est ouverte?", True), ("455 rue Laurier", False),
     ("cancel", False), ("il y a un trou", False), ("how much is a dog licence", True)],
)  # fmt: skip
def test_is_question(text: str, question: bool) -> None:
    assert is_question(text) is question


async def test_a_description_may_be_a_question(catalogue: CatalogueCache) -> None:
    text = "Pourquoi ne pas ajouter des bancs au parc?"
    details = {"service_code": "suggestion", "attributes": {}, "answered": 0}
    slots = {"requested_slot": "request_answer", "request_details": details,
             "request_question": "description", "request_answer": text}  # fmt: skip
    asked = tracker(slots, text, "faq")
    asked.latest_message = faq_message(text, "contact_hours")
    events = await ValidateServiceRequestForm(catalogue).run(CollectingDispatcher(), asked, DOMAIN)
    [recorded] = [e["value"] for e in events if e["name"] == "request_details"]
    assert recorded["description"] == text
