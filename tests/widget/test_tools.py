"""The tools under the log: shared location, photo upload, the live agent option."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.widget.fake_gateway import FakeGateway
from tests.widget.pages import ChatWidget

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def photo(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(PNG_SIGNATURE + os.urandom(size - len(PNG_SIGNATURE)))
    return path


def test_shared_location_is_sent_in_metadata(
    chat: ChatWidget, context: BrowserContext, gateway: FakeGateway
) -> None:
    context.grant_permissions(["geolocation"], origin=gateway.url)
    context.set_geolocation({"latitude": 46.4917, "longitude": -80.993})
    chat.open()
    chat.share_location()
    chat.wait_for_citizen("📍 Ma position : 46.49170, -80.99300")
    chat.wait_for_bot("Merci! Position reçue : 46.4917, -80.993")
    [sent] = gateway.state.received
    assert sent["metadata"]["location"] == {"lat": 46.4917, "long": -80.993}
    assert sent["message"] == "📍 Ma position : 46.49170, -80.99300"


def test_refused_location_says_so(chat: ChatWidget, gateway: FakeGateway) -> None:
    chat.open()
    chat.share_location()
    expect(chat.notes().last).to_have_text(
        "Votre position n'a pas pu être obtenue. Vous pouvez plutôt écrire l'adresse.",
        timeout=20_000,
    )
    assert gateway.state.received == []


def test_photo_upload_shows_progress_then_sends_the_photo(
    chat: ChatWidget, context: BrowserContext, gateway: FakeGateway, tmp_path: Path
) -> None:
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    # Throttle uploads to ~1 MB/s so that the progress bar has time to move.
    cdp = context.new_cdp_session(chat.page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1_000_000,
    })
    picture = photo(tmp_path, "nid-de-poule.png", 3 * 1024 * 1024)
    chat.attach_photo(picture)
    expect(chat.progress).to_be_visible()
    expect(chat.progress).to_have_accessible_name("Envoi de la photo")
    chat.page.wait_for_function(
        """() => { const p = document.querySelector("#city311-widget").shadowRoot
                     .querySelector(".upload progress");
                   return p && p.value > 0 && p.value < 100; }""",
        polling="raf", timeout=15_000,
    )
    chat.screenshot("photo_progress")
    chat.wait_for_bot("Merci, photo reçue.", timeout=30_000)
    expect(chat.progress).to_be_hidden()

    [(name, stored)] = gateway.state.uploads.items()
    assert stored["content"] == picture.read_bytes()
    assert stored["content_type"] == "image/png"
    assert stored["session_id"] == chat.session_id()
    url = f"{gateway.url}/uploads/{name}"
    sent = gateway.state.received[-1]
    assert sent["metadata"]["photo_url"] == url
    assert sent["message"] == f"📷 Photo jointe : {url}"
    citizen = chat.log.locator(".msg.citizen").last
    expect(citizen.locator("img")).to_have_attribute("src", url)
    expect(citizen.locator("img")).to_have_attribute("alt", "Photo jointe")
    expect(citizen.locator("a")).to_have_attribute("href", url)


def test_photos_too_large_or_of_another_type_are_refused_before_upload(
    chat: ChatWidget, gateway: FakeGateway, tmp_path: Path
) -> None:
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    chat.attach_photo(photo(tmp_path, "grosse.jpg", 5 * 1024 * 1024 + 1))
    expect(chat.notes().last).to_have_text("La photo est trop lourde : 5 Mo au maximum.")
    chat.attach_photo(photo(tmp_path, "anime.gif", 1000))
    expect(chat.notes().last).to_have_text("Seules les photos JPEG, PNG ou WebP sont acceptées.")
    chat.switch_language()
    expect(chat.notes().last).to_have_text("Only JPEG, PNG or WebP photos are accepted.")
    assert gateway.state.uploads == {}
    assert [r["message"] for r in gateway.state.received] == ["Bonjour"]


def test_agent_option_follows_availability(context: BrowserContext, gateway: FakeGateway) -> None:
    gateway.state.agents_available = None  # a gateway without the status endpoint
    page = context.new_page()
    page.goto(f"{gateway.url}/host?" + urlencode({"status-interval": "1", "lang": "fr"}))
    chat = ChatWidget(page)
    chat.open()
    agent = chat.agent_button()
    hours = chat.host.locator(".hours")
    page.wait_for_timeout(1500)
    expect(agent).to_be_hidden()
    expect(hours).to_be_hidden()

    gateway.state.agents_available = False
    expect(hours).to_have_text("Agents en direct : lun. au ven., 7 h 30 à 18 h", timeout=5_000)
    expect(agent).to_be_hidden()

    gateway.state.agents_available = True
    expect(agent).to_be_visible(timeout=5_000)
    expect(agent).to_have_accessible_name("Parler à un agent")
    expect(hours).to_be_hidden()
    agent.click()
    chat.wait_for_citizen("Je voudrais parler à un agent.")
    expect(chat.notes().filter(has_text="file d'attente")).to_have_text(
        "Vous êtes le 1er dans la file d'attente (environ 2 minutes).")
    expect(chat.notes().filter(has_text="jointe")).to_have_text(
        "Marie, agente du 311, s'est jointe à la conversation.")
    agent_message = chat.wait_for_bot("Bonjour, ici Marie.")
    expect(agent).to_be_hidden()  # queued / with an agent: no need to offer one
    # System notices arrive twice (system_message + system bot_uttered): shown once.
    expect(chat.notes()).to_have_count(2)
    # The agent's typing is shown; the citizen's is forwarded.
    gateway.emit("typing", {"typing": True, "sender": "agent", "agent_name": "Marie"},
                 chat.session_id())
    expect(chat.typing).to_have_text("Marie écrit…")
    gateway.emit("typing", {"typing": False, "sender": "agent", "agent_name": "Marie"},
                 chat.session_id())
    expect(chat.typing).to_have_text("")
    chat.input.press_sequentially("Merci")
    chat.input.press("Enter")
    chat.wait_for_citizen("Merci")
    assert gateway.state.typing[0] == {"typing": True, "session_id": chat.session_id()}
    assert gateway.state.typing[-1] == {"typing": False, "session_id": chat.session_id()}
    expect(chat.log.locator(".msg.agent .who")).to_have_text("Agent — Marie : ")
    [sent] = [r for r in gateway.state.received if r["message"] == "/request_human"]
    assert sent["metadata"]["request_human"] is True
    assert sent["metadata"]["display_text"] == "Je voudrais parler à un agent."
    chat.screenshot("agent_joined")

    # After a reload the history shows the same, system notices and agent name included.
    page.reload()
    chat.open()
    expect(chat.citizen_messages()).to_have_text(["Je voudrais parler à un agent.", "Merci"])
    expect(chat.notes()).to_have_count(2)
    expect(chat.log.locator(".msg.agent .who")).to_have_text("Agent — Marie : ")
    chat.switch_language()
    expect(chat.notes().first).to_have_text("You are number 1 in the queue (about 2 minutes).")
    assert agent_message.is_visible()

    expect(agent).to_be_hidden()


def test_quick_replies_of_a_system_notice(chat: ChatWidget, gateway: FakeGateway) -> None:
    """Outside business hours the gateway offers to leave a message (quick reply on a notice)."""
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    text = "Nos agents sont disponibles du lundi au vendredi, de 7 h 30 à 18 h."
    gateway.emit("system_message", {
        "kind": "offline", "text": text, "fr": text,
        "en": "Our agents are available Monday to Friday, 7:30 a.m. to 6 p.m.",
        "quick_replies": [{"title": "Laisser un message", "payload": "/leave_message"}],
    }, chat.session_id())
    expect(chat.notes()).to_have_text([text + "Laisser un message"])
    chat.quick_reply("Laisser un message").click()
    chat.wait_for_citizen("Laisser un message")
    assert gateway.state.received[-1]["message"] == "/leave_message"
    assert gateway.state.received[-1]["metadata"]["display_text"] == "Laisser un message"
