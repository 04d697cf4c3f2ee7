"""Scale-out for real: two `python -m livechat serve` processes sharing a throwaway PostgreSQL
database and Redis. Agents on one process chat with citizens on the other; queue positions,
claims and logouts hold across processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from livechat.agents.accounts import AgentAccounts
from livechat.db import create_engine, create_sessionmaker
from livechat.migrate import upgrade
from tests.livechat.agents.conftest import PASSWORD, AgentClient, AgentRasa, eventually
from tests.livechat.agents.test_flow import citizen_next
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import free_port
from tests.livechat.fakes import fake_actions_app
from tests.support.agent_http import agent_login, handoff
from tests.support.open_hours import open_hours_env

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class GatewayProcess:
    """One gateway subprocess on a free port, its output in a file."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._output = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livechat", "serve", "--port", str(self.port), "--no-migrate"],
            cwd=ROOT,
            env={**env, "PUBLIC_URL": self.url},
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        self.name = name

    async def ready(self) -> None:
        async def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(self.url + "/api/v1/livechat/status") as response,
                ):
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(answers, timeout=60)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._output.close()


@pytest.fixture
async def gateways(
    fresh_postgres_url: str, shared_redis: str, aiohttp_server: Any, tmp_path: Path
) -> AsyncIterator[tuple[GatewayProcess, GatewayProcess, AgentRasa, str]]:
    rasa = AgentRasa()
    rasa.url = str((await aiohttp_server(rasa.app())).make_url("")).rstrip("/")
    actions = str((await aiohttp_server(fake_actions_app())).make_url("")).rstrip("/")
    await upgrade(fresh_postgres_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIVECHAT_", "DATABASE"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=fresh_postgres_url,
        REDIS_URL=shared_redis,
        RASA_URL=rasa.url,
        ACTIONS_URL=actions,
        LOG_LEVEL="INFO",
        **open_hours_env(),
    )
    first = GatewayProcess("gateway A", env, tmp_path / "a.log")
    second = GatewayProcess("gateway B", env, tmp_path / "b.log")
    try:
        await asyncio.gather(first.ready(), second.ready())
        yield first, second, rasa, fresh_postgres_url
    finally:
        first.stop()
        second.stop()


async def close_all(opened: list[Any]) -> None:
    for client in opened:
        await client.close()


async def citizen(url: str, rasa: AgentRasa, words: str) -> tuple[ChatClient, str]:
    client = await ChatClient(url).connect()
    await client.request_session()
    assert (await client.utter(words))["ok"]
    assert (await client.next("bot_uttered"))["text"] == f"echo: {words}"
    sender = next(
        body["sender"]
        for body in reversed(rasa.received)
        if body["metadata"].get("session_id") == client.session_id
    )
    return client, sender


async def test_two_gateways_share_queue_chats_claims_and_logouts(
    gateways: tuple[GatewayProcess, GatewayProcess, AgentRasa, str],
) -> None:
    a, b, rasa, database_url = gateways
    engine = create_engine(database_url)
    accounts = AgentAccounts(create_sessionmaker(engine))
    await accounts.add("marie@ville.ca", "Marie", PASSWORD, max_concurrent=1)
    # Paul takes nothing automatically (max 0): he only claims by hand.
    await accounts.add("paul@ville.ca", "Paul", PASSWORD, max_concurrent=0)
    await engine.dispose()
    opened: list[Any] = []
    try:
        # Marie works on A (logged in through B: sessions live in the database).
        marie_token = await agent_login(b.url, "marie@ville.ca", PASSWORD)
        marie = await AgentClient(a.url).connect(marie_token)
        opened.append(marie)
        await marie.next("hello")

        # A citizen on B asks for a person: auto-assigned to Marie on A.
        first, first_id = await citizen(b.url, rasa, "Bonjour, un agent svp")
        opened.append(first)
        assert (await handoff(b.url, first_id))["position"] == 1
        assigned = await marie.next("assigned", by="auto")
        assert assigned["conversation"]["conversation_id"] == first_id
        await citizen_next(first, "system_message", kind="agent_joined")
        await eventually(lambda: {"event": "pause"} in rasa.events[first_id])

        # They talk across processes, both ways, typing included.
        sent = await marie.call("reply", {"conversation_id": first_id, "text": "Bonjour de A"})
        assert sent["ok"]
        said = await citizen_next(first, "bot_uttered", sender="agent")
        assert said["text"] == "Bonjour de A" and said["agent_name"] == "Marie"
        await first.utter("Bonjour de B")
        heard = await marie.next("message", message__text="Bonjour de B")
        assert heard["conversation_id"] == first_id
        await first.call("typing", {"typing": True})
        assert (await marie.next("typing"))["typing"] is True
        await marie.call("typing", {"conversation_id": first_id, "typing": True})
        assert (await citizen_next(first, "typing"))["agent_name"] == "Marie"

        # Two more citizens, one per process: Marie is full, so they queue in order.
        second, second_id = await citizen(a.url, rasa, "Deuxième")
        third, third_id = await citizen(b.url, rasa, "Troisième")
        opened += [second, third]
        assert (await handoff(a.url, second_id))["position"] == 1
        assert (await handoff(b.url, third_id))["position"] == 2
        assert (await citizen_next(third, "system_message", kind="queue_position"))["position"] == 2
        queue = await marie.next("queue", queue__1__conversation_id=third_id)
        assert [item["position"] for item in queue["queue"]] == [1, 2]

        # Marie resolves on A: the second goes to her, the third moves up exactly once.
        assert (await marie.call("resolve", {"conversation_id": first_id}))["ok"]
        await eventually(lambda: {"event": "resume"} in rasa.events[first_id])
        taken = await marie.next("assigned", by="auto")
        assert taken["conversation"]["conversation_id"] == second_id
        update = await citizen_next(third, "system_message", kind="queue_position")
        assert update["position"] == 1
        await asyncio.sleep(1.0)  # both processes had time to announce, had they both
        extra = [e for e in third.pending("system_message") if e["kind"] == "queue_position"]
        assert extra == []

        # Paul on B and Marie on A (both beyond their maximum) claim the third at once.
        paul = await AgentClient(b.url).connect(await agent_login(a.url, "paul@ville.ca", PASSWORD))
        opened.append(paul)
        await paul.next("hello")
        results = await asyncio.gather(
            marie.call("claim", {"conversation_id": third_id}),
            paul.call("claim", {"conversation_id": third_id}),
        )
        assert sorted(r["ok"] for r in results) == [False, True]
        assert next(r for r in results if not r["ok"])["error"] == "already_claimed"

        # Logging out on B cuts Marie's socket on A; the token is dead everywhere.
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                b.url + "/api/v1/agent/logout",
                headers={"Cookie": f"livechat_agent={marie_token}"},
            ) as response,
        ):
            assert response.status == 204
        assert await marie.next("session_ended") == {"reason": "logout"}
        await eventually(lambda: not marie.sio.connected)
        for url in (a.url, b.url):
            replay = AgentClient(url)
            with pytest.raises(Exception, match="unauthorized"):
                await replay.connect(marie_token)
    finally:
        await close_all(opened)
