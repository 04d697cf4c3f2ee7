"""`make soak`: simulated citizens (web and SMS) and agents for a while, twice: on the embedded
default (SQLite, no Redis) and on PostgreSQL + Redis. Checks zero lost or duplicated messages
(each citizen's sends and receipts against the database: bench/soak_check.py), zero HTTP 5xx
and chat errors, and that memory stays flat (RSS of each process sampled every 10 s; the
least-squares slope). Prints the figures and writes results/soak.json.

    python -m bench.soak --minutes 10 --citizens 200      (the issue's soak; `make soak`)
    python -m bench.soak --minutes 1 --citizens 20        (a quick check)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from bench.agent import Agent, add_agent
from bench.common import (
    ROOT,
    Stack,
    bench_stack,
    process_rss,
    raise_open_files_limit,
    slope_per_minute,
)
from bench.services import Stores, private_redis, throwaway_database
from bench.soak_actors import Pace, SmsCitizen, Tally, WebCitizen, agent_work
from bench.soak_check import Ledger, check_sms, check_web, stored_rows
from bench.twilio import TimedTwilio

CONFIGS = ("embedded", "postgres")
FLAT_MB_PER_MINUTE = 1.0  # a slope under this is "flat" (allocator noise, caches warming)


@contextlib.asynccontextmanager
async def configuration(name: str, work: Path, twilio_url: str) -> AsyncIterator[Stack]:
    """The stack of one configuration, with its throwaway stores."""
    if name == "embedded":
        yield bench_stack(work, twilio_url)
        return
    async with throwaway_database("soak_gw") as gateway_db, \
            throwaway_database("soak_rasa") as rasa_db:
        with private_redis() as port:
            gateway = Stores(gateway_db, port)
            env = {"DATABASE_URL": gateway.database_url, "REDIS_URL": gateway.redis_url}
            yield bench_stack(work, twilio_url, env,
                              rasa_stores=Stores(rasa_db, port).rasa_stores())


async def sample_memory(stack: Stack, every: float, samples: dict[str, list[tuple[float, float]]],
                        stop: asyncio.Event) -> None:
    started = time.monotonic()
    while not stop.is_set():
        for name in ("gateway", "rasa", "actions"):
            with contextlib.suppress(Exception):
                samples.setdefault(name, []).append(
                    (time.monotonic() - started, process_rss(stack, name) / 2**20))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


def log_errors(stack: Stack) -> int:
    """ERROR / CRITICAL records and tracebacks in the gateway's log."""
    path = stack.service("gateway").log_path
    if path is None or not path.exists():
        return 0
    return sum(1 for line in path.read_text(errors="replace").splitlines()
               if '"ERROR"' in line or '"CRITICAL"' in line or line.startswith("Traceback"))


async def soak_once(args: argparse.Namespace, name: str, work: Path,
                    twilio: TimedTwilio) -> dict[str, Any]:
    tally, ledger = Tally(), Ledger()
    memory: dict[str, list[tuple[float, float]]] = {}
    async with configuration(name, work, twilio.url) as stack:
        try:
            await asyncio.to_thread(stack.start, 600)
            agents = []
            for index in range(args.agents):
                email, password = Agent.new_credentials(index)
                await asyncio.to_thread(add_agent, stack.gateway_env, email, password, 10)
                agents.append(Agent(stack.gateway_url, email, password))
            for agent in agents:
                await agent.connect()
            sms_count = round(args.citizens * args.sms_share)
            web = [WebCitizen(stack.gateway_url) for _ in range(args.citizens - sms_count)]
            sms = [SmsCitizen(stack.gateway_url, twilio, f"+1705555{n:04d}")
                   for n in range(sms_count)]
            pace = Pace(until=time.monotonic() + args.minutes * 60,
                        think=args.citizens / args.rate, handoff_share=args.handoff_share)
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_memory(stack, 10, memory, stop))
            workers = [asyncio.create_task(agent_work(a, stop)) for a in agents]
            started = time.monotonic()
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                await asyncio.gather(*(c.run(pace, tally) for c in web),
                                     *(c.run(http, pace, tally) for c in sms))
            elapsed = time.monotonic() - started
            stop.set()
            await asyncio.wait_for(asyncio.gather(*workers), 300)
            await asyncio.sleep(5)  # the last replies in flight
            await sampler
            rows = await stored_rows(stack.gateway_env.get("DATABASE_URL", ""))
            for citizen in web:
                check_web(ledger, rows, citizen.session, citizen.sent_ids, citizen.received())
            for texter in sms:
                check_sms(ledger, rows, texter.phone, texter.sent_sids,
                          [m.sid for m in twilio.to(texter.phone)])
            for citizen in web:
                await citizen.close()
            for agent in agents:
                tally.agent_failures += len(agent.failures)
                await agent.close()
            errors = log_errors(stack)
        finally:
            await asyncio.to_thread(stack.stop)
    return figures(name, args, tally, ledger, memory, elapsed, errors, len(web), len(sms))


def memory_figures(samples: list[tuple[float, float]]) -> dict[str, Any]:
    """Start, end, slope over the whole run and over the steady part (after the warm-up: the
    first minute or fifth of the run, whichever is longer; None when under 6 samples remain)."""
    warm = max(60.0, samples[-1][0] / 5)
    steady = [s for s in samples if s[0] >= warm]
    return {"start_mb": round(samples[0][1], 1), "end_mb": round(samples[-1][1], 1),
            "slope_mb_per_min": round(slope_per_minute(samples), 2),
            "steady_slope_mb_per_min": (round(slope_per_minute(steady), 2)
                                        if len(steady) >= 6 else None),
            "samples": len(samples)}


def figures(name: str, args: argparse.Namespace, tally: Tally, ledger: Ledger,
            memory: dict[str, list[tuple[float, float]]], elapsed: float, errors: int,
            web: int, sms: int) -> dict[str, Any]:
    mem = {p: memory_figures(s) for p, s in memory.items() if s}
    ok = (ledger.lost == 0 and ledger.duplicated == 0 and tally.http_5xx == 0
          and tally.chat_errors == 0)
    steady = [m["steady_slope_mb_per_min"] for m in mem.values()]
    flat = None if None in steady else all(v < FLAT_MB_PER_MINUTE for v in steady)
    return {"configuration": name, "minutes": round(elapsed / 60, 2), "web_citizens": web,
            "sms_citizens": sms, "agents": args.agents, "messages_sent": tally.sent,
            "msg_per_s": round(tally.sent / elapsed, 2), "unanswered": tally.unanswered,
            "chat_errors": tally.chat_errors, "http_statuses": tally.http_statuses,
            "http_5xx": tally.http_5xx, "handoffs": tally.handoffs,
            "handoffs_answered": tally.handoffs_answered, "agent_failures": tally.agent_failures,
            "gateway_log_errors": errors, "delivery": ledger.as_dict(), "memory": mem,
            "no_loss_no_dup_no_5xx": ok, "memory_flat": flat}


def print_figures(r: dict[str, Any]) -> None:
    d = r["delivery"]
    print(f"==> soak, {r['configuration']}: {r['minutes']} min, {r['web_citizens']} web + "
          f"{r['sms_citizens']} SMS citizens, {r['agents']} agents")
    print(f"    {r['messages_sent']} citizen messages ({r['msg_per_s']} msg/s), "
          f"{r['handoffs']} hand-offs ({r['handoffs_answered']} answered by an agent), "
          f"{r['unanswered']} unanswered within 60 s")
    print(f"    checked {d['checked_in']} messages in and {d['checked_out']} out against the "
          f"database: {d['lost']} lost, {d['duplicated']} duplicated {d['examples'] or ''}")
    print(f"    HTTP statuses {r['http_statuses']}, 5xx {r['http_5xx']}, chat errors "
          f"{r['chat_errors']}, agent action failures {r['agent_failures']}, gateway log "
          f"errors {r['gateway_log_errors']}")
    for process, m in r["memory"].items():
        print(f"    {process:<8} RSS {m['start_mb']} -> {m['end_mb']} MB, slope "
              f"{m['slope_mb_per_min']} MB/min, after the warm-up "
              f"{m['steady_slope_mb_per_min']} MB/min ({m['samples']} samples every 10 s)")
    flat = {None: "too short to judge", True: "yes", False: "NO"}[r["memory_flat"]]
    verdict = "PASS" if r["no_loss_no_dup_no_5xx"] and r["memory_flat"] is not False else "FAIL"
    print(f"    {verdict}: no loss/duplicate/5xx {r['no_loss_no_dup_no_5xx']}; memory flat "
          f"after the warm-up (< {FLAT_MB_PER_MINUTE} MB/min): {flat}", flush=True)


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    raise_open_files_limit()
    results = []
    for name in args.configs:
        twilio = TimedTwilio()
        await twilio.start()
        try:
            with tempfile.TemporaryDirectory(prefix=f"city311-soak-{name}-") as work:
                print(f"==> soak on the {name} configuration", flush=True)
                result = await soak_once(args, name, Path(work), twilio)
        finally:
            await twilio.stop()
        print_figures(result)
        results.append(result)
    return results


def interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--sms-share", type=float, default=0.3, help="share of SMS citizens")
    parser.add_argument("--rate", type=float, default=2.0,
                        help="citizen messages per second, all citizens together")
    parser.add_argument("--handoff-share", type=float, default=0.05,
                        help="share of messages asking for a human")
    parser.add_argument("--configs", nargs="*", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "soak.json")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    results = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                    "settings": {k: str(v) if isinstance(v, Path) else v
                                                 for k, v in vars(args).items()},
                                    "runs": results}, indent=2) + "\n")
    print(f"==> results written to {args.out}")


if __name__ == "__main__":
    main()
