"""Network loss: the offline banner, the outbox, exactly-once delivery after reconnecting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.widget.fake_gateway import FakeGateway
from tests.widget.pages import ChatWidget

pytestmark = pytest.mark.browser

OFFLINE = "Connexion perdue. Vos messages seront envoyés dès le retour de la connexion."


@pytest.fixture
def website() -> Iterator[FakeGateway]:
    """A second server standing for the city's own website (it stays up when the chat is down)."""
    site = FakeGateway().start()
    yield site
    site.close()


def sent_texts(gateway: FakeGateway) -> list[str]:
    return [payload["message"] for payload in gateway.state.received]


def test_message_typed_while_the_server_is_down_is_sent_once_when_it_is_back(
    chat: ChatWidget, gateway: FakeGateway
) -> None:
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    expect(chat.banner).to_have_text("")

    gateway.stop()
    expect(chat.banner).to_have_text(OFFLINE, timeout=10_000)
    expect(chat.banner).to_have_attribute("role", "status")
    chat.send("Il y a un nid-de-poule rue du Lac")
    queued = chat.log.locator(".msg.citizen").filter(has_text="nid-de-poule")
    expect(queued.locator(".state")).to_have_text("En attente d'envoi")
    chat.screenshot("offline_queued")
    time.sleep(1.5)  # several reconnection attempts fail meanwhile

    gateway.start()
    expect(chat.banner).to_have_text("", timeout=20_000)
    chat.wait_for_bot("Vous avez écrit : Il y a un nid-de-poule rue du Lac", timeout=20_000)
    expect(queued.locator(".state")).to_have_text("")
    assert sent_texts(gateway) == ["Bonjour", "Il y a un nid-de-poule rue du Lac"]
    assert gateway.state.citizen_texts() == ["Bonjour", "Il y a un nid-de-poule rue du Lac"]
    expect(chat.citizen_messages()).to_have_text(["Bonjour", "Il y a un nid-de-poule rue du Lac"])
    assert chat.page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.endsWith(':outbox'))"
        ".map(k => JSON.parse(localStorage.getItem(k)).length)"
    ) == [0]


def test_the_outbox_survives_a_reload_and_a_resend_is_not_stored_twice(
    context: BrowserContext, gateway: FakeGateway, website: FakeGateway
) -> None:
    """Embedded on another origin; the page is reloaded while the chat server is down."""
    page = context.new_page()
    page.goto(f"{website.url.replace('127.0.0.1', 'localhost')}/host?"
              + urlencode({"server": gateway.url}))
    chat = ChatWidget(page)
    chat.open()
    chat.send("Premier message")
    chat.wait_for_bot("Vous avez écrit : Premier message")
    session = chat.session_id()

    gateway.stop()
    expect(chat.banner).to_have_text(OFFLINE, timeout=10_000)
    chat.send("Écrit hors ligne")
    page.reload()
    chat.open()
    expect(chat.banner).to_have_text(OFFLINE, timeout=10_000)
    expect(chat.log.locator(".msg.citizen").filter(has_text="Écrit hors ligne")
           .locator(".state")).to_have_text("En attente d'envoi")

    gateway.start()
    chat.wait_for_bot("Vous avez écrit : Écrit hors ligne", timeout=20_000)
    expect(chat.citizen_messages()).to_have_text(["Premier message", "Écrit hors ligne"])
    assert gateway.state.citizen_texts(session) == ["Premier message", "Écrit hors ligne"]
    # An ack lost in transit leaves a stored message in the outbox: after reconnecting, the
    # history holds its client message id, so it is dropped instead of sent again.
    first_id = gateway.state.received[-1]["metadata"]["client_message_id"]
    received = len(gateway.state.received)
    page.evaluate(
        """(id) => { const w = City311Widget.widget; const key = w.store.prefix + "outbox";
             localStorage.setItem(key, JSON.stringify([{id, text: "Écrit hors ligne",
               metadata: {}, display: null, at: Date.now()}]));
             w.connection.socket.disconnect().connect(); }""",
        first_id,
    )
    expect(chat.banner).to_have_text("")
    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem(City311Widget.widget.store.prefix + 'outbox'))"
        ".length === 0"
    )
    assert len(gateway.state.received) == received
    assert gateway.state.citizen_texts(session) == ["Premier message", "Écrit hors ligne"]
    expect(chat.citizen_messages()).to_have_text(["Premier message", "Écrit hors ligne"])


def test_browser_offline_shows_the_banner(chat: ChatWidget, context: BrowserContext) -> None:
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    context.set_offline(True)
    expect(chat.banner).to_have_text(OFFLINE)
    context.set_offline(False)
    expect(chat.banner).to_have_text("", timeout=15_000)
    chat.send("De retour")
    chat.wait_for_bot("Vous avez écrit : De retour")


def test_page_styles_do_not_reach_the_widget(context: BrowserContext, gateway: FakeGateway) -> None:
    """The host page styles every element with !important; the shadow root keeps its own."""
    page = context.new_page()
    page.goto(f"{gateway.url}/host?" + urlencode({"primary-color": "#ffd100", "lang": "en"}))
    chat = ChatWidget(page)
    chat.open()
    chat.send("Hello")
    bubble = chat.wait_for_bot("You wrote: Hello")
    assert bubble.evaluate("n => getComputedStyle(n).fontSize") == "16px"
    assert bubble.evaluate("n => getComputedStyle(n).color") == "rgb(31, 31, 31)"
    # A light brand colour gets dark text on it, and dark text where it would be text on white.
    launcher = chat.launcher
    assert launcher.evaluate("n => getComputedStyle(n).backgroundColor") == "rgb(255, 209, 0)"
    assert launcher.evaluate("n => getComputedStyle(n).color") == "rgb(31, 31, 31)"
    location = chat.host.locator("button.location")
    assert location.evaluate("n => getComputedStyle(n).color") == "rgb(31, 31, 31)"
    assert chat.axe_violations(include="#city311-widget") == []
    chat.screenshot("hostile_host_page")
