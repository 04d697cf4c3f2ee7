"""End of conversation: the 1-5 satisfaction question, the transcript, a new conversation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.widget.fake_gateway import FakeGateway, conversation_id
from tests.widget.pages import ChatWidget

pytestmark = pytest.mark.browser


def converse(chat: ChatWidget) -> None:
    chat.open()
    chat.send("boutons")
    chat.wait_for_bot("Que voulez-vous signaler?")
    chat.quick_reply("Nid-de-poule").click()
    chat.wait_for_bot("À quelle adresse?")


def test_rating_with_the_keyboard_and_transcript(chat: ChatWidget, gateway: FakeGateway) -> None:
    converse(chat)
    session = chat.session_id()
    chat.end_conversation()
    assert chat.focused()["name"] == "La conversation est terminée."
    expect(chat.input).to_be_hidden()
    expect(chat.host.locator("button.end")).to_be_hidden()
    group = chat.ending.get_by_role("group", name=re.compile("Êtes-vous satisfait"))
    radios = group.get_by_role("radio")
    expect(radios).to_have_count(5)
    expect(radios.nth(0)).to_have_accessible_name("1 — Pas du tout satisfait")
    expect(radios.nth(4)).to_have_accessible_name("5 — Très satisfait")

    # Sending without a choice asks for one.
    chat.ending.locator('form button[type="submit"]').click()
    expect(chat.ending.locator(".rating [role=status]")).to_have_text(
        "Veuillez choisir une note de 1 à 5.")
    # Keyboard only: Shift+Tab back into the group, arrows to 4, Tab to the button, Enter.
    chat.ending.locator("h3").focus()
    chat.page.keyboard.press("Tab")
    assert chat.focused()["tag"] == "input"
    for _ in range(3):
        chat.page.keyboard.press("ArrowDown")
    expect(radios.nth(3)).to_be_checked()
    chat.page.keyboard.press("Tab")
    chat.page.keyboard.press("Enter")
    expect(chat.ending.locator(".rating [role=status]")).to_have_text(
        "Merci pour votre évaluation!")
    assert gateway.state.ratings == [{"via": "http", "rating": 4, "channel": "web",
                                      "conversation_id": conversation_id(session),
                                      "language": "fr"}]
    assert gateway.state.ended == [session]

    name, text = chat.download_transcript()
    assert name == f"transcription-311-{date.today().isoformat()}.txt"
    lines = text.splitlines()
    assert lines[0] == "Transcription de la conversation 311"
    body = "\n".join(lines[3:])
    assert re.fullmatch(
        r"\[\d\d h \d\d\] Vous : boutons\n"
        r"\[\d\d h \d\d\] Assistant 311 : Que voulez-vous signaler\?\n"
        r"    \[Nid-de-poule \| Lampadaire\]\n"
        r"\[\d\d h \d\d\] Vous : Nid-de-poule\n"
        r"\[\d\d h \d\d\] Assistant 311 : D'accord, un nid-de-poule\. À quelle adresse\?",
        body,
    ), body


def test_a_new_conversation_starts_a_new_session(chat: ChatWidget, gateway: FakeGateway) -> None:
    converse(chat)
    first = chat.session_id()
    chat.end_conversation()
    chat.page.reload()  # the end survives a reload
    chat.open()
    expect(chat.ending).to_be_visible()
    chat.ending.locator("button.restart").click()
    expect(chat.input).to_be_visible()
    assert chat.focused()["tag"] == "textarea"
    expect(chat.citizen_messages()).to_have_count(0)
    chat.send("Autre chose")
    chat.wait_for_bot("Vous avez écrit : Autre chose")
    second = chat.session_id()
    assert second != first
    assert gateway.state.citizen_texts(second) == ["Autre chose"]


def test_without_survey_details_the_rating_goes_over_the_socket(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    gateway.state.end_ack_survey = False
    converse(chat)
    chat.end_conversation()
    chat.rate(5)
    expect(chat.ending.locator(".rating [role=status]")).to_have_text(
        "Merci pour votre évaluation!")
    assert gateway.state.ratings == [{"via": "socket", "session_id": chat.session_id(),
                                      "rating": 5, "language": "fr"}]


def test_the_gateway_can_end_the_conversation(chat: ChatWidget, gateway: FakeGateway) -> None:
    """An agent resolves it: `resolved` then `survey` (each doubled as a system bot_uttered)."""
    converse(chat)
    session = chat.session_id()
    resolved = {"kind": "resolved", "text": "La conversation a été fermée par l'agent.",
                "fr": "La conversation a été fermée par l'agent.",
                "en": "The agent closed the conversation."}
    survey = {"kind": "survey", "conversation_id": "ab" * 16, "survey_url": "/api/v1/surveys",
              "text": "Êtes-vous satisfait? Répondez de 1 à 5.",
              "fr": "Êtes-vous satisfait? Répondez de 1 à 5.",
              "en": "Were you satisfied? Answer from 1 to 5.",
              "quick_replies": [{"title": str(n), "payload": str(n)} for n in range(1, 6)]}
    for notice in (resolved, survey):
        gateway.emit("system_message", notice, session)
        gateway.emit("bot_uttered", {"text": notice["text"], "sender": "system",
                                     "kind": notice["kind"]}, session)
    expect(chat.ending).to_be_visible()
    expect(chat.notes()).to_have_text([resolved["fr"], survey["fr"]])
    expect(chat.log.locator(".replies")).to_have_count(0)  # the panel replaces the 1-5 buttons
    assert chat.focused()["name"] == "La conversation est terminée."
    chat.switch_language()
    expect(chat.ending.locator("h3")).to_have_text("The conversation has ended.")
    expect(chat.notes().first).to_have_text("The agent closed the conversation.")
    chat.rate(2)
    expect(chat.ending.locator(".rating [role=status]")).to_have_text("Thank you for your rating!")
    assert gateway.state.ratings == [{"via": "http", "rating": 2, "channel": "web",
                                      "conversation_id": "ab" * 16, "language": "en"}]
    name, text = chat.download_transcript()
    assert name.startswith("transcript-311-")
    assert "311 conversation transcript" in text
    assert "Notice: The agent closed the conversation." in text
    assert "You: Nid-de-poule" in text
