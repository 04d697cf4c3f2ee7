"""Automatic assignment to the least busy online agent under their maximum, presence, and
chats going back to the queue when an agent stays away past the grace period."""

from __future__ import annotations

import asyncio

from tests.livechat.agents.conftest import (
    AgentClient,
    LiveGateway,
    LiveGatewayFactory,
    eventually,
)
from tests.livechat.agents.test_flow import citizen_next


async def test_least_busy_agent_under_the_maximum(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie", max_chats=2)
    await live.add_agent("paul@ville.ca", "Paul", max_chats=1)
    marie = await live.agent("marie@ville.ca")
    paul = await live.agent("paul@ville.ca")
    citizens = [await live.citizen(f"Citoyen {n}") for n in range(4)]
    for _, conversation_id in citizens:
        assert (await live.handoff(conversation_id))["status"] == "queued"

    async def loads_are(expected: dict[str, int]) -> bool:
        agents = (await marie.call("agents_request"))["agents"]
        return {a["name"]: a["open_count"] for a in agents} == expected

    # Marie 2, Paul 1 (their maximums), the fourth waits in the queue.
    await eventually(lambda: loads_are({"Marie": 2, "Paul": 1}))
    queue = (await marie.call("queue_request"))["queue"]
    assert [item["conversation_id"] for item in queue] == [citizens[3][1]]
    assert queue[0]["position"] == 1
    # First come, first served; the two agents alternate while they have room.
    first = (await marie.next("assigned", by="auto"))["conversation"]["conversation_id"]
    second = (await paul.next("assigned", by="auto"))["conversation"]["conversation_id"]
    assert {first, second} == {citizens[0][1], citizens[1][1]}
    mine = (await paul.call("queue_request"))["mine"]
    assert [item["conversation_id"] for item in mine] == [second]

    # Paul resolves his chat: the waiting citizen goes to Paul (Marie is full).
    await paul.call("resolve", {"conversation_id": second, "survey": False})
    taken = await paul.next("assigned", by="auto")
    assert taken["conversation"]["conversation_id"] == citizens[3][1]
    await citizen_next(citizens[3][0], "system_message", kind="agent_joined")


async def test_away_agents_get_nothing(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    assert (await marie.call("presence", {"status": "away"}))["ok"]
    assert (await marie.call("presence", {"status": "lunch"}))["error"] == "invalid_payload"
    _, conversation_id = await live.citizen("Bonjour")
    # Nobody available: the bot keeps the conversation and says so.
    assert (await live.handoff(conversation_id))["status"] == "no_agent"


async def test_chats_of_a_vanished_agent_go_back_after_the_grace_period(
    make_live_gateway: LiveGatewayFactory,
) -> None:
    live = await make_live_gateway(env={"AGENT_GRACE_SECONDS": "1"})
    await live.add_agent("marie@ville.ca", "Marie")
    await live.add_agent("paul@ville.ca", "Paul", max_chats=0)  # takes nothing automatically
    marie = await live.agent("marie@ville.ca")
    paul = await live.agent("paul@ville.ca")
    citizen, conversation_id = await live.citizen("Bonjour")
    await live.handoff(conversation_id)
    await marie.next("assigned", by="auto")
    await citizen_next(citizen, "system_message", kind="agent_joined")

    # A short drop (reconnect within the grace period) keeps the chat.
    token = await live.login("marie@ville.ca")
    await marie.close()
    await asyncio.sleep(0.3)
    back = await AgentClient(live.url).connect(token)
    live.clients.append(back)
    again = await back.next("assigned", by="reconnect")
    assert again["conversation"]["conversation_id"] == conversation_id
    await asyncio.sleep(1.5)
    assert (await back.call("queue_request"))["mine"][0]["conversation_id"] == conversation_id

    # Gone for good: after the grace period the chat is queued again (first in line).
    await back.close()
    left = await citizen_next(citizen, "system_message", kind="agent_left")
    assert "file d'attente" in left["fr"]
    queue = await paul.next("queue", queue__0__conversation_id=conversation_id)
    assert queue["queue"][0]["position"] == 1
    assert (await citizen_next(citizen, "system_message", kind="queue_position"))["position"] == 1
    claimed = await paul.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], "a manual claim may go beyond max_concurrent"
    activity = [
        m["kind"] for m in claimed["conversation"]["messages"] if m["direction"] == "activity"
    ]
    assert activity == ["queued", "assigned", "requeued", "assigned"]
