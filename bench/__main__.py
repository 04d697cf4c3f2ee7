"""`make bench`: what the gateway costs on top of Rasa, measured in one run on one model.

Method: one stack (action server, Rasa server, gateway) on free ports with a fresh tracker and
database. The baseline is Rasa's own REST channel (POST /webhooks/rest/webhook) on the same Rasa
process; the measured path is a citizen's real Socket.IO connection to the gateway (user_uttered
to the first bot_uttered: stored, sent to Rasa, reply stored, emitted). Both send the same
messages, interleaved one by one so that drift on the machine hits both alike.

Prints each figure with its method and writes results/bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from stack import Stack, free_port  # noqa: E402

from tests.support.citizen import CitizenClient  # noqa: E402

# Messages with a single, quick reply each, in both languages.
MESSAGES = ["Bonjour", "Hello", "merci beaucoup", "thanks a lot", "allo", "hi there",
            "merci", "thank you"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2), "mean_ms": round(statistics.mean(ms), 2)}


async def rest_round_trip(http: aiohttp.ClientSession, rasa_url: str, sender: str,
                          text: str) -> float:
    started = time.perf_counter()
    async with http.post(f"{rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": text}) as response:
        body = await response.json()
    elapsed = time.perf_counter() - started
    if response.status != 200 or not body:
        raise RuntimeError(f"Rasa REST answered {response.status}: {body}")
    return elapsed


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
    base, gw = summary(rest), summary(web)
    return {
        "method": f"same messages, interleaved, sequential, a new conversation every {turns} "
                  "messages on each path; web = user_uttered emit to first bot_uttered over a "
                  "real WebSocket; rest = POST /webhooks/rest/webhook to the same Rasa",
        "rasa_rest": base, "gateway_web": gw,
        "ratio_p50": round(gw["p50_ms"] / base["p50_ms"], 3),
        "ratio_p95": round(gw["p95_ms"] / base["p95_ms"], 3),
        "overhead_p50_ms": round(gw["p50_ms"] - base["p50_ms"], 2),
    }


async def throughput(stack: Stack, concurrency: int, per_conversation: int) -> dict[str, Any]:
    """(2) messages per second with N concurrent conversations, gateway against Rasa alone."""

    async def rest_worker(http: aiohttp.ClientSession) -> None:
        sender = f"bench-{uuid.uuid4().hex}"
        for i in range(per_conversation):
            await rest_round_trip(http, stack.rasa_url, sender, MESSAGES[i % len(MESSAGES)])

    async def web_worker() -> None:
        citizen = CitizenClient(stack.gateway_url)
        await citizen.connect()
        for i in range(per_conversation):
            await citizen.ask(MESSAGES[i % len(MESSAGES)])
        await citizen.close()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(rest_worker(http) for _ in range(concurrency)))
        rest_rate = concurrency * per_conversation / (time.perf_counter() - started)
    started = time.perf_counter()
    await asyncio.gather(*(web_worker() for _ in range(concurrency)))
    web_rate = concurrency * per_conversation / (time.perf_counter() - started)
    return {"concurrency": concurrency, "messages": concurrency * per_conversation,
            "rasa_rest_msg_per_s": round(rest_rate, 1), "gateway_web_msg_per_s": round(web_rate, 1),
            "ratio": round(web_rate / rest_rate, 3)}


def model_figures(stack: Stack, rasa_ready_s: float) -> dict[str, Any]:
    """(5) training time (recorded by bootstrap when it trained) and Rasa start-up time."""
    stamp = ROOT / "models" / "city311.sha"
    cache = Path(os.environ.get("CITY311_CACHE", Path.home() / ".cache" / "city311"))
    seconds = None
    if stamp.exists():
        record = cache / "models" / f"city311-{stamp.read_text().strip()}.train-seconds"
        if record.exists():
            seconds = float(record.read_text())
    size = stack.model.stat().st_size if stack.model.exists() else None
    return {"training_s": seconds, "rasa_start_with_model_s": round(rasa_ready_s, 1),
            "model_bytes": size,
            "method": "training: wall time of `rasa train` recorded when bootstrap trained; start: "
                      "process start to HTTP ready (imports TensorFlow, loads the model)"}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="city311-bench-") as work:
        stack = Stack(
            rasa_port=free_port(), actions_port=free_port(), gateway_port=free_port(),
            log_dir=Path(work) / "log", tracker_db=Path(work) / "tracker.db",
            # A citizen is limited to 30 messages a minute; the bench's simulated ones are not.
            gateway_env={"DATABASE_URL": f"sqlite+aiosqlite:///{work}/livechat.db",
                         "LOG_LEVEL": "WARNING", "RATE_LIMIT_BURST": "10000",
                         "RATE_LIMIT_PER_MINUTE": "100000"},
        )
        print("==> starting the stack on free ports", flush=True)
        started = time.perf_counter()
        await asyncio.to_thread(stack.start, 300)
        ready = time.perf_counter() - started
        try:
            results: dict[str, Any] = {"model": model_figures(stack, ready)}
            print(f"==> (1) latency, {args.rounds} messages each way", flush=True)
            results["latency"] = await latency(stack, args.rounds, args.turns)
            report_latency(results["latency"])
            results["throughput"] = []
            for concurrency in args.concurrency:
                print(f"==> (2) throughput, {concurrency} concurrent conversations", flush=True)
                row = await throughput(stack, concurrency, args.per_conversation)
                results["throughput"].append(row)
                print(f"    Rasa REST {row['rasa_rest_msg_per_s']} msg/s, gateway web "
                      f"{row['gateway_web_msg_per_s']} msg/s, ratio {row['ratio']}", flush=True)
        finally:
            await asyncio.to_thread(stack.stop)
    m = results["model"]
    print(f"==> (5) model: trained in {m['training_s']} s (when trained by bootstrap), "
          f"Rasa up with the model in {m['rasa_start_with_model_s']} s")
    return results


def report_latency(r: dict[str, Any]) -> None:
    base, gw = r["rasa_rest"], r["gateway_web"]
    print(f"    method: {r['method']}")
    print(f"    Rasa REST channel : p50 {base['p50_ms']:8.2f} ms   p95 {base['p95_ms']:8.2f} ms")
    print(f"    gateway web chat  : p50 {gw['p50_ms']:8.2f} ms   p95 {gw['p95_ms']:8.2f} ms")
    verdict = "within" if r["ratio_p50"] <= 1.10 else "OVER"
    print(f"    ratio p50 {r['ratio_p50']:.3f} (+{r['overhead_p50_ms']} ms), ratio p95 "
          f"{r['ratio_p95']:.3f}; {verdict} the 10% target at p50", flush=True)


def interrupted(_signum: int, _frame: object) -> None:
    """SIGTERM stops the bench like Ctrl-C, so the stack it started is stopped too."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--per-conversation", type=int, default=10)
    parser.add_argument("--turns", type=int, default=20,
                        help="messages per conversation in the latency run")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    results = asyncio.run(run(args))
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()}
    results["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"==> results written to {args.out}")


if __name__ == "__main__":
    main()
