"""request_questions over the real service catalogue (livechat/catalogue/services.json)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.actions import request_texts as texts
from bot.actions.catalogue import Service, parse_service
from bot.actions.request_extras import CONTACT, LANGUAGE
from bot.actions.request_questions import (
    ADDRESS,
    CONFIRM,
    DESCRIPTION,
    PHOTO,
    interpret,
    next_question,
    normalize,
    prefill,
    render,
    summary,
)

CATALOGUE = Path(__file__).resolve().parents[3] / "livechat" / "catalogue" / "services.json"
TODAY = date(2025, 3, 14)


@pytest.fixture(scope="module")
def services() -> dict[str, Service]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {s["service_code"]: parse_service(s) for s in data["services"]}


def details(**values: Any) -> dict[str, Any]:
    return {"service_code": "x", "attributes": {}, "answered": 0, **values}


def test_pothole_questions_in_order(services: dict[str, Service]) -> None:
    pothole = services["report_pothole"]
    asked = details()
    assert next_question(pothole, asked) == ADDRESS
    asked["address"] = "455 rue Laurier"
    assert next_question(pothole, asked) == "attribute:size"  # required; position is optional
    asked["attributes"] = {"size": "large"}
    assert next_question(pothole, asked) == PHOTO  # optional steps, after the catalogue's
    asked["photo_skipped"] = True
    assert next_question(pothole, asked) == CONTACT
    asked["contact"] = {"email": "a@exemple.ca"}
    assert next_question(pothole, asked) == LANGUAGE  # of the updates, once there is a contact
    asked["contact_language"] = "en"
    assert next_question(pothole, asked) == CONFIRM
    assert next_question(pothole, {**asked, "editing": ADDRESS}) == ADDRESS
    assert next_question(pothole, {**asked, "confirmed": True}) is None
    assert next_question(pothole, {**asked, "cancelled": True}) is None


def test_lost_item_needs_no_address_but_a_description(services: dict[str, Service]) -> None:
    lost = services["report_lost_item_transit"]
    assert next_question(lost, details()) == DESCRIPTION
    assert next_question(lost, details(description="sac noir avec un portable")) == (
        "attribute:route"
    )


def test_choice_question_lists_numbered_choices_and_buttons(services: dict[str, Service]) -> None:
    text, buttons = render("attribute:size", services["report_pothole"], details(answered=1), "fr")
    assert text.splitlines() == [
        "Quelle est la taille du nid-de-poule?",
        "1. Petit (moins qu'une assiette)",
        "2. Moyen (comme un pneu)",
        "3. Grand (plus qu'un pneu)",
        texts.CHOICES_HINT["fr"],
    ]
    assert buttons[2] == {"title": "Grand (plus qu'un pneu)", "payload": "3"}


def test_first_question_says_how_to_cancel(services: dict[str, Service]) -> None:
    text, buttons = render(ADDRESS, services["report_pothole"], details(), "en")
    assert text == f"{texts.ASK_ADDRESS['en']}\n{texts.CANCEL_HINT['en']}"
    assert buttons == []


def test_unknown_language_gets_both(services: dict[str, Service]) -> None:
    text, buttons = render("attribute:size", services["report_pothole"], details(answered=1), None)
    assert "Quelle est la taille du nid-de-poule? / How big is the pothole?" in text
    assert buttons[0]["title"] == "Petit (moins qu'une assiette) / Small (smaller than a plate)"


def test_confirmation_summarises(services: dict[str, Service]) -> None:
    asked = details(address="455 rue Laurier", attributes={"size": "large"}, answered=2)
    text, buttons = render(CONFIRM, services["report_pothole"], asked, "fr")
    assert text == (
        "Je résume : Nid-de-poule — 455 rue Laurier — Grand (plus qu'un pneu). "
        "Je l'envoie à la Ville?"
    )
    assert buttons == [
        {"title": "Oui, envoyer", "payload": "/affirm"},
        {"title": "Modifier", "payload": "/deny"},
        {"title": "Annuler", "payload": "annuler"},
    ]


@pytest.mark.parametrize(
    ("answer", "key"),
    [("3", "large"), ("grand", "large"), ("GRAND", "large"), ("large", "large"),
     ("il est vraiment grand", "large"), ("Moyen (comme un pneu)", "medium"),
     ("smaller than a plate", "small")],
)  # fmt: skip
def test_choice_answers(services: dict[str, Service], answer: str, key: str) -> None:
    result = interpret("attribute:size", services["report_pothole"], answer, None, TODAY)
    assert result.problem is None
    assert result.updates == {"attributes": {"size": key}}


@pytest.mark.parametrize("answer", ["4", "0", "énorme", "pneu", "grand ou petit"])
def test_unclear_choices_are_asked_again(services: dict[str, Service], answer: str) -> None:
    result = interpret("attribute:size", services["report_pothole"], answer, None, TODAY)
    assert result.problem == texts.NOT_UNDERSTOOD and result.updates == {}


def test_words_inside_a_long_name_match(services: dict[str, Service]) -> None:
    bulky = services["report_bulky_items"]
    result = interpret("attribute:items", bulky, "un frigo, un matelas et 2 chaises", None, TODAY)
    assert result.problem == texts.NOT_UNDERSTOOD  # "2 chaises" is no item kind
    result = interpret("attribute:items", bulky, "frigo, matelas et meubles", None, TODAY)
    assert result.updates == {
        "attributes": {"items": ["refrigerant_appliance", "mattress", "furniture"]}
    }
    assert interpret("attribute:items", bulky, "1, 2", None, TODAY).updates == {
        "attributes": {"items": ["furniture", "mattress"]}
    }


@pytest.mark.parametrize(("answer", "number"), [("3", 3), ("about 12 items", 12), ("deux", 2)])
def test_numbers(services: dict[str, Service], answer: str, number: int) -> None:
    result = interpret("attribute:item_count", services["report_bulky_items"], answer, None, TODAY)
    assert result.updates == {"attributes": {"item_count": number}}


@pytest.mark.parametrize("answer", ["beaucoup", "0", "99999", "deux ou trois"])
def test_bad_numbers(services: dict[str, Service], answer: str) -> None:
    result = interpret("attribute:item_count", services["report_bulky_items"], answer, None, TODAY)
    assert result.problem is not None


@pytest.mark.parametrize(
    ("answer", "iso"),
    [("hier", "2025-03-13"), ("Aujourd'hui", "2025-03-14"), ("yesterday", "2025-03-13"),
     ("avant-hier", "2025-03-12"), ("2025-03-01", "2025-03-01"), ("01/03/2025", "2025-03-01")],
)  # fmt: skip
def test_dates(services: dict[str, Service], answer: str, iso: str) -> None:
    lost = services["report_lost_item_transit"]
    assert interpret("attribute:travel_date", lost, answer, None, TODAY).updates == {
        "attributes": {"travel_date": iso}
    }


@pytest.mark.parametrize("answer", ["demain", "2025-03-20", "2025-02-30", "la semaine passée"])
def test_bad_or_future_dates(services: dict[str, Service], answer: str) -> None:
    lost = services["report_lost_item_transit"]
    assert interpret("attribute:travel_date", lost, answer, None, TODAY).problem is not None


def test_free_text_attribute(services: dict[str, Service]) -> None:
    lost = services["report_lost_item_transit"]
    assert interpret("attribute:route", lost, " 800 ", None, TODAY).updates == {
        "attributes": {"route": "800"}
    }
    assert interpret("attribute:route", lost, "x" * 300, None, TODAY).problem is not None


def test_address_and_description(services: dict[str, Service]) -> None:
    pothole = services["report_pothole"]
    assert interpret(ADDRESS, pothole, "455  rue Laurier", None, TODAY).updates == {
        "address": "455 rue Laurier"
    }
    assert interpret(ADDRESS, pothole, "coin Cartier et Laurier", None, TODAY).problem is None
    assert interpret(ADDRESS, pothole, "ici", None, TODAY).problem == texts.TOO_SHORT
    too_long = interpret(ADDRESS, pothole, "rue " * 100, None, TODAY)
    assert too_long.problem == texts.TOO_LONG and too_long.values == {"limit": "255"}
    assert interpret(DESCRIPTION, pothole, "trop court", None, TODAY).problem == texts.TOO_SHORT


@pytest.mark.parametrize("answer", ["annuler", "Annuler.", "cancel", "laisse faire", "stop"])
def test_cancel_at_any_question(services: dict[str, Service], answer: str) -> None:
    for question in (ADDRESS, "attribute:size", CONFIRM):
        result = interpret(question, services["report_pothole"], answer, None, TODAY)
        assert result.updates == {"cancelled": True}


@pytest.mark.parametrize(
    ("answer", "intent", "updates"),
    [("oui", None, {"confirmed": True}), ("/affirm", "affirm", {"confirmed": True}),
     ("yes", None, {"confirmed": True}), ("non", None, {"editing": "edit"}),
     ("nope", "deny", {"editing": "edit"}), ("annuler", None, {"cancelled": True}),
     ("cancel", "deny", {"cancelled": True}), ("modifier", None, {"editing": "edit"}),
     ("modifier l'adresse", None, {"editing": "address"}),
     ("change the photo", "nlu_fallback", {"editing": "photo"})],
)  # fmt: skip
def test_confirmation_answers(
    services: dict[str, Service], answer: str, intent: str | None, updates: dict[str, bool]
) -> None:
    assert interpret(CONFIRM, services["report_pothole"], answer, intent, TODAY).updates == updates


def test_confirmation_needs_yes_or_no(services: dict[str, Service]) -> None:
    result = interpret(CONFIRM, services["report_pothole"], "peut-être", None, TODAY)
    assert result.problem == texts.CONFIRM_HINT


def test_summary_of_a_described_request(services: dict[str, Service]) -> None:
    complaint = services["complaint"]
    text = (
        "Le camion de la ville a brisé ma clôture en reculant dans mon entrée hier matin vers 8 h"
    )
    assert summary(complaint, details(description=text), "en") == (
        "Complaint — « Le camion de la ville a brisé ma clôture en reculant dans mon entrée "
        "hier matin… »"
    )


def test_normalize() -> None:
    assert normalize("  Allô!  C’est GRAND ") == "allo c est grand"


def test_every_text_has_both_languages() -> None:
    for name, entry in texts.ALL.items():
        assert set(entry) == {"fr", "en"}, name
        assert all(value.strip() for value in entry.values()), name


@pytest.mark.parametrize(
    ("service", "message", "expected"),
    [
        ("report_missed_collection", "My recycling wasn't picked up",
         {"collection_type": "recycling"}),
        ("report_streetlight", "le lampadaire est éteint depuis hier", {"problem": "out"}),
        ("report_animal", "un chien errant dans la ruelle",
         {"animal_type": "dog", "situation": "stray"}),
        ("report_water_leak", "fuite d'eau dans la rue", {"leak_location": "street"}),
        ("report_pothole", "gros trou dans la rue", {}),  # "gros" is no size name
        ("report_graffiti", "graffiti non offensant sur un mur", {}),  # never a yes/no guess
        ("report_missed_collection", "ni le recyclage ni les ordures menageres", {}),  # two
    ],
)  # fmt: skip
def test_prefill_from_the_first_message(
    services: dict[str, Service], service: str, message: str, expected: dict[str, str]
) -> None:
    assert prefill(services[service], message) == expected
