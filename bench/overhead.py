"""The gateway alone: its own cost per message, with a Rasa that answers at once.

`make bench` compares the gateway with Rasa's REST channel on a real model, where Rasa's own
40-60 ms hide what the gateway does. Here a fake Rasa (and action server) in this process
answers instantly, so the figures are the gateway's: round trip over web chat and over SMS
against the same fake's REST endpoint called directly (one HTTP hop, the floor), and the
gateway process's CPU time per message (read from the OS, so it holds on a busy machine).

    .venvs/gateway/bin/python -m bench.overhead [--rounds 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from aiohttp import web

from bench.common import MESSAGES, Stack, free_port, gateway_env, summary
from bench.sms import new_phone
from bench.twilio import TimedTwilio, post_sms
from tests.support.citizen import CitizenClient
from tests.support.threaded_app import ThreadedApp

REPLY = {"fr": "Bonjour! Comment puis-je vous aider?", "en": "Hello! How can I help you?"}


def fake_rasa_app() -> web.Application:
    """Rasa's REST and gateway channels, /status and the action server's /health, instant."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        language = (body.get("metadata") or {}).get("language") or "fr"
        return web.json_response([{"recipient_id": body["sender"], "text": REPLY[language]}])

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"model_id": "fake-instant", "model_file": "fake.tar.gz",
                                  "num_active_training_jobs": 0})

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhooks/gateway/webhook", webhook)
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/status", status)
    app.router.add_get("/health", ok)
    app.router.add_get("/", ok)
    return app


async def direct(http: aiohttp.ClientSession, url: str, text: str) -> float:
    """One POST to the fake's REST channel: the floor any path through HTTP pays."""
    started = time.perf_counter()
    async with http.post(f"{url}/webhooks/rest/webhook",
                         json={"sender": "floor", "message": text}) as response:
        await response.read()
    return time.perf_counter() - started


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU time of the process (all its threads)."""
    times = process.cpu_times()
    return float(times.user + times.system)


def system_seconds(process: psutil.Process) -> float:
    """System CPU time alone (socket and file I/O in the kernel)."""
    return float(process.cpu_times().system)


async def measure(stack: Stack, rasa_url: str, twilio: TimedTwilio, rounds: int,
                  turns: int, paths: tuple[str, ...] = ("web", "sms")) -> dict[str, Any]:
    """Web and SMS round trips and the gateway's CPU per message, each against the floor."""
    gateway = stack.service("gateway").process
    assert gateway is not None
    process = psutil.Process(gateway.pid)
    floor: list[float] = []
    web_times: list[float] = []
    sms_times: list[float] = []
    web_cpu = sms_cpu = 0.0
    system_before = 0.0
    citizen: CitizenClient | None = None
    phone = ""
    async with aiohttp.ClientSession() as http:
        for i in range(-20, rounds):  # the first 20 warm up
            text = MESSAGES[i % len(MESSAGES)]
            if citizen is None or i % turns == 0:
                if citizen is not None:
                    await citizen.close()
                citizen = CitizenClient(stack.gateway_url)
                await citizen.connect()
                phone = new_phone()
            floor_s = await direct(http, rasa_url, text)
            if i == 0:
                system_before = system_seconds(process)
            before = cpu_seconds(process)
            web_s = sms_s = 0.0
            if "web" in paths:
                _, web_s = await citizen.ask(text)
                await citizen.drain(quiet=0.02)
            middle = cpu_seconds(process)
            if "sms" in paths:
                status, sent, _ = await post_sms(http, stack.gateway_url, phone, text)
                if status != 200:
                    raise RuntimeError(f"SMS webhook answered {status}")
                arrived, _ = await twilio.next_sms(phone)
                await twilio.drain(phone, quiet=0.02)
                sms_s = arrived - sent
            after = cpu_seconds(process)
            if i >= 0:
                floor.append(floor_s)
                web_times.append(web_s)
                sms_times.append(sms_s)
                web_cpu += middle - before
                sms_cpu += after - middle
    system = system_seconds(process) - system_before
    if citizen is not None:
        await citizen.close()
    base = summary(floor)
    web_summary, sms_summary = summary(web_times), summary(sms_times)
    return {
        "method": "fake Rasa answering at once (in the bench process); floor = one POST to "
                  "its REST endpoint; web = user_uttered to first bot_uttered; sms = signed "
                  "webhook to the SMS at the fake Twilio; cpu = gateway process user+system "
                  f"time per message (quiet periods of 20 ms included); {rounds} messages each",
        "floor": base, "web": web_summary, "sms": sms_summary,
        "web_added_p50_ms": round(web_summary["p50_ms"] - base["p50_ms"], 2),
        "sms_added_p50_ms": round(sms_summary["p50_ms"] - base["p50_ms"], 2),
        "web_cpu_ms_per_message": round(1000 * web_cpu / rounds, 2),
        "sms_cpu_ms_per_message": round(1000 * sms_cpu / rounds, 2),
        "system_share_of_cpu": round(system / max(web_cpu + sms_cpu, 1e-9), 2),
    }


async def gateway_alone(twilio: TimedTwilio, rounds: int, turns: int,
                        database_url: str = "", paths: tuple[str, ...] = ("web", "sms")
                        ) -> dict[str, Any]:
    """Start the fake Rasa and a gateway alone (SQLite unless `database_url`); measure."""
    fake = ThreadedApp(fake_rasa_app, free_port()).start()
    with tempfile.TemporaryDirectory(prefix="city311-alone-") as tmp:
        work = Path(tmp)
        env = gateway_env(work, twilio.url, {"DATABASE_URL": database_url} if database_url else {})
        stack = Stack(gateway_port=free_port(), log_dir=work / "log", gateway_env=env)
        gateway = next(s for s in stack.build() if s.name == "gateway")
        gateway.env.update({"RASA_URL": fake.url, "ACTIONS_URL": fake.url})
        stack.services = [gateway]
        try:
            await asyncio.to_thread(gateway.start, stack.log_dir)
            await asyncio.to_thread(stack.wait_ready, gateway, time.monotonic() + 60)
            return await measure(stack, fake.url, twilio, rounds, turns, paths)
        finally:
            await asyncio.to_thread(stack.stop)
            fake.stop()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """The fake Twilio, then `gateway_alone`."""
    twilio = TimedTwilio()
    await twilio.start()
    try:
        return await gateway_alone(twilio, args.rounds, args.turns, args.database_url,
                                   tuple(args.paths.split(",")))
    finally:
        await twilio.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--turns", type=int, default=20, help="messages per conversation")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--paths", default="web,sms", help="web, sms or both (web,sms)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
