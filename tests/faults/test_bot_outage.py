"""Faults of the bot's two processes, on the real stack: Rasa killed mid-conversation, and the
action server down. Business hours are open; an agent is online for the Rasa fault."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from livechat.actions_guard import TRUST_SECONDS
from tests.faults.helpers import (
    agent_token,
    citizen_event,
    citizen_texts,
    health,
    history,
    kill,
    language_of,
)
from tests.livechat.agents.conftest import AgentClient
from tests.support.citizen import CitizenClient

ROOT = Path(__file__).resolve().parents[2]
OUTAGE = {"fr": "temporairement indisponible", "en": "temporarily unavailable"}


def service_name(code: str, language: str) -> str:
    """A service's name in the city's catalogue (what the bot's form announces)."""
    catalogue = json.loads((ROOT / "livechat" / "catalogue" / "services.json").read_text())
    service = next(s for s in catalogue["services"] if s["service_code"] == code)
    return str(service["name"][language])


async def started(stack: Any, words: str) -> tuple[CitizenClient, str]:
    """A citizen in the middle of a conversation with the bot (a report begun)."""
    citizen = CitizenClient(stack.gateway_url)
    session = await citizen.connect()
    assert (await citizen.say(words))["ok"] is True
    first = await citizen.reply()
    await citizen.drain(quiet=1)
    assert "sender" not in first, first  # the bot answered, not a notice
    return citizen, session


async def restart(stack: Any, name: str) -> None:
    """Start the stopped service again on the same port; wait until it answers."""
    service = stack.service(name)
    service.start(stack.log_dir)
    await asyncio.to_thread(stack.wait_ready, service, time.monotonic() + 300)


def outage_notice_ok(notice: dict[str, Any]) -> None:
    """A system notice in both languages saying the assistant is temporarily unavailable."""
    for language, words in OUTAGE.items():
        assert words in notice[language], notice
        assert language_of(notice[language]) == language, notice


async def test_rasa_killed_mid_conversation(stack: Any) -> None:
    """SIGKILL Rasa: notices, the agent queue during business hours, nothing lost, and the bot
    answers again once Rasa is back on its port."""
    agent = await AgentClient(stack.gateway_url).connect(await agent_token(stack.gateway_url))
    asker, asker_session = await started(stack, "Il y a un gros nid-de-poule devant chez moi")
    waiter, waiter_session = await started(stack, "There is a big pothole in front of my house")
    try:
        await agent.next("hello")
        kill(stack.service("rasa"))

        # The next message of each is kept, and answered with the bilingual notice (the text
        # in the citizen's language), offering an agent since one is online.
        assert (await asker.say("1234 rue Principale"))["ok"] is True
        notice = await citizen_event(asker, "system_message", kind="bot_unavailable")
        outage_notice_ok(notice)
        assert OUTAGE["fr"] in notice["text"]
        [offer] = notice["quick_replies"]
        assert (await waiter.say("45 Main Street"))["ok"] is True
        english = await citizen_event(waiter, "system_message", kind="bot_unavailable")
        outage_notice_ok(english)
        assert OUTAGE["en"] in english["text"]
        status, report = await health(stack.gateway_url)
        assert (status, report["dependencies"]["rasa"]["status"]) == (503, "down")

        # Taking the offer puts the conversation in the agents' queue; the agent sees it.
        assert (await asker.say(offer["payload"]))["ok"] is True
        place = await citizen_event(asker, "system_message", kind="queue_position")
        assert place["position"] >= 1
        item = await agent.next("queue", timeout=30)
        while not any(i["reason"] == "bot_unavailable" for i in item["queue"]):
            item = await agent.next("queue", timeout=30)
        [queued] = [i for i in item["queue"] if i["reason"] == "bot_unavailable"]
        assert (queued["channel"], queued["language"]) == ("web", "fr")
        # The agent now owns it: a message during the outage reaches the agent, not the bot.
        assert (await asker.say("Je suis toujours là"))["ok"] is True
        seen = await agent.next("message", timeout=30, conversation_id=queued["conversation_id"])
        assert seen["message"]["text"] == "Je suis toujours là"

        # Rasa comes back on the same port: the bot answers the conversation it still has.
        await restart(stack, "rasa")
        await waiter.drain(quiet=0.5)  # the outage notice, already checked
        assert (await waiter.say("Hello"))["ok"] is True
        back = await waiter.reply(timeout=120)
        assert "sender" not in back, back  # the bot, not a notice
        assert language_of(back["text"]) == "en", back

        # Nothing lost: every message each citizen sent is in the history, in order.
        assert await citizen_texts(stack.gateway_url, asker_session) == [
            "Il y a un gros nid-de-poule devant chez moi",
            "1234 rue Principale",
            offer["payload"],
            "Je suis toujours là",
        ]
        assert await citizen_texts(stack.gateway_url, waiter_session) == [
            "There is a big pothole in front of my house",
            "45 Main Street",
            "Hello",
        ]
    finally:
        for client in (asker, waiter, agent):
            await client.close()
        if not stack.service("rasa").alive():
            await restart(stack, "rasa")


async def test_action_server_down(stack: Any) -> None:
    """The action server down: forms and tracking cannot work, so the citizen is told politely
    (not "sorry, I did not understand"), the message is kept, and the bot works once it is back.
    No agent is online here: the notice says to try again later or call 311."""
    citizen = CitizenClient(stack.gateway_url)
    session = await citizen.connect()
    kill(stack.service("actions"))
    # The gateway trusts a healthy check of the action server for a second (TRUST_SECONDS).
    await asyncio.sleep(TRUST_SECONDS + 0.5)
    try:
        said = ["Il y a un nid-de-poule devant chez moi", "Je veux suivre ma demande 311-RFQ-BHE"]
        for count, words in enumerate(said, start=1):
            assert (await citizen.say(words))["ok"] is True
            reply = await citizen.reply()
            assert OUTAGE["fr"] in reply["text"] and "911" in reply["text"], reply
            assert language_of(reply["text"]) == "fr", reply
            assert await citizen_texts(stack.gateway_url, session) == said[:count]
        notices = [m for m in await history(stack.gateway_url, session) if m["sender"] == "system"]
        assert len(notices) == 2
        for notice in notices:
            outage_notice_ok(notice)
        status, report = await health(stack.gateway_url)
        assert (status, report["dependencies"]["actions"]["status"]) == (503, "down")

        await restart(stack, "actions")
        await citizen.drain(quiet=1)
        assert (await citizen.say("Il y a un nid-de-poule devant chez moi"))["ok"] is True
        replies = [await citizen.reply(), *await citizen.drain(quiet=2)]
        assert all("sender" not in r for r in replies), replies
        text = " ".join(r.get("text", "") for r in replies)
        assert service_name("report_pothole", "fr").lower() in text.lower(), replies
    finally:
        await citizen.close()
        if not stack.service("actions").alive():
            await restart(stack, "actions")

