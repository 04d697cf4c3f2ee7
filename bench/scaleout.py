"""(6) Two Rasa servers sharing a SQL tracker store and a Redis lock store behind one gateway.

Both Rasa servers use a throwaway PostgreSQL database as tracker store and a private Redis as
lock store. Gateway "two" has RASA_URL=rasa1,rasa2 (used in turn, request by request, so one
conversation's messages go to either server); gateway "one" has RASA_URL=rasa1 only, same
stores. Same web workload through each (N concurrent conversations), then pipelined citizens
on "two" (several messages sent without waiting for the replies). Every conversation of "two"
is then read back from rasa1 (GET /conversations/{id}/tracker) and its user messages compared
with what was sent, in order: a turn handled by rasa2 and missing from the shared tracker, or
two turns swapped, is counted.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench.common import (
    GATEWAY_PYTHON,
    MESSAGES,
    ROOT,
    BenchError,
    Service,
    Stack,
    bench_stack,
    free_port,
    gateway_env,
)
from bench.services import Stores, conversation_ids, stores
from bench.throughput import web_throughput
from tests.support.citizen import CitizenClient

BOT_PYTHON = ROOT / ".venvs" / "bot" / "bin" / "python"


def order_problems(sent: list[str], events: list[dict[str, Any]]) -> list[str]:
    """What differs between the texts sent and the tracker's user turns (empty: in order)."""
    got = [str(e.get("text")) for e in events if e.get("event") == "user"]
    if got == sent:
        return []
    want, have = Counter(sent), Counter(got)
    if want == have:
        return [f"out of order: sent {sent}, processed {got}"]
    problems = []
    if missing := sorted((want - have).elements()):
        problems.append(f"missing {missing}")
    if extra := sorted((have - want).elements()):
        problems.append(f"unexpected or repeated {extra}")
    return problems


def prepare_tracker_table(store: Stores) -> None:
    """Create Rasa's events table once, so that two servers starting together do not race."""
    code = ("from rasa.core.tracker_store import SQLTrackerStore\n"
            f"SQLTrackerStore(dialect='postgresql', host='127.0.0.1', port=5432, "
            f"db='{store.database}', username='postgres')\n")
    done = subprocess.run([str(BOT_PYTHON), "-c", code], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise BenchError(f"Rasa tracker table not created: {done.stderr[-400:]}")


def baseline_gateway(stack: Stack, work: Path, twilio_url: str) -> tuple[Service, str]:
    """A second gateway process on rasa1 only, with its own database; (service, url)."""
    port = free_port()
    env = {"HOST": stack.host, "PORT": str(port), "RASA_URL": stack.rasa_url,
           "ACTIONS_URL": stack.actions_url, "PUBLIC_URL": f"http://{stack.host}:{port}",
           **gateway_env(work / "one", twilio_url)}
    url = f"http://{stack.host}:{port}"
    service = Service(name="gateway-one", ready_url=f"{url}/health", env=env,
                      command=[str(GATEWAY_PYTHON), "-m", "livechat", "serve", "--host",
                               stack.host, "--port", str(port)])
    return service, url


def start_both(stack: Stack, one: Service) -> None:
    """The stack (two Rasa servers, gateway "two"), then gateway "one"; stopped together."""
    stack.start(600)
    one.start(stack.log_dir)
    stack.services.append(one)
    stack.wait_ready(one, time.monotonic() + 120)


def cpu_seconds(stack: Stack, name: str) -> float:
    process = stack.service(name).process
    assert process is not None
    root = psutil.Process(process.pid)
    return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])


async def pipelined(url: str, citizens: int, messages: int) -> list[str]:
    """Citizens sending `messages` each without waiting for replies; their session ids."""
    sessions = []

    async def one() -> None:
        citizen = CitizenClient(url)
        sessions.append(await citizen.connect())
        for text in MESSAGES[:messages]:
            await citizen.say(text)  # acked once stored; the reply comes later
        for _ in range(messages):
            await citizen.reply(timeout=120)
        await citizen.drain(quiet=0.5)
        await citizen.close()

    await asyncio.gather(*(one() for _ in range(citizens)))
    return sessions


async def check_order(stack: Stack, work: Path, sent: dict[str, list[str]]) -> dict[str, Any]:
    """Read every conversation back from rasa1's shared tracker; count the ones out of order."""
    ids = await conversation_ids(f"sqlite+aiosqlite:///{work}/livechat.db", list(sent))
    problems: dict[str, list[str]] = {}
    async with aiohttp.ClientSession() as http:
        for session, texts in sent.items():
            [conversation] = ids.get(session, ["?"])[-1:]
            async with http.get(f"{stack.rasa_url}/conversations/{conversation}/tracker",
                                params={"include_events": "ALL"}) as response:
                tracker = await response.json()
            found = order_problems(texts, tracker.get("events") or [])
            if found:
                problems[conversation] = found
    return {"conversations": len(sent), "out_of_order_or_missing": len(problems),
            "examples": dict(list(problems.items())[:3])}


async def scaleout(work: Path, twilio_url: str, concurrency: int, per_conversation: int,
                   pipelined_citizens: int) -> dict[str, Any]:
    """(6) throughput through two Rasa servers against one, and the order check."""
    async with stores() as store:
        await asyncio.to_thread(prepare_tracker_table, store)
        stack = bench_stack(work, twilio_url, rasa_stores=store.rasa_stores(),
                            extra_rasa_ports=(free_port(),))
        one, one_url = baseline_gateway(stack, work, twilio_url)
        try:
            await asyncio.to_thread(start_both, stack, one)
            one_rate = await web_throughput(one_url, concurrency, per_conversation)
            cpu_before = {n: cpu_seconds(stack, n) for n in ("rasa", "rasa2")}
            sessions: list[str] = []
            two_rate = await web_throughput(stack.gateway_url, concurrency, per_conversation,
                                            sessions)
            cpu = {n: round(cpu_seconds(stack, n) - cpu_before[n], 1) for n in cpu_before}
            sent = {s: [MESSAGES[i % len(MESSAGES)] for i in range(per_conversation)]
                    for s in sessions}
            messages = min(6, len(MESSAGES))
            for session in await pipelined(stack.gateway_url, pipelined_citizens, messages):
                sent[session] = MESSAGES[:messages]
            order = await check_order(stack, work, sent)
        finally:
            await asyncio.to_thread(stack.stop)
    return {
        "method": f"{concurrency} concurrent web conversations x {per_conversation} messages "
                  "through a gateway on rasa1 only, then through a gateway on rasa1,rasa2 "
                  "(PostgreSQL tracker store, Redis lock store, shared); then "
                  f"{pipelined_citizens} citizens sending {messages} messages without waiting; "
                  "each conversation's user turns read back from the shared tracker",
        "one_rasa_msg_per_s": round(one_rate, 1), "two_rasa_msg_per_s": round(two_rate, 1),
        "ratio": round(two_rate / one_rate, 3), "rasa_cpu_s_during_two": cpu, "order": order,
    }

