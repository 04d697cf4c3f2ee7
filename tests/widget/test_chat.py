"""The conversation: keyboard use, sending and receiving, buttons, escaping, resume, language."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.widget.fake_gateway import FakeGateway
from tests.widget.pages import ChatWidget

pytestmark = pytest.mark.browser


def test_open_and_close_with_the_keyboard_only(chat: ChatWidget) -> None:
    chat.tab_to_launcher()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    chat.page.keyboard.press("Enter")
    expect(chat.dialog).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.dialog).to_have_attribute("aria-modal", "true")
    expect(chat.dialog).to_have_accessible_name("Services 311")
    assert chat.focused()["tag"] == "textarea"

    # Tab and Shift+Tab go round the dialog's controls and never leave it.
    seen = set()
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        chat.page.keyboard.press(key)
        focused = chat.focused()
        assert focused["inDialog"], (key, focused)
        seen.add(focused["name"])
    assert {"Fermer le clavardage", "English", "Terminer la conversation"} <= seen

    chat.page.keyboard.press("Escape")
    expect(chat.dialog).to_be_hidden()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    focused = chat.focused()
    assert focused["inWidget"] and "launcher" in focused["className"]

    # Space opens it too; the close button (reached by Shift+Tab) closes it.
    chat.page.keyboard.press("Space")
    expect(chat.dialog).to_be_visible()
    while "close" not in chat.focused()["className"]:
        chat.page.keyboard.press("Shift+Tab")
    chat.page.keyboard.press("Enter")
    expect(chat.dialog).to_be_hidden()
    assert "launcher" in chat.focused()["className"]


def test_send_and_receive(chat: ChatWidget, gateway: FakeGateway) -> None:
    chat.open()
    chat.send("Bonjour, j'ai une question")
    chat.wait_for_citizen("Bonjour, j'ai une question")
    chat.wait_for_bot("Vous avez écrit : Bonjour, j'ai une question")
    expect(chat.input).to_have_value("")
    [received] = gateway.state.received
    assert received["message"] == "Bonjour, j'ai une question"
    assert received["session_id"] == chat.session_id()
    assert received["metadata"]["language"] == "fr"
    assert len(received["metadata"]["client_message_id"]) == 32
    # Delivered: no "waiting" mark left, and the typing indicator is gone after the reply.
    expect(chat.log.locator(".msg.citizen .state")).to_have_text("")
    expect(chat.typing).to_have_text("")
    # Shift+Enter is a new line, not a send.
    chat.input.press("Shift+Enter")
    assert len(gateway.state.received) == 1


def test_quick_replies_send_the_payload_and_show_the_title(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    chat.open()
    chat.send("boutons")
    chat.wait_for_bot("Que voulez-vous signaler?")
    expect(chat.quick_reply("Lampadaire")).to_be_visible()
    chat.quick_reply("Nid-de-poule").click()
    chat.wait_for_citizen("Nid-de-poule")
    chat.wait_for_bot("À quelle adresse?")
    last = gateway.state.received[-1]
    assert last["message"] == "/report_pothole"
    assert last["metadata"]["display_text"] == "Nid-de-poule"
    # Buttons of an answered question are gone; focus stayed in the dialog.
    expect(chat.log.locator(".replies")).to_have_count(0)
    assert chat.focused()["tag"] == "textarea"


def test_html_in_messages_is_shown_as_text_and_links_are_safe(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    chat.open()
    typed = '<img src=x onerror="window.__pwned = 3"><script>window.__pwned = 4</script>'
    chat.send(typed)
    expect(chat.citizen_messages().last).to_have_text(typed)
    chat.send("html")
    bubble = chat.wait_for_bot("gras")
    expect(bubble).to_contain_text("<b>gras</b> <script>window.__pwned = 1</script>")
    assert bubble.locator("b, script, img").count() == 0
    assert chat.log.locator("script, .bubble img").count() == 0
    assert chat.page.evaluate("() => window.__pwned") is None

    links = bubble.locator("a")
    expect(links).to_have_count(2)
    site = links.nth(0)
    # The sentence's final period is not part of the URL.
    expect(site).to_have_attribute("href", "https://www.example.org/collectes")
    expect(site).to_have_attribute("target", "_blank")
    expect(site).to_have_attribute("rel", "noopener noreferrer")
    expect(links.nth(1)).to_have_attribute("href", "https://example.org/calendrier")
    expect(links.nth(1)).to_contain_text("le calendrier")
    # A javascript: link stays plain text.
    expect(bubble).to_contain_text("[piège](javascript:alert(1))")


def test_bot_images_are_shown(chat: ChatWidget) -> None:
    chat.open()
    chat.send("image")
    chat.wait_for_bot("Voici la carte.")
    image = chat.log.locator(".msg.bot img")
    expect(image).to_have_attribute("src", f"{chat.page.url.rstrip('/')}/pixel.png")
    expect(image).to_have_attribute("alt", "Image envoyée par l'assistant")


def test_reload_resumes_the_session_and_shows_the_history(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    chat.open()
    chat.send("boutons")
    chat.wait_for_bot("Que voulez-vous signaler?")
    chat.quick_reply("Nid-de-poule").click()
    chat.wait_for_bot("À quelle adresse?")
    session = chat.session_id()

    chat.page.reload()
    chat.open()
    expect(chat.citizen_messages()).to_have_text(["boutons", "Nid-de-poule"])
    expect(chat.bot_messages()).to_have_text(
        ["Que voulez-vous signaler?", "D'accord, un nid-de-poule. À quelle adresse?"]
    )
    assert chat.session_id() == session
    chat.send("Merci")
    chat.wait_for_bot("Vous avez écrit : Merci")
    assert gateway.state.citizen_texts(session) == ["boutons", "/report_pothole", "Merci"]
    assert {r["session_id"] for r in gateway.state.received} == {session}


def test_session_confirm_as_an_object_is_accepted(chat: ChatWidget, gateway: FakeGateway) -> None:
    gateway.state.confirm_as_object = True
    chat.page.reload()
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    assert gateway.state.received[0]["session_id"] == chat.session_id()


def test_language_switch_changes_every_text_and_the_hint(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    chat.open()
    expect(chat.input).to_have_attribute("placeholder", "Écrivez votre message…")
    chat.switch_language()
    expect(chat.dialog).to_have_accessible_name("311 Services")
    expect(chat.input).to_have_accessible_name("Your message")
    expect(chat.host.locator("button.lang")).to_have_accessible_name("Français")
    expect(chat.host.locator("button.close")).to_have_accessible_name("Close the chat")
    expect(chat.log.locator(".intro")).to_contain_text("In an emergency, dial 911.")
    assert chat.host.locator(".root").get_attribute("lang") == "en-CA"
    chat.send("Hello")
    chat.wait_for_bot("You wrote: Hello")
    assert gateway.state.received[-1]["metadata"]["language"] == "en"
    # The choice is kept across a reload.
    chat.page.reload()
    chat.open()
    expect(chat.dialog).to_have_accessible_name("311 Services")
    chat.switch_language()
    expect(chat.dialog).to_have_accessible_name("Services 311")


def test_english_page_starts_in_english(context: BrowserContext, gateway: FakeGateway) -> None:
    page = context.new_page()
    page.goto(gateway.url + "/en")
    chat = ChatWidget(page)
    expect(chat.launcher).to_have_accessible_name("Chat with 311")
    chat.open()
    expect(chat.dialog).to_have_accessible_name("311 Services")
    chat.send("buttons")
    chat.wait_for_bot("What would you like to report?")
    expect(chat.quick_reply("Pothole")).to_be_visible()
    chat.screenshot("english_page")


def test_server_errors_are_shown_in_the_ui_language(chat: ChatWidget, gateway: FakeGateway) -> None:
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit")
    # Whitespace only is refused by the gateway with chat_error (fr/en) and marked not sent.
    chat.page.evaluate("() => City311Widget.widget.sendText('   ')")
    expect(chat.notes().last).to_have_text("Le message est vide.")
    expect(chat.log.locator(".msg.citizen.failed .state")).to_have_text("Non envoyé")
    chat.switch_language()
    expect(chat.notes().last).to_have_text("The message is empty.")


def test_typing_indicator_while_the_bot_answers(chat: ChatWidget, gateway: FakeGateway) -> None:
    gateway.state.reply_delay = 2.0
    chat.open()
    chat.send("Bonjour")
    expect(chat.typing).to_have_text("L'assistant écrit…")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    expect(chat.typing).to_have_text("")


def test_messages_arriving_while_closed_are_counted_on_the_launcher(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    chat.close()
    gateway.emit("bot_uttered", {"text": "Votre demande a été transmise."}, chat.session_id())
    expect(chat.launcher).to_have_accessible_name("Clavarder avec le 311 (1 nouveau message)")
    expect(chat.host.locator(".badge")).to_have_text("1(1 nouveau message)")
    chat.open()
    expect(chat.launcher).to_have_accessible_name("Clavarder avec le 311")
    chat.wait_for_bot("Votre demande a été transmise.")
