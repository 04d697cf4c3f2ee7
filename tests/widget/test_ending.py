"""End of conversation: the 1-5 satisfaction question, the transcript, a new conversation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.widget.fake_gateway import FakeGateway
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
    assert gateway.state.ratings == [{"session_id": session, "rating": 4, "language": "fr"}]
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


def test_the_gateway_can_end_the_conversation(chat: ChatWidget, gateway: FakeGateway) -> None:
    converse(chat)
    gateway.emit("system_message", {
        "kind": "conversation_resolved", "text": "La conversation a été fermée par l'agent.",
        "fr": "La conversation a été fermée par l'agent.",
        "en": "The agent closed the conversation."}, chat.session_id())
    expect(chat.ending).to_be_visible()
    expect(chat.notes().last).to_have_text("La conversation a été fermée par l'agent.")
    assert chat.focused()["name"] == "La conversation est terminée."
    chat.switch_language()
    expect(chat.ending.locator("h3")).to_have_text("The conversation has ended.")
    name, text = chat.download_transcript()
    assert name.startswith("transcript-311-")
    assert "311 conversation transcript" in text
    assert "Notice: The agent closed the conversation." in text
    assert "You: Nid-de-poule" in text
