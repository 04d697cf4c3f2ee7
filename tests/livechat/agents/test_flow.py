"""The whole live chat over real sockets, on SQLite and PostgreSQL: a citizen asks for a
person, waits in the queue, an agent claims, they talk and type, a private note stays private,
the chat is transferred, resolved, and the bot is resumed."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.livechat.agents.conftest import LiveGateway, LiveGatewayFactory, eventually
from tests.livechat.clients import ChatClient

TIMEOUT = 10.0


async def citizen_next(client: ChatClient, event: str, **match: Any) -> Any:
    """The next `event` of the citizen matching key/values (earlier others are dropped)."""
    while True:
        data = await client.next(event, TIMEOUT)
        if all(isinstance(data, dict) and data.get(k) == v for k, v in match.items()):
            return data


async def test_handoff_claim_talk_note_transfer_resolve(
    make_live_gateway: LiveGatewayFactory,
) -> None:
    live: LiveGateway = await make_live_gateway(env={"AUTO_ASSIGN": "false"})
    await live.add_agent("marie@ville.ca", "Marie")
    await live.add_agent("paul@ville.ca", "Paul")
    marie = await live.agent("marie@ville.ca")
    paul = await live.agent("paul@ville.ca")
    citizen, conversation_id = await live.citizen("Je veux parler à quelqu'un")
    other, other_id = await live.citizen("Bonjour")

    # The action server asks for a person: queued, first in line, bot paused.
    answer = await live.handoff(
        conversation_id, "request_human", "fr", summary={"service_code": "report_pothole"}
    )
    # No wait measured yet: 3 min by default, for position 1 with two agents online -> 2.
    assert answer == {"status": "queued", "position": 1, "wait_minutes": 2}
    notice = await citizen_next(citizen, "system_message", kind="queue_position")
    assert notice["position"] == 1 and notice["wait_minutes"] == 2
    assert "numéro 1" in notice["text"] and "number 1" in notice["en"]
    uttered = await citizen_next(citizen, "bot_uttered", sender="system")
    assert uttered["kind"] == "queue_position" and uttered["text"] == notice["text"]
    queue = await marie.next("queue", queue__0__conversation_id=conversation_id)
    item = queue["queue"][0]
    assert item["channel"] == "web" and item["reason"] == "request_human"
    assert item["position"] == 1 and item["summary"] == {"service_code": "report_pothole"}
    assert item["preview"] == "Je veux parler à quelqu'un"

    await eventually(lambda: {"event": "pause"} in live.rasa.events[conversation_id])

    # While queued, the citizen's words reach every agent and are not sent to Rasa.
    sent_to_rasa = len(live.rasa.received)
    ack = await citizen.utter("Il y a un nid-de-poule rue Notre-Dame")
    assert ack["ok"]
    queued_message = await marie.next("message", conversation_id=conversation_id)
    assert queued_message["message"]["text"] == "Il y a un nid-de-poule rue Notre-Dame"

    # Two agents claim at once: exactly one wins.
    live.rasa.slots[conversation_id] = {"language": "fr", "service_code": "report_pothole"}
    first, second = await asyncio.gather(
        marie.call("claim", {"conversation_id": conversation_id}),
        paul.call("claim", {"conversation_id": conversation_id}),
    )
    assert sorted([first["ok"], second["ok"]]) == [False, True]
    loser = first if not first["ok"] else second
    assert loser["error"] == "already_claimed" and loser["message"]["en"]
    winner, winner_client, other_agent = (
        (marie, "Marie", paul) if first["ok"] else (paul, "Paul", marie)
    )
    detail = (first if first["ok"] else second)["conversation"]
    assert detail["status"] == "open" and detail["assignee"]["name"] == winner_client
    assert detail["collected"] == {"language": "fr", "service_code": "report_pothole"}
    texts = [m["text"] for m in detail["messages"]]
    assert "Je veux parler à quelqu'un" in texts  # the bot part of the transcript
    assert "echo: Je veux parler à quelqu'un" in texts
    assert sent_to_rasa == len(live.rasa.received)
    assert len(live.rasa.received) == 2  # the two first messages only
    joined = await citizen_next(citizen, "system_message", kind="agent_joined")
    assert joined["agent_name"] == winner_client
    assert (await winner.next("assigned"))["by"] == "claim"

    # They talk both ways; the agent reply is stored and delivered as an agent message.
    reply = await winner.call(
        "reply", {"conversation_id": conversation_id, "text": "Bonjour, je regarde ça."}
    )
    assert reply["ok"] and reply["message"]["sender"] == "agent"
    said = await citizen_next(citizen, "bot_uttered", sender="agent")
    assert said == {
        "text": "Bonjour, je regarde ça.",
        "sender": "agent",
        "agent_name": winner_client,
    }
    await citizen.utter("Merci!")
    heard = await winner.next("message", message__text="Merci!")
    assert heard["message"]["text"] == "Merci!" and heard["message"]["sender"] == "citizen"

    # Typing both ways, only to the right people.
    assert (await citizen.call("typing", {"typing": True}))["ok"]
    typing = await winner.next("typing")
    assert typing == {"conversation_id": conversation_id, "typing": True}
    typed = await winner.call("typing", {"conversation_id": conversation_id, "typing": True})
    assert typed["ok"]
    assert await citizen_next(citizen, "typing") == {
        "typing": True,
        "sender": "agent",
        "agent_name": winner_client,
    }

    # A private note is never sent to the citizen, nor in their history.
    note = await winner.call(
        "note", {"conversation_id": conversation_id, "text": "Citoyen poli, adresse à vérifier"}
    )
    assert note["ok"] and note["message"]["private"] is True
    history = await citizen.call("history_request", {})
    history_texts = [m["text"] for m in history["messages"]]
    assert "Citoyen poli, adresse à vérifier" not in history_texts
    assert "Bonjour, je regarde ça." in history_texts
    agent_line = next(m for m in history["messages"] if m["sender"] == "agent")
    assert agent_line["agent_name"] == winner_client
    assert not any(m.get("text", "").startswith("Prise en charge") for m in history["messages"])

    # Transfer to the other (online) agent.
    other_agent_name = "Paul" if winner_client == "Marie" else "Marie"
    agents = await winner.call("agents_request")
    target = next(a for a in agents["agents"] if a["name"] == other_agent_name)
    assert target["presence"] == "online"
    moved = await winner.call(
        "transfer",
        {"conversation_id": conversation_id, "agent_id": target["id"], "note": "Pour toi"},
    )
    assert moved["ok"], moved
    assert (await winner.next("unassigned"))["reason"] == "transferred"
    assigned = await other_agent.next("assigned", by="transfer")
    assert assigned["from_agent"]["name"] == winner_client
    assert any(
        m["text"] == "Pour toi" and m["private"] for m in assigned["conversation"]["messages"]
    )
    left = await citizen_next(citizen, "system_message", kind="agent_left")
    assert left["agent_name"] == winner_client
    assert (await citizen_next(citizen, "system_message", kind="agent_joined"))[
        "agent_name"
    ] == other_agent_name
    refused = await winner.call("reply", {"conversation_id": conversation_id, "text": "Encore"})
    assert refused == {"ok": False, **refused} and refused["error"] == "not_assigned"

    # Resolve: the citizen is told, asked for a rating, and the bot is resumed.
    done = await other_agent.call("resolve", {"conversation_id": conversation_id})
    assert done["ok"]
    await citizen_next(citizen, "system_message", kind="resolved")
    survey = await citizen_next(citizen, "system_message", kind="survey")
    assert survey["conversation_id"] == conversation_id
    assert survey["survey_url"] == "/api/v1/surveys"
    assert [q["title"] for q in survey["quick_replies"]] == ["1", "2", "3", "4", "5"]

    await eventually(lambda: {"event": "resume"} in live.rasa.events[conversation_id])
    assert live.rasa.events[conversation_id] == [{"event": "pause"}, {"event": "resume"}]

    # The citizen's next message starts a new conversation with the bot.
    await citizen.utter("Autre question")
    assert await citizen_next(citizen, "bot_uttered", text="echo: Autre question")
    assert live.rasa.received[-1]["sender"] != conversation_id

    # The other citizen saw none of it.
    events = {name for name, queue in other.queues.items() if not queue.empty()}
    assert events <= {"bot_uttered"}
    assert other.pending("bot_uttered") == []
    assert other_id != conversation_id


async def test_hand_back_to_the_bot(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    citizen, conversation_id = await live.citizen("Un agent svp")
    answer = await live.handoff(conversation_id)
    assert answer["status"] == "queued"
    # AUTO_ASSIGN is on by default: Marie gets it.
    assigned = await marie.next("assigned", by="auto")
    assert assigned["conversation"]["conversation_id"] == conversation_id
    await citizen_next(citizen, "system_message", kind="agent_joined")
    back = await marie.call("hand_back", {"conversation_id": conversation_id})
    assert back["ok"]
    assert (await marie.next("unassigned"))["reason"] == "handed_back"
    left = await citizen_next(citizen, "system_message", kind="agent_left")
    assert "assistant virtuel" in left["fr"]

    await eventually(lambda: {"event": "resume"} in live.rasa.events[conversation_id])
    await citizen.utter("Encore moi")
    await citizen_next(citizen, "bot_uttered", text="echo: Encore moi")
    assert live.rasa.received[-1]["sender"] == conversation_id  # same conversation, bot again
