"""(3) Many concurrent web-chat connections on one gateway process.

Client processes (`python -m bench.connections URL N`, several so that the client is not the
bottleneck) each open N real python-socketio connections (WebSocket, session_request answered
by session_confirm) once told to go, and hold them. Measured: the wall time from "go" to every
connection confirmed; the gateway's RSS (process and children, psutil) before and after, per
connection; and, while they are connected, the delivery time of an agent's replies: a few
other citizens ask for a human, the logged-in agent is assigned their conversations and
replies; p95 of the agent's emit to the citizen's bot_uttered carrying that reply.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

from bench.agent import Agent, add_agent
from bench.common import GATEWAY_PYTHON, ROOT, BenchError, Stack, process_rss, summary
from tests.support.citizen import CitizenClient


async def hold_connections(url: str, count: int, parallel: int = 50) -> None:
    """Client process: connect `count` citizens after "go" on stdin, report, hold until EOF."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"ready": True}), flush=True)
    await reader.readline()
    gate = asyncio.Semaphore(parallel)
    citizens: list[CitizenClient] = []
    failed = 0

    async def one() -> None:
        nonlocal failed
        async with gate:
            citizen = CitizenClient(url)
            try:
                await citizen.connect(timeout=60)
                citizens.append(citizen)
            except Exception:  # a refused connection is a figure, not a crash
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    print(json.dumps({"connected": len(citizens), "failed": failed,
                      "seconds": time.perf_counter() - started}), flush=True)
    await reader.readline()  # EOF or "stop"
    await asyncio.gather(*(c.close() for c in citizens), return_exceptions=True)


async def _spawn(url: str, count: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        str(GATEWAY_PYTHON), "-m", "bench.connections", url, str(count), cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 120)
    if not line:
        raise BenchError("a connection client process died on start")
    return process


async def _reply_delivery(agent: Agent, citizens: list[CitizenClient], rounds: int
                          ) -> list[float]:
    """Agent replies to each assigned conversation `rounds` times; emit-to-receipt seconds."""
    conversations = [await asyncio.wait_for(agent.assigned.get(), 120) for _ in citizens]
    received: dict[str, float] = {}
    arrived = asyncio.Event()

    async def watch(citizen: CitizenClient) -> None:
        while True:
            reply = await citizen.replies.get()
            if reply.get("sender") == "agent":
                received[str(reply.get("text"))] = time.perf_counter()
                arrived.set()

    watchers = [asyncio.create_task(watch(c)) for c in citizens]
    sent: dict[str, float] = {}
    try:
        for _ in range(rounds):
            async def one(conversation: str) -> None:
                text = f"bench reply {uuid.uuid4().hex[:12]}"
                ok, started = await agent.reply(conversation, text)
                if ok:
                    sent[text] = started
            await asyncio.gather(*(one(c) for c in conversations))
            await asyncio.sleep(0.2)
        deadline = time.monotonic() + 30
        while set(sent) - set(received) and time.monotonic() < deadline:
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
    finally:
        for task in watchers:
            task.cancel()
    lost = set(sent) - set(received)
    if lost:
        raise BenchError(f"{len(lost)} agent replies never reached the citizen")
    return [received[text] - sent[text] for text in sent]


async def connections(stack: Stack, env: Mapping[str, str], count: int, processes: int,
                      sample: int, rounds: int) -> dict[str, Any]:
    """(3) `count` connections from `processes` client processes; agent delivery meanwhile."""
    email, password = Agent.new_credentials(0)
    await asyncio.to_thread(add_agent, env, email, password, sample + 5)
    agent = Agent(stack.gateway_url, email, password)
    await agent.connect()
    askers = [CitizenClient(stack.gateway_url) for _ in range(sample)]
    clients: list[asyncio.subprocess.Process] = []
    try:
        for citizen in askers:
            await citizen.connect()
        shares = [count // processes + (1 if i < count % processes else 0)
                  for i in range(processes)]
        clients = [await _spawn(stack.gateway_url, n) for n in shares if n]
        await asyncio.sleep(2)
        rss_before = process_rss(stack)
        started = time.perf_counter()
        for client in clients:
            assert client.stdin is not None
            client.stdin.write(b"go\n")
        reports = []
        for client in clients:
            assert client.stdout is not None
            reports.append(json.loads(await asyncio.wait_for(client.stdout.readline(), 600)))
        connect_seconds = time.perf_counter() - started
        await asyncio.sleep(3)
        rss_after = process_rss(stack)
        connected = sum(r["connected"] for r in reports)
        for citizen in askers:  # asks for a human: handed off, auto-assigned to the agent
            await citizen.say("/request_human")
        delivery = await _reply_delivery(agent, askers, rounds)
    finally:
        for client in clients:
            if client.stdin is not None:
                client.stdin.close()
        for client in clients:
            try:
                await asyncio.wait_for(client.wait(), 60)
            except TimeoutError:
                client.kill()
        for citizen in askers:
            await citizen.close()
        await agent.close()
    return {
        "method": f"{processes} client processes of real python-socketio clients, WebSocket, "
                  "session_request -> session_confirm; connect time from 'go' to all confirmed; "
                  "memory = gateway RSS (psutil, with children) after minus before / "
                  f"connections; delivery = {sample} handed-off conversations auto-assigned to "
                  f"one agent, {rounds} replies each, agent emit to the citizen's bot_uttered",
        "requested": count, "connected": connected,
        "failed": sum(r["failed"] for r in reports),
        "connect_all_s": round(connect_seconds, 2),
        "rss_before_mb": round(rss_before / 2**20, 1), "rss_after_mb": round(rss_after / 2**20, 1),
        "rss_per_connection_kb": round((rss_after - rss_before) / max(connected, 1) / 1024, 1),
        "agent_delivery": summary(delivery),
    }


if __name__ == "__main__":
    asyncio.run(hold_connections(sys.argv[1], int(sys.argv[2])))
