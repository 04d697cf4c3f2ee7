"""`make bench`: what the gateway costs on top of Rasa, measured in one run on one model.

One stack (action server, Rasa server, gateway) on free ports with a fresh tracker and
database, Twilio faked in this process; then, for (6), a second stack with two Rasa servers on
shared stores. Prints each figure with its method, writes results/bench.json, and compares
with an earlier results file given with --compare. Each part: bench/<part>.py; the methods:
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Stack, bench_stack, raise_open_files_limit
from bench.connections import connections
from bench.latency import latency
from bench.overhead import gateway_alone
from bench.report import compare_lines, report_lines, section_lines
from bench.scaleout import scaleout
from bench.sms import sms_latency, webhook_acks
from bench.throughput import throughput
from bench.twilio import TimedTwilio

PARTS = ("latency", "sms", "alone", "throughput", "connections", "scaleout")


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


def show(key: str, value: Any) -> None:
    print("\n".join(section_lines(key, value)), flush=True)


async def main_stack(args: argparse.Namespace, work: Path, twilio: TimedTwilio,
                     results: dict[str, Any]) -> None:
    """Parts (1) to (5) on one stack."""
    stack = bench_stack(work, twilio.url)
    print("==> starting the stack on free ports", flush=True)
    started = time.perf_counter()
    try:
        await asyncio.to_thread(stack.start, 300)
        results["model"] = model_figures(stack, time.perf_counter() - started)
        if "latency" in args.parts:
            print(f"... (1) web latency, {args.rounds} messages each way", flush=True)
            results["latency"] = await latency(stack, args.rounds, args.turns)
            show("latency", results["latency"])
        if "sms" in args.parts:
            print(f"... (1) SMS latency, {args.sms_rounds} messages each way", flush=True)
            results["sms_latency"] = await sms_latency(stack, twilio, args.sms_rounds, args.turns)
            show("sms_latency", results["sms_latency"])
            results["sms_ack"] = await webhook_acks(stack, twilio, args.ack_numbers,
                                                    args.ack_per_number)
            show("sms_ack", results["sms_ack"])
        if "throughput" in args.parts:
            results["throughput"] = []
            for concurrency in args.concurrency:
                print(f"... (2) throughput, {concurrency} concurrent conversations", flush=True)
                results["throughput"].append(
                    await throughput(stack, concurrency, args.per_conversation))
            show("throughput", results["throughput"])
        if "connections" in args.parts:
            print(f"... (3) {args.connections} connections", flush=True)
            results["connections"] = await connections(
                stack, stack.gateway_env, args.connections, args.client_processes,
                args.delivery_sample, args.delivery_rounds)
            show("connections", results["connections"])
    finally:
        await asyncio.to_thread(stack.stop)
    show("model", results["model"])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_open_files_limit()
    results: dict[str, Any] = {}
    twilio = TimedTwilio()
    await twilio.start()
    try:
        with tempfile.TemporaryDirectory(prefix="city311-bench-") as work:
            if set(args.parts) - {"scaleout", "alone"}:
                await main_stack(args, Path(work) / "main", twilio, results)
            if "alone" in args.parts:
                print(f"... (1b) the gateway alone, {args.rounds} messages each way", flush=True)
                results["alone"] = await gateway_alone(twilio, args.rounds, args.turns)
                show("alone", results["alone"])
            if "scaleout" in args.parts:
                print(f"... (6) two Rasa servers, {args.scaleout_concurrency} conversations",
                      flush=True)
                results["scaleout"] = await scaleout(
                    Path(work) / "scaleout", twilio.url, args.scaleout_concurrency,
                    args.per_conversation, args.pipelined)
                show("scaleout", results["scaleout"])
    finally:
        await twilio.stop()
    return results


def interrupted(_signum: int, _frame: object) -> None:
    """SIGTERM stops the bench like Ctrl-C, so the stacks it started are stopped too."""
    raise KeyboardInterrupt


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parts", nargs="*", choices=PARTS, default=list(PARTS))
    parser.add_argument("--rounds", type=int, default=300, help="web latency messages")
    parser.add_argument("--sms-rounds", type=int, default=100, help="SMS latency messages")
    parser.add_argument("--turns", type=int, default=20,
                        help="messages per conversation in the latency runs")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--per-conversation", type=int, default=10)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--delivery-sample", type=int, default=10,
                        help="conversations the agent replies to during (3)")
    parser.add_argument("--delivery-rounds", type=int, default=10)
    parser.add_argument("--ack-numbers", type=int, default=20)
    parser.add_argument("--ack-per-number", type=int, default=5)
    parser.add_argument("--scaleout-concurrency", type=int, default=16)
    parser.add_argument("--pipelined", type=int, default=8,
                        help="citizens sending without waiting for replies in (6)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json")
    parser.add_argument("--compare", type=Path, help="an earlier results file")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    results = asyncio.run(run(args))
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()}
    results["settings"] = {k: (str(v) if isinstance(v, Path) else v)
                           for k, v in vars(args).items()}
    results["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print("==> summary\n" + "\n".join(report_lines(results)))
    if args.compare:
        print("\n".join(compare_lines(json.loads(args.compare.read_text()), results)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"==> results written to {args.out}")


if __name__ == "__main__":
    main()
