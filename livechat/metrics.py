"""Prometheus metrics of the gateway: one registry per application, served at GET /metrics.

Counters and histograms move where things happen (the router, the agent intake, SMS delivery);
gauges that describe shared state (queue length, agents online) are read from the database
when /metrics is scraped, by refreshers the wings register. No contact detail is ever a label.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from livechat.errors import BotUnavailable

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
REFRESH_TIMEOUT = 5.0
# Rasa answers in tens of milliseconds to a few seconds; its timeout is 30 s by default.
BOT_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ERROR_KINDS = ("bot_unavailable", "storage_unavailable", "delivery_failed")
HANDOFF_OUTCOMES = ("queued", "closed", "no_agent")
# Sets gauges from shared state just before a scrape.
Refresher = Callable[["GatewayMetrics"], Awaitable[None]]


class GatewayMetrics:
    """The gateway's metrics in a registry of their own (never prometheus_client's global
    default one), so several applications in one process, as in tests, stay independent."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.messages = Counter(
            "livechat_messages",
            "Conversation messages through the router: citizen messages accepted for handling"
            " (incoming) and replies sent out (outgoing).",
            ["channel", "direction", "sender"],
            registry=registry,
        )
        self.bot_latency = Histogram(
            "livechat_bot_latency_seconds",
            "Round trip of one citizen message to Rasa and back (outcome ok or unavailable).",
            ["outcome"],
            buckets=BOT_LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue_length = Gauge(
            "livechat_queue_length",
            "Conversations queued for an agent (waiting: in line now; offline: messages left"
            " outside business hours).",
            ["kind"],
            registry=registry,
        )
        self.agents_online = Gauge(
            "livechat_agents_online",
            "Agents taking chats now: active, connected and not away.",
            registry=registry,
        )
        self.handoffs = Counter(
            "livechat_handoffs",
            "Requests to hand a conversation to an agent, by outcome (queued, or declined"
            " because the city is closed or no agent is online).",
            ["outcome"],
            registry=registry,
        )
        self.errors = Counter(
            "livechat_errors",
            "Failures a citizen may notice: bot unavailable, storage unavailable, delivery failed.",
            ["kind"],
            registry=registry,
        )
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        self.refreshers: list[Refresher] = []
        # Every label value we know is shown from the start (at 0), so rates need no guessing.
        for kind in ERROR_KINDS:
            self.errors.labels(kind)
        for outcome in HANDOFF_OUTCOMES:
            self.handoffs.labels(outcome)
        for kind in ("waiting", "offline"):
            self.queue_length.labels(kind)

    def message(self, channel: str, direction: str, sender: str) -> None:
        """Count one message of a conversation."""
        self.messages.labels(channel, direction, sender).inc()

    def error(self, kind: str) -> None:
        """Count one failure (one of ERROR_KINDS)."""
        self.errors.labels(kind).inc()

    def handoff(self, outcome: str) -> None:
        """Count one hand-off request (one of HANDOFF_OUTCOMES)."""
        self.handoffs.labels(outcome).inc()

    @contextlib.contextmanager
    def bot_call(self) -> Iterator[None]:
        """Time a call to Rasa; BotUnavailable also counts as a `bot_unavailable` error."""
        started = time.perf_counter()
        outcome = "ok"
        try:
            yield
        except BotUnavailable:
            outcome = "unavailable"
            self.error("bot_unavailable")
            raise
        finally:
            self.bot_latency.labels(outcome).observe(time.perf_counter() - started)

    async def refresh(self) -> None:
        """Run the refreshers; a failing one leaves its gauges at their last value."""
        for refresher in list(self.refreshers):
            try:
                await asyncio.wait_for(refresher(self), REFRESH_TIMEOUT)
            except Exception as error:  # a scrape must still answer
                log.warning("metrics refresh failed", extra={"error": repr(error)})

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format (version 0.0.4)."""
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", GatewayMetrics)


async def metrics_endpoint(request: web.Request) -> web.Response:
    """GET /metrics; when METRICS_TOKEN is set, only with `Authorization: Bearer <token>`."""
    from livechat import keys  # here: keys imports the router, which imports this module

    token = request.app[keys.SETTINGS].metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise web.HTTPUnauthorized(
                text="metrics need a bearer token (METRICS_TOKEN)",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    metrics = request.app[METRICS]
    await metrics.refresh()
    return web.Response(
        body=metrics.exposition(),
        headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"},
    )


def setup_metrics(app: web.Application) -> GatewayMetrics:
    """Give the application its metrics and the /metrics route."""
    metrics = GatewayMetrics()
    app[METRICS] = metrics
    app.router.add_get(METRICS_PATH, metrics_endpoint, name="metrics")
    return metrics
