"""A whole live chat in Chromium against a real gateway: a citizen (python-socketio) is handed
off; agents claim, reply, take notes, file a request, transfer, resolve, hand back."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from tests.console.conftest import (
    CITY_TZ,
    ConsoleGateway,
    GatewayFactory,
    PageFactory,
    citizen_received,
    events_of,
    eventually,
)
from tests.console.pages import ConsolePage

pytestmark = pytest.mark.browser

SUMMARY = {
    "service_code": "report_pothole",
    "address": "123 rue Principale",
    "description": "Un gros trou devant l'école",
}


async def test_claim_reply_note_file_transfer_resolve(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    gateway = console_gateway
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    await gateway.add_agent("paul@ville.example", "Paul Smith")
    marie_page = await new_page("fr-CA", permissions=["notifications"])
    marie = await ConsolePage(marie_page, gateway.url).login("marie@ville.example")
    paul_page = await new_page("en-CA", permissions=["notifications"])
    paul = await ConsolePage(paul_page, gateway.url).login("paul@ville.example")
    assert await marie_page.text_content("#alerts-button") == "Alertes activées"

    citizen, conversation_id = await gateway.citizen("Bonjour")
    gateway.rasa.slots[conversation_id] = {"language": "fr", "address": "123 rue Principale"}
    await citizen.say("Je voudrais parler à quelqu'un")
    await citizen.reply()
    answer = await gateway.handoff(conversation_id, summary=SUMMARY)
    assert answer["status"] == "queued"

    # The queue: channel, language, reason, service, preview, a wait time that moves.
    item = marie.queue_item(conversation_id)
    await item.wait_for()
    text = await item.inner_text()
    for expected in ("Web", "français", "Demande un agent", "Nid-de-poule"):
        assert expected in text
    assert "Je voudrais parler à quelqu'un" in text
    first_wait = await item.locator(".wait").inner_text()
    await marie_page.wait_for_function(
        "([id, first]) => document.querySelector(`[data-wait-for='${id}']`).textContent !== first",
        arg=[conversation_id, first_wait],
    )
    # New chat alert: a browser notification and a beep.
    alerts = await eventually(marie.alerts)
    assert any(n["title"] == "Nouveau clavardage" for n in alerts["notifications"])
    assert alerts["beeps"] > 0
    await marie.screenshot("queue")

    # Claim: the whole bot transcript and what the bot collected.
    await marie.claim(conversation_id)
    await marie.wait_message("Bonjour", "citizen")
    await marie.wait_message("echo: Bonjour", "bot")
    await marie.wait_message("Je voudrais parler à quelqu'un", "citizen")
    collected = await marie_page.inner_text("#collected")
    assert "123 rue Principale" in collected
    assert "Nid-de-poule" in collected
    assert await marie.mine_ids() == [conversation_id]
    await citizen_received(citizen, "system_message", kind="agent_joined")
    assert not await paul.queue_item(conversation_id).count()

    # Typing both ways.
    await marie_page.click("#composer-text")
    await marie_page.keyboard.type("Bonjour")
    await citizen_received(citizen, "typing", typing=True, sender="agent")
    await marie_page.fill("#composer-text", "")
    ack = await citizen.sio.call("typing", {"typing": True, "session_id": citizen.session_id})
    assert ack["ok"]
    await marie_page.wait_for_selector("#citizen-typing:has-text('Le citoyen écrit')")

    # Reply: the citizen receives it.
    await marie.send("Bonjour, ici Marie. Je regarde votre dossier.")
    reply = await citizen_received(
        citizen, "bot_uttered", text="Bonjour, ici Marie. Je regarde votre dossier."
    )
    assert reply["sender"] == "agent"

    # The citizen's reply appears (HTML shown as text, never run).
    hostile = '<img src=x onerror="window.__pwned=1"><b>gras</b><script>window.__pwned=2</script>'
    assert (await citizen.say(hostile))["ok"]
    line = await marie.wait_message(hostile, "citizen")
    assert await line.locator(".msg-text").text_content() == hostile
    injected = marie_page.locator("#transcript img, #transcript b, #transcript script")
    assert await injected.count() == 0
    assert await marie_page.evaluate("window.__pwned") is None
    assert await marie_page.text_content("#citizen-typing") == ""

    # Agent assist: a suggestion and its confidence under the citizen's message; one click sends.
    assert (await citizen.say("Il y a un feu dans la ruelle!"))["ok"]
    line = await marie.wait_message("Il y a un feu dans la ruelle!", "citizen")
    suggestion = line.locator(".suggestion")
    await suggestion.wait_for()
    assert "93" in await suggestion.locator(".suggestion-label").inner_text()
    suggested = await suggestion.locator(".suggestion-text").inner_text()
    assert "911" in suggested
    await suggestion.locator("button").click()
    await citizen_received(citizen, "bot_uttered", text=suggested, sender="agent")
    assert await suggestion.locator("button").is_disabled()

    # Canned responses: inserted in the citizen's language (French).
    canned = marie_page.locator("#canned-list .canned-insert").first
    await canned.wait_for()
    canned_text = await canned.locator(".canned-text").text_content()
    assert await canned.locator(".canned-text").get_attribute("lang") == "fr"
    await canned.click()
    assert await marie_page.input_value("#composer-text") == canned_text
    await marie_page.fill("#composer-text", "")

    # A private note: shown apart, never sent to the citizen.
    note = "Note interne : appel déjà reçu hier pour ce trou."
    await marie.send(note, note=True)
    note_line = marie.message(note, "note")
    assert "Note privée" in await note_line.locator(".msg-sender").inner_text()
    await marie.send("Un instant s'il vous plaît.")
    await citizen_received(citizen, "bot_uttered", text="Un instant s'il vous plaît.")
    assert note not in json.dumps(citizen.events, ensure_ascii=False)
    await marie.screenshot("conversation")

    # File a service request on the citizen's behalf (service and address prefilled).
    assert await marie_page.input_value("#file-service") == "report_pothole"
    assert await marie_page.input_value("#file-address") == "123 rue Principale"
    size = marie_page.locator('#file-attributes [data-attribute="size"]')
    if await size.count():
        options = await size.locator("option").evaluate_all("os => os.map(o => o.value)")
        await size.select_option(next(value for value in options if value))
    await marie_page.fill("#file-description", "Trou profond devant l'école Saint-Jean")
    await marie_page.click("#file-button")
    await marie_page.wait_for_selector("#file-result.success")
    result = await marie_page.text_content("#file-result")
    assert result.startswith("Demande créée : ")
    filed = await citizen_received(citizen, "system_message", kind="request_filed")
    reference = result.removeprefix("Demande créée : ").split(" ")[0]
    assert reference in filed["text"]

    # Transfer to Paul (online), with a note for him.
    await marie_page.select_option("#transfer-agent", label="Paul Smith (0 / 3)")
    await marie_page.fill("#transfer-note", "Il attend un rappel pour le trou.")
    notified_before = len((await paul.alerts())["notifications"])
    await marie_page.click("#transfer-button")
    await paul_page.wait_for_selector(f'#mine-list [data-key="mine:{conversation_id}"]')
    assert await marie.mine_ids() == []
    assert await marie_page.is_disabled("#composer-text")
    await paul.wait_message("Il attend un rappel pour le trou.", "note")
    await paul.wait_message(hostile, "citizen")
    notifications = (await paul.alerts())["notifications"]
    assert len(notifications) == notified_before + 1
    assert notifications[-1]["title"] == "New chat"
    await citizen_received(citizen, "system_message", kind="agent_left")

    await paul.send("Hello, Paul here. I'll take it from there.")
    await citizen_received(
        citizen, "bot_uttered", text="Hello, Paul here. I'll take it from there.", sender="agent"
    )
    await paul.screenshot("transferred")

    # Resolve: the citizen is told (and asked for the survey); the chat leaves Paul's list.
    await paul_page.click("#resolve-button")
    await citizen_received(citizen, "system_message", kind="resolved")
    await citizen_received(citizen, "system_message", kind="survey")

    async def paul_has_no_chat() -> bool:
        return await paul_page.locator("#mine-list .chat-button").count() == 0

    await eventually(paul_has_no_chat)
    assert "resolved" in (await paul_page.text_content("#conv-banner")).lower()
    assert marie_page.errors == [] and paul_page.errors == []


async def test_hand_back_to_the_bot(console_gateway: ConsoleGateway, new_page: PageFactory) -> None:
    gateway = console_gateway
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("fr-CA")
    marie = await ConsolePage(page, gateway.url).login("marie@ville.example")
    citizen, conversation_id = await gateway.citizen("Hello")
    await gateway.handoff(conversation_id, language="en")
    await marie.queue_item(conversation_id).wait_for()
    await marie.claim(conversation_id)
    await marie.send("Hi! How can I help?")
    await page.click("#handback-button")
    await citizen_received(citizen, "system_message", kind="agent_left")
    await page.wait_for_selector("#conv-banner:has-text('rendu au robot')")
    assert await marie.mine_ids() == []
    # The bot answers the next message in the same conversation.
    citizen.replies = asyncio.Queue()
    assert (await citizen.say("Thanks"))["ok"]
    assert (await citizen.reply())["text"] == "echo: Thanks"


async def test_auto_assigned_chat_opens_on_its_own(
    make_console_gateway: GatewayFactory, new_page: PageFactory
) -> None:
    gateway = await make_console_gateway(env={"AUTO_ASSIGN": "true"})
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("fr-CA", permissions=["notifications"])
    marie = await ConsolePage(page, gateway.url).login("marie@ville.example")
    await page.wait_for_selector("#auto-assign:has-text('Attribution automatique activée.')")
    citizen, conversation_id = await gateway.citizen("Bonjour")
    await gateway.handoff(conversation_id, summary=SUMMARY)
    await page.wait_for_selector(f'#mine-list [data-key="mine:{conversation_id}"]')
    await marie.wait_message("echo: Bonjour", "bot")
    assert "Un gros trou devant l'école" in await page.inner_text("#collected")
    alerts = await marie.alerts()
    assert [n["title"] for n in alerts["notifications"]].count("Nouveau clavardage") == 1
    await marie.send("Bonjour! Je suis là.")
    await citizen_received(citizen, "bot_uttered", text="Bonjour! Je suis là.")


async def test_presence_away_offline_online(
    make_console_gateway: GatewayFactory, new_page: PageFactory
) -> None:
    gateway = await make_console_gateway(env={"AUTO_ASSIGN": "true"})
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("en-CA")
    marie = await ConsolePage(page, gateway.url).login("marie@ville.example")

    async def agents_available() -> bool:
        status = await page.evaluate("fetch('/api/v1/livechat/status').then(r => r.json())")
        return bool(status["agents_available"])

    # Away: nobody takes chats, so a hand-off is refused (no agent).
    await page.select_option("#presence", "away")
    await page.wait_for_selector("#agents-list .agent--away:has-text('Marie Tremblay')")
    assert not await agents_available()
    citizen, conversation_id = await gateway.citizen("Bonjour")
    assert (await gateway.handoff(conversation_id))["status"] == "no_agent"

    # Offline: the console disconnects.
    await page.select_option("#presence", "offline")
    await page.wait_for_selector('#connection[data-state="conn_offline"]')
    assert await page.text_content("#connection") == "Offline (you receive no chats)"
    assert not await agents_available()

    # Online again: reconnected, available, and the next hand-off is auto-assigned.
    await page.select_option("#presence", "online")
    await marie.wait_connected()
    await page.wait_for_selector("#agents-list .agent--online:has-text('Marie Tremblay')")
    assert await agents_available()
    assert (await gateway.handoff(conversation_id))["status"] == "queued"
    await page.wait_for_selector(f'#mine-list [data-key="mine:{conversation_id}"]')
    await marie.wait_message("echo: Bonjour", "bot")
    assert citizen.sio.connected


def _a_closed_day() -> str:
    """Business hours on a day that is not today (city time): the live chat is closed now."""
    today = dt.datetime.now(ZoneInfo(CITY_TZ)).weekday()
    return "Tue 09:00-17:00" if today == 0 else "Mon 09:00-17:00"


async def test_after_hours_message_in_the_offline_list(
    make_console_gateway: GatewayFactory, new_page: PageFactory
) -> None:
    gateway = await make_console_gateway(business_hours=_a_closed_day())
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("fr-CA")
    marie = await ConsolePage(page, gateway.url).login("marie@ville.example")
    citizen, conversation_id = await gateway.citizen("Bonjour")
    answer = await gateway.handoff(conversation_id)
    assert answer["status"] == "closed"
    offline = await citizen_received(citizen, "system_message", kind="offline")
    assert any(r["payload"] == "/leave_message" for r in offline["quick_replies"])
    assert (await citizen.say("/leave_message"))["ok"]
    assert (await citizen.say("Le lampadaire devant le 12 rue Racine est éteint."))["ok"]

    item = marie.queue_item(conversation_id, "offline-list")
    await item.wait_for()
    assert "Message hors des heures" in await item.inner_text()
    await eventually(lambda: item.locator(".preview").filter(has_text="lampadaire").count())
    await marie.screenshot("offline-list")
    await marie.claim(conversation_id, "offline-list")
    await marie.wait_message("Le lampadaire devant le 12 rue Racine est éteint.", "citizen")
    echo = "echo: Le lampadaire devant le 12 rue Racine est éteint."
    assert not events_of(citizen, "bot_uttered", text=echo)


async def test_a_reloaded_console_gets_its_chats_back(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    gateway = console_gateway
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("fr-CA")
    marie = await ConsolePage(page, gateway.url).login("marie@ville.example")
    citizen, conversation_id = await gateway.citizen("Bonjour")
    await gateway.handoff(conversation_id)
    await marie.queue_item(conversation_id).wait_for()
    await marie.claim(conversation_id)
    await marie.send("Avant le rechargement.")
    await marie.send("Note avant le rechargement.", note=True)

    await page.reload()
    await page.wait_for_selector(f'#mine-list [data-key="mine:{conversation_id}"]')
    await marie.wait_message("Avant le rechargement.", "agent")
    await marie.wait_message("Note avant le rechargement.", "note")
    assert (await citizen.say("Toujours là?"))["ok"]
    await marie.wait_message("Toujours là?", "citizen")
    await marie.send("Oui!")
    await citizen_received(citizen, "bot_uttered", text="Oui!", sender="agent")
