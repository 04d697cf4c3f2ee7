"""(2) Messages per second with N concurrent conversations: the gateway against Rasa alone.

Each conversation sends its messages one after the other, each after the previous reply. Rasa
alone: N senders on POST /webhooks/rest/webhook. Gateway: N real Socket.IO citizens.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp

from bench.common import MESSAGES, Stack, rest_round_trip
from tests.support.citizen import CitizenClient


async def throughput(stack: Stack, concurrency: int, per_conversation: int) -> dict[str, Any]:
    """(2) messages per second with N concurrent conversations, gateway against Rasa alone."""

    async def rest_worker(http: aiohttp.ClientSession) -> None:
        sender = f"bench-{uuid.uuid4().hex}"
        for i in range(per_conversation):
            await rest_round_trip(http, stack.rasa_url, sender, MESSAGES[i % len(MESSAGES)])

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(rest_worker(http) for _ in range(concurrency)))
        rest_rate = concurrency * per_conversation / (time.perf_counter() - started)
    web_rate = await web_throughput(stack.gateway_url, concurrency, per_conversation)
    return {"concurrency": concurrency, "messages": concurrency * per_conversation,
            "rasa_rest_msg_per_s": round(rest_rate, 1), "gateway_web_msg_per_s": round(web_rate, 1),
            "ratio": round(web_rate / rest_rate, 3)}


async def web_throughput(gateway_url: str, concurrency: int, per_conversation: int,
                         sessions: list[str] | None = None) -> float:
    """Messages per second of `concurrency` web citizens; their session ids go in `sessions`."""

    async def web_worker() -> None:
        citizen = CitizenClient(gateway_url)
        session = await citizen.connect()
        if sessions is not None:
            sessions.append(session)
        for i in range(per_conversation):
            await citizen.ask(MESSAGES[i % len(MESSAGES)])
        await citizen.close()

    started = time.perf_counter()
    await asyncio.gather(*(web_worker() for _ in range(concurrency)))
    return concurrency * per_conversation / (time.perf_counter() - started)
