"""The optional steps (photo, contact, language), corrections and channel-aware questions, over
the real service catalogue (livechat/catalogue/services.json)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.actions import request_texts as texts
from bot.actions.catalogue import Service, parse_service
from bot.actions.request_extras import (
    ADDRESS,
    BACK,
    CANCEL,
    CONTACT,
    EDIT,
    LANGUAGE,
    PHOTO,
    edit_choices,
    edit_target,
    next_optional,
    parse_contact,
)
from bot.actions.request_questions import CONFIRM, interpret, next_question, render, summary

CATALOGUE = Path(__file__).resolve().parents[3] / "livechat" / "catalogue" / "services.json"
TODAY = date(2025, 3, 14)


@pytest.fixture(scope="module")
def pothole() -> Service:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return next(parse_service(s) for s in data["services"] if s["service_code"] == "report_pothole")


def answered(**values: Any) -> dict[str, Any]:
    """A pothole report whose catalogue questions are all answered."""
    base = {"service_code": "report_pothole", "attributes": {"size": "large"}, "answered": 2}
    return {**base, "address": "455 rue Laurier", **values}


@pytest.mark.parametrize(
    ("text", "contact"),
    [("613 555-0142", {"phone": "+16135550142"}), ("(613) 555-0142", {"phone": "+16135550142"}),
     ("+1 613 555 0142", {"phone": "+16135550142"}), ("6135550142.", {"phone": "+16135550142"}),
     ("Marie.Roy@Exemple.ca", {"email": "marie.roy@exemple.ca"}),
     (" bob+311@mail.example.org ", {"email": "bob+311@mail.example.org"})],
)  # fmt: skip
def test_contacts(text: str, contact: dict[str, str]) -> None:
    assert parse_contact(text) == contact


@pytest.mark.parametrize(
    "text", ["123", "555-0142", "013 555 0142", "613 055 0142", "bob@", "bob@mail", "a b@c.ca",
             "oui", "12345678901234", "2 613 555 0142"],
)  # fmt: skip
def test_bad_contacts(text: str) -> None:
    assert parse_contact(text) is None


def test_optional_steps_in_order() -> None:
    assert next_optional({}) == PHOTO
    assert next_optional({"photos": ["/uploads/a.jpg"]}) == CONTACT  # a photo came already
    assert next_optional({"photo_skipped": True}) == CONTACT
    assert next_optional({"photo_skipped": True, "contact": {}}) is None  # declined
    with_email = {"photo_skipped": True, "contact": {"email": "a@b.ca"}}
    assert next_optional(with_email) == LANGUAGE
    assert next_optional({**with_email, "contact_language": "fr"}) is None


def test_sms_is_not_asked_for_a_contact() -> None:
    # On SMS the gateway asks the citizen to reply "Oui" for text updates itself.
    assert next_optional({"photo_skipped": True, "channel": "sms"}) is None


def test_a_shared_location_answers_the_address(pothole: Service) -> None:
    shared = {"service_code": "report_pothole", "attributes": {}, "location": {"lat": 1, "long": 2}}
    assert next_question(pothole, shared) == "attribute:size"


@pytest.mark.parametrize(
    ("plain", "target"),
    [("modifier l adresse", ADDRESS), ("change the address", ADDRESS), ("modifier", EDIT),
     ("change", EDIT), ("corriger la photo", PHOTO), ("changer mon courriel", CONTACT),
     ("change my phone number", CONTACT), ("modifier la langue", LANGUAGE),
     ("je veux modifier l adresse", ADDRESS), ("i want to change the photo", PHOTO),
     ("455 rue laurier", None), ("le lampadaire change de couleur", None)],
)  # fmt: skip
def test_edit_targets(plain: str, target: str | None) -> None:
    assert edit_target(plain) == target


def test_a_detail_can_be_corrected_from_any_question(pothole: Service) -> None:
    for question in (PHOTO, CONTACT, LANGUAGE, "attribute:size", CONFIRM, EDIT):
        answer = interpret(question, pothole, "modifier l'adresse", None, TODAY, answered())
        assert answer.updates == {"editing": ADDRESS}, question


def test_the_description_is_never_taken_for_a_correction(pothole: Service) -> None:
    answer = interpret("description", pothole, "changer l'ampoule du lampadaire", None, TODAY)
    assert answer.updates == {"description": "changer l'ampoule du lampadaire"}


def test_edit_menu(pothole: Service) -> None:
    details = answered(contact={"email": "a@b.ca"}, contact_language="fr")
    keys = [key for key, _ in edit_choices(pothole, details)]
    assert keys == [ADDRESS, "attribute:size", PHOTO, CONTACT, LANGUAGE, BACK, CANCEL]
    text, buttons = render(EDIT, pothole, details, "en")
    assert text == texts.ASK_EDIT["en"]
    assert buttons[0] == {"title": "Address", "payload": "1"}
    assert buttons[1] == {"title": "How big is the pothole?", "payload": "2"}
    assert buttons[-1] == {"title": "Cancel", "payload": "7"}
    sms = [key for key, _ in edit_choices(pothole, answered(channel="sms"))]
    assert CONTACT not in sms and LANGUAGE not in sms


@pytest.mark.parametrize(
    ("answer", "updates"),
    [("1", {"editing": ADDRESS}), ("2", {"editing": "attribute:size"}), ("3", {"editing": PHOTO}),
     ("photo", {"editing": PHOTO}), ("l'adresse", {"editing": ADDRESS}),
     ("courriel", {"editing": CONTACT}), ("5", {"editing": None}), ("rien", {"editing": None}),
     ("6", {"cancelled": True, "editing": None}), ("annuler", {"cancelled": True})],
)  # fmt: skip
def test_edit_menu_answers(pothole: Service, answer: str, updates: dict[str, Any]) -> None:
    # Choices: address, size, photo, contact, nothing, cancel (no language without a contact).
    assert interpret(EDIT, pothole, answer, None, TODAY, answered()).updates == updates


def test_edit_menu_unclear(pothole: Service) -> None:
    for answer in ("9", "bof"):
        result = interpret(EDIT, pothole, answer, None, TODAY, answered())
        assert result.problem == texts.NOT_UNDERSTOOD


@pytest.mark.parametrize(
    ("question", "answer", "intent", "updates"),
    [(PHOTO, "/deny", "deny", {"photos": [], "photo_skipped": True}),
     (PHOTO, "pas de photo", None, {"photos": [], "photo_skipped": True}),
     (CONTACT, "non merci", None, {"contact": {}, "contact_language": None}),
     (CONTACT, "nope", "deny", {"contact": {}, "contact_language": None}),
     (CONTACT, "613-555-0142", None, {"contact": {"phone": "+16135550142"}}),
     (LANGUAGE, "1", None, {"contact_language": "fr"}),
     (LANGUAGE, "English", None, {"contact_language": "en"}),
     (LANGUAGE, "en français", None, {"contact_language": "fr"})],
)  # fmt: skip
def test_optional_answers(
    pothole: Service, question: str, answer: str, intent: str | None, updates: dict[str, Any]
) -> None:
    assert interpret(question, pothole, answer, intent, TODAY, answered()).updates == updates


@pytest.mark.parametrize(
    ("question", "answer", "problem"),
    [(PHOTO, "euh", texts.NOT_UNDERSTOOD), (CONTACT, "613", texts.BAD_CONTACT),
     (CONTACT, "moi@", texts.BAD_CONTACT), (LANGUAGE, "espagnol", texts.NOT_UNDERSTOOD)],
)  # fmt: skip
def test_optional_answers_not_understood(
    pothole: Service, question: str, answer: str, problem: texts.Texts
) -> None:
    result = interpret(question, pothole, answer, None, TODAY, answered())
    assert result.updates == {} and result.problem == problem


@pytest.mark.parametrize("answer", ["name@example", "613-55"])
def test_a_mistyped_contact_is_reprompted_even_if_read_as_deny(
    pothole: Service, answer: str
) -> None:
    result = interpret(CONTACT, pothole, answer, "deny", TODAY, answered())
    assert result.updates == {} and result.problem == texts.BAD_CONTACT


def test_optional_questions_have_skip_buttons(pothole: Service) -> None:
    assert render(PHOTO, pothole, answered(), "fr") == (
        texts.ASK_PHOTO["fr"], [{"title": "Pas de photo", "payload": "/deny"}],
    )  # fmt: skip
    assert render(CONTACT, pothole, answered(), "en") == (
        texts.ASK_CONTACT["en"], [{"title": "No thanks", "payload": "/deny"}],
    )  # fmt: skip
    text, buttons = render(LANGUAGE, pothole, answered(), None)
    assert text == f"{texts.ASK_LANGUAGE['fr']}\n{texts.ASK_LANGUAGE['en']}"
    assert buttons == [{"title": "Français", "payload": "1"}, {"title": "English", "payload": "2"}]


def test_choices_on_sms_are_numbered_by_the_gateway(pothole: Service) -> None:
    """Web: numbered lines and buttons. SMS: the question alone; the gateway appends the
    buttons as "1. ... 2. ... Répondez 1, 2 ou 3." and turns a reply "2" into its payload."""
    web, web_buttons = render("attribute:size", pothole, answered(answered=3), "fr")
    sms, sms_buttons = render("attribute:size", pothole, answered(answered=3, channel="sms"), "fr")
    assert "2. Moyen (comme un pneu)" in web.splitlines()
    assert sms == "Quelle est la taille du nid-de-poule?"
    assert sms_buttons == web_buttons and sms_buttons[1]["payload"] == "2"
    # the reply "2" selects the second choice
    assert interpret("attribute:size", pothole, "2", None, TODAY).updates == {
        "attributes": {"size": "medium"}
    }


def test_summary_with_the_optional_details(pothole: Service) -> None:
    photos = ["/uploads/a.jpg", "/uploads/b.jpg"]
    details = answered(photos=photos, contact={"phone": "+16135550142"}, contact_language="en")
    assert summary(pothole, details, "fr") == (
        "Nid-de-poule — 455 rue Laurier — Grand (plus qu'un pneu) — 2 photo(s) — "
        "mises à jour : +16135550142 (English)"
    )
    shared = {**answered(), "address": None, "location": {"lat": 46.49, "long": -80.99}}
    assert summary(pothole, shared, "en") == (
        "Pothole — Large (bigger than a tyre) — shared location (46.49, -80.99)"
    )


def test_sms_never_suggests_an_opt_out_keyword(pothole: Service) -> None:
    """ "cancel" and "stop" are SMS opt-out keywords (the gateway stops every text)."""
    text, _ = render(ADDRESS, pothole, {"channel": "sms", "answered": 0}, "en")
    assert text.endswith(texts.CANCEL_HINT_SMS["en"]) and '"cancel"' not in text
    _, buttons = render(CONFIRM, pothole, answered(channel="sms"), "en")
    assert buttons[-1] == {"title": "Cancel", "payload": "never mind"}
    assert interpret(CONFIRM, pothole, "never mind", None, TODAY).updates == {"cancelled": True}
