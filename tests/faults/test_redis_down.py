"""Redis down under two gateway processes (private Redis, private PostgreSQL, the real bot).

What degrades: Socket.IO events between processes (an agent on gateway A no longer hears what
happens on gateway B). What does not: citizens' bot replies, anything stored, events within one
process. And when Redis is back on its port, events cross processes again by themselves."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests.faults.conftest import add_agent, gateway_cli
from tests.faults.helpers import agent_token, citizen_event, citizen_texts, eventually
from tests.faults.services import PrivatePostgres, PrivateRedis
from tests.livechat.agents.conftest import AgentClient
from tests.support.agent_http import handoff
from tests.support.citizen import CitizenClient

QUIET = 5.0  # how long an event that should not cross processes is waited for


@pytest.fixture
async def database(private_postgres: PrivatePostgres) -> AsyncIterator[str]:
    """A database of its own on the private cluster."""
    admin = await asyncpg.connect(private_postgres.url().replace("+asyncpg", ""))
    try:
        await admin.execute("DROP DATABASE IF EXISTS redis_fault WITH (FORCE)")
        await admin.execute("CREATE DATABASE redis_fault")
    finally:
        await admin.close()
    yield private_postgres.url("redis_fault")


async def chatting(url: str, words: str) -> tuple[CitizenClient, str, float]:
    """A citizen who wrote to the bot and got its answer; with the round trip in seconds."""
    citizen = CitizenClient(url)
    session = await citizen.connect()
    reply, seconds = await citizen.ask(words)
    assert "sender" not in reply, reply  # the bot answered, not an outage notice
    await citizen.drain(quiet=0.5)
    return citizen, session, seconds


async def public_id(database: str, session: str) -> str:
    """The conversation id (Rasa sender) of a web session, read from the database."""
    connection = await asyncpg.connect(database.replace("+asyncpg", ""))
    try:
        value = await connection.fetchval(
            "SELECT c.public_id FROM conversations c JOIN contacts k ON k.id = c.contact_id "
            "WHERE k.web_session_id = $1 ORDER BY c.id DESC LIMIT 1",
            session,
        )
    finally:
        await connection.close()
    return str(value).replace("-", "")


async def sees_in_queue(agent: AgentClient, conversation_id: str, timeout: float) -> bool:
    """True when a `queue` event listing the conversation arrives within `timeout`."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            snapshot = await agent.next("queue", timeout=left)
        except TimeoutError:
            return False
        if any(item["conversation_id"] == conversation_id for item in snapshot["queue"]):
            return True
    return False


async def test_redis_down_with_two_gateways(
    gateways: Any, database: str, private_redis: PrivateRedis
) -> None:
    env = {"DATABASE_URL": database, "REDIS_URL": private_redis.url}
    gateway_cli(env, "migrate")
    add_agent(env)
    a = gateways("gateway-a", env)
    b = gateways("gateway-b", env)
    agent = await AgentClient(a).connect(await agent_token(b))
    opened: list[Any] = [agent]
    try:
        await agent.next("hello")
        # Redis up: a hand-off on B reaches the agent connected to A.
        first, first_session, up_seconds = await chatting(b, "Bonjour")
        opened.append(first)
        first_id = await public_id(database, first_session)
        await handoff(b, first_id)
        assert await sees_in_queue(agent, first_id, timeout=30)

        private_redis.kill()
        # Citizens on either process still talk with the bot.
        on_b, on_b_session, down_seconds = await chatting(b, "Bonjour, j'ai une question")
        on_a, _on_a_session, _ = await chatting(a, "Hello, I have a question")
        opened += [on_b, on_a]
        again, seconds_again = await on_b.ask("Merci beaucoup")
        assert "sender" not in again, again
        print(f"bot round trip: Redis up {up_seconds:.2f} s, down {down_seconds:.2f} s "
              f"then {seconds_again:.2f} s")
        # Degraded: B queues a conversation; its citizen is told, the agent on A is not.
        on_b_id = await public_id(database, on_b_session)
        queued = await handoff(b, on_b_id)
        assert queued["status"] == "queued"
        await citizen_event(on_b, "system_message", kind="queue_position")
        assert not await sees_in_queue(agent, on_b_id, timeout=QUIET)
        # Nothing lost: the queue is in the database, so A's own next update lists it.
        on_a_id = await public_id(database, _on_a_session)
        await handoff(a, on_a_id)
        assert await sees_in_queue(agent, on_b_id, timeout=30)

        # Redis back on its port: B's events reach A again, without restarting anything.
        private_redis.start()
        agent.drain("message")

        async def crosses() -> bool:
            assert (await first.say("Toujours là?"))["ok"] is True
            try:
                await agent.next("message", timeout=2, conversation_id=first_id)
            except TimeoutError:
                return False
            return True

        await eventually(crosses, timeout=90)
        texts = await citizen_texts(b, first_session)
        assert texts[0] == "Bonjour" and set(texts[1:]) == {"Toujours là?"}
    finally:
        for client in opened:
            await client.close()
