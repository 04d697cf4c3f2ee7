"""PostgreSQL restarted under load: a gateway process on a private cluster, citizens writing
without pause, `pg_ctl restart -m fast` in the middle. Every message the gateway acknowledged
is in the database afterwards, and the gateway serves again without being restarted."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import asyncpg

from tests.faults.conftest import gateway_cli
from tests.faults.helpers import eventually, health
from tests.faults.services import PrivatePostgres
from tests.support.citizen import CitizenClient

CITIZENS = 4
PAUSE = 0.25  # seconds between two messages of one citizen


class Writer:
    """One citizen writing numbered messages until told to stop; records what was acked."""

    def __init__(self, url: str, number: int) -> None:
        self.client = CitizenClient(url)
        self.number = number
        self.acked: dict[int, str] = {}  # message id -> text
        self.acked_at: list[float] = []
        self.refused: list[Any] = []

    async def run(self, stop: asyncio.Event) -> None:
        count = 0
        while not stop.is_set():
            count += 1
            text = f"Citoyen {self.number}, message {count}"
            try:
                ack = await self.client.say(text, timeout=20)
            except TimeoutError as error:  # no ack: not acknowledged, nothing promised
                self.refused.append(repr(error))
                continue
            if isinstance(ack, dict) and ack.get("ok"):
                self.acked[int(ack["message_id"])] = text
                self.acked_at.append(time.monotonic())
            else:
                self.refused.append(ack)
            await asyncio.sleep(PAUSE)


async def started_at(url: str) -> Any:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval("SELECT pg_postmaster_start_time()")
    finally:
        await connection.close()


async def stored(url: str, ids: list[int]) -> dict[int, str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id, content FROM messages WHERE id = ANY($1::bigint[]) AND sender = 'citizen'",
            ids,
        )
    finally:
        await connection.close()
    return {row["id"]: row["content"] for row in rows}


async def test_postgres_restarted_under_load(
    gateways: Any, private_postgres: PrivatePostgres
) -> None:
    database = private_postgres.url()
    env = {
        "DATABASE_URL": database,
        # Continuous writers: the per-socket rate limit must not be what refuses them.
        "RATE_LIMIT_BURST": "1000",
        "RATE_LIMIT_PER_MINUTE": "10000",
    }
    gateway_cli(env, "migrate")
    url = gateways("gateway-pg", env)
    raw_url = database.replace("postgresql+asyncpg://", "postgresql://")
    before = await started_at(raw_url)

    writers = [Writer(url, number) for number in range(1, CITIZENS + 1)]
    for writer in writers:
        await writer.client.connect()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(writer.run(stop)) for writer in writers]
    try:
        await eventually(lambda: all(len(w.acked) >= 3 for w in writers))
        await asyncio.to_thread(private_postgres.restart)
        restarted = time.monotonic()
        assert await started_at(raw_url) != before  # it really restarted
        # The gateway serves again by itself: /health is back to 200 and new messages are acked.
        await eventually(lambda: _healthy(url), timeout=60)
        await eventually(
            lambda: all(sum(t > restarted for t in w.acked_at) >= 3 for w in writers), timeout=60
        )
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in writers:
            await writer.client.close()

    acked = {i: text for writer in writers for i, text in writer.acked.items()}
    in_database = await stored(raw_url, list(acked))
    missing = {i: text for i, text in acked.items() if in_database.get(i) != text}
    assert missing == {}, f"acknowledged but not stored: {missing}"
    refused = [r for writer in writers for r in writer.refused]
    print(f"acked {len(acked)}, refused or unanswered {len(refused)}: {refused[:5]}")


async def _healthy(url: str) -> bool:
    try:
        status, _report = await health(url)
    except (OSError, aiohttp.ClientError):
        return False
    return status == 200
