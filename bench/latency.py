"""(1) Bot round trip over web chat against Rasa's own REST channel on the same model.

Web: a citizen's real Socket.IO connection to the gateway (user_uttered to the first
bot_uttered: stored, sent to Rasa, reply stored, emitted). The baseline is POST
/webhooks/rest/webhook on the same Rasa process, with the same messages, interleaved one by
one so that drift on the machine hits both alike.
"""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from bench.common import MESSAGES, Stack, rest_round_trip, summary
from tests.support.citizen import CitizenClient


async def latency(stack: Stack, rounds: int, turns: int) -> dict[str, Any]:
    """(1) bot round trip over web chat against Rasa's REST channel, interleaved.

    Each path starts a new conversation every `turns` messages, as citizens do: Rasa's cost per
    message grows with the length of the tracker it loads.
    """
    rest, web = [], []
    citizen: CitizenClient | None = None
    async with aiohttp.ClientSession() as http:
        for i in range(-10, rounds):  # the first 10 warm up and are not counted
            if citizen is None or i % turns == 0:
                if citizen is not None:
                    await citizen.close()
                citizen = CitizenClient(stack.gateway_url)
                await citizen.connect()
                rest_sender = f"bench-{uuid.uuid4().hex}"
            text = MESSAGES[i % len(MESSAGES)]
            rest_elapsed = await rest_round_trip(http, stack.rasa_url, rest_sender, text)
            _, web_elapsed = await citizen.ask(text)
            await citizen.drain(quiet=0.05)  # any second reply must not count for the next one
            if i >= 0:
                rest.append(rest_elapsed)
                web.append(web_elapsed)
    if citizen is not None:
        await citizen.close()
    return compare(rest, web, "gateway_web",
                   f"same messages, interleaved, sequential, a new conversation every {turns} "
                   "messages on each path; web = user_uttered emit to first bot_uttered over a "
                   "real WebSocket; rest = POST /webhooks/rest/webhook to the same Rasa")


def compare(rest: list[float], gateway: list[float], name: str, method: str) -> dict[str, Any]:
    """The two paths' summaries and their p50/p95 ratios."""
    base, gw = summary(rest), summary(gateway)
    return {
        "method": method,
        "rasa_rest": base, name: gw,
        "ratio_p50": round(gw["p50_ms"] / base["p50_ms"], 3),
        "ratio_p95": round(gw["p95_ms"] / base["p95_ms"], 3),
        "overhead_p50_ms": round(gw["p50_ms"] - base["p50_ms"], 2),
    }
