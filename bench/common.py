"""What every bench part shares: the messages, percentiles, Rasa's REST channel, the stack.

The stack is the product started as `make run` starts it (scripts/stack.py) on free ports,
with a throwaway gateway database and Rasa tracker, the rate limits lifted (simulated citizens
send faster than real ones may), live chat always open, and Twilio faked in this process.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from stack import GATEWAY_PYTHON, Service, Stack, free_port  # noqa: E402

__all__ = ["GATEWAY_PYTHON", "ROOT", "Service", "Stack", "free_port"]

# Messages with a single, quick reply each, in both languages.
MESSAGES = ["Bonjour", "Hello", "merci beaucoup", "thanks a lot", "allo", "hi there",
            "merci", "thank you"]

TWILIO_SID = "AC" + "b" * 32
TWILIO_TOKEN = "bench-twilio-token"  # a throwaway secret for the bench's own fake Twilio
CITY_NUMBER = "+17055550311"


class BenchError(RuntimeError):
    """A bench part could not measure what it measures."""


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between the closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict[str, float]:
    """n, p50, p95 and mean in milliseconds of durations given in seconds."""
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2), "mean_ms": round(statistics.mean(ms), 2)}


async def rest_round_trip(http: aiohttp.ClientSession, rasa_url: str, sender: str,
                          text: str) -> float:
    """Seconds for one message through Rasa's own REST channel, reply included."""
    started = time.perf_counter()
    async with http.post(f"{rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": text}) as response:
        body = await response.json()
    elapsed = time.perf_counter() - started
    if response.status != 200 or not body:
        raise BenchError(f"Rasa REST answered {response.status}: {body}")
    return elapsed


def raise_open_files_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit (inherited by the stack's processes)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def gateway_env(work: Path, twilio_url: str, extra: Mapping[str, str] | None = None
                ) -> dict[str, str]:
    """The gateway's settings for a bench stack (SQLite in `work` unless `extra` says else)."""
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{work}/livechat.db",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_BURST": "10000",
        "RATE_LIMIT_PER_MINUTE": "100000",
        "SMS_RATE_LIMIT_PER_MINUTE": "10000",
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "MEDIA_DIR": str(work / "media"),
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": CITY_NUMBER,
        "TWILIO_API_BASE": twilio_url,
        **(extra or {}),
    }


def bench_stack(work: Path, twilio_url: str, extra_env: Mapping[str, str] | None = None,
                **options: Any) -> Stack:
    """A stack on free ports whose files all live in `work`."""
    return Stack(rasa_port=free_port(), actions_port=free_port(), gateway_port=free_port(),
                 log_dir=work / "log", tracker_db=work / "tracker.db",
                 gateway_env=gateway_env(work, twilio_url, extra_env), **options)


def process_rss(stack: Stack, name: str = "gateway") -> int:
    """Resident memory in bytes of a stack's process and its children."""
    process = stack.service(name).process
    if process is None:
        raise BenchError(f"{name} is not running")
    root = psutil.Process(process.pid)
    return int(sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) samples, per minute (0 with fewer than 2)."""
    if len(samples) < 2:
        return 0.0
    xs, ys = [t for t, _ in samples], [v for _, v in samples]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return 0.0
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den
