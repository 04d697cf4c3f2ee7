"""GET /metrics after real traffic: web chat over Socket.IO against the fake Rasa, SMS through
the fake Twilio, hand-offs to agents logged in over HTTP; one registry per application."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from livechat import keys
from livechat.settings import Settings
from tests.livechat.agents.conftest import LiveGatewayFactory, clock, fake_rasa, make_live_gateway
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway, GatewayFactory
from tests.livechat.sms.conftest import (
    CITIZEN,
    SmsGateway,
    fake_twilio,
    make_sms_gateway,
    sms_gateway,
    sms_settings,
)

# Fixtures of the agents and SMS folders, used here too.
__all__ = [
    "clock",
    "fake_rasa",
    "fake_twilio",
    "make_live_gateway",
    "make_sms_gateway",
    "sms_gateway",
    "sms_settings",
]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape_text(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url + "/metrics", headers=headers or {}) as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def scrape(url: str) -> Samples:
    status, _, text = await scrape_text(url)
    assert status == 200, text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def chat(gateway: Gateway, make_client: Any, *words: str) -> ChatClient:
    client: ChatClient = await make_client(gateway)
    await client.request_session()
    for text in words:
        assert (await client.utter(text))["ok"] is True
        await client.next("bot_uttered")
    await gateway.app[keys.ROUTER].join()
    return client


async def test_web_chat_traffic_moves_messages_and_bot_latency(
    gateway: Gateway, make_client: Any
) -> None:
    before = await scrape(gateway.url)
    assert value(before, "livechat_messages_total", channel="web", direction="incoming",
                 sender="citizen") == 0  # fmt: skip
    for kind in ("bot_unavailable", "storage_unavailable", "delivery_failed"):
        assert ("livechat_errors_total", frozenset({("kind", kind)})) in before

    client = await chat(gateway, make_client, "Bonjour jean@example.com", "Un nid-de-poule")

    after = await scrape(gateway.url)
    web = {"channel": "web"}
    assert value(after, "livechat_messages_total", **web, direction="incoming",
                 sender="citizen") == 2  # fmt: skip
    assert value(after, "livechat_messages_total", **web, direction="outgoing", sender="bot") == 2
    assert value(after, "livechat_bot_latency_seconds_count", outcome="ok") == 2
    assert value(after, "livechat_bot_latency_seconds_sum", outcome="ok") > 0
    assert value(after, "livechat_errors_total", kind="bot_unavailable") == 0
    _, content_type, text = await scrape_text(gateway.url)
    assert content_type.startswith("text/plain; version=0.0.4")
    # Nothing a citizen wrote or is known by is a label.
    assert client.session_id is not None and client.session_id not in text
    assert "jean@example.com" not in text and "nid-de-poule" not in text


async def test_bot_down_counts_an_error_and_the_notice(
    make_gateway: GatewayFactory, make_client: Any, closed_url: str
) -> None:
    gateway = await make_gateway(rasa_url=closed_url)
    await chat(gateway, make_client, "Bonjour")
    samples = await scrape(gateway.url)
    assert value(samples, "livechat_errors_total", kind="bot_unavailable") == 1
    assert value(samples, "livechat_bot_latency_seconds_count", outcome="unavailable") == 1
    assert value(samples, "livechat_bot_latency_seconds_count", outcome="ok") == 0
    assert value(samples, "livechat_messages_total", channel="web", direction="outgoing",
                 sender="system") == 1  # fmt: skip


async def test_each_application_has_its_own_registry(
    make_gateway: GatewayFactory, make_client: Any
) -> None:
    busy, idle = await make_gateway(), await make_gateway()
    await chat(busy, make_client, "Bonjour")
    incoming = {"channel": "web", "direction": "incoming", "sender": "citizen"}
    assert value(await scrape(busy.url), "livechat_messages_total", **incoming) == 1
    assert value(await scrape(idle.url), "livechat_messages_total", **incoming) == 0


async def test_metrics_token_requires_the_bearer(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(metrics_token="s3cret-metrics")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-metrics"}):
        status, _, text = await scrape_text(gateway.url, headers)
        assert status == 401 and "METRICS_TOKEN" in text
    status, _, text = await scrape_text(gateway.url, {"Authorization": "Bearer s3cret-metrics"})
    assert status == 200 and "livechat_messages" in text


def test_metrics_token_comes_from_the_environment_and_is_masked() -> None:
    settings = Settings.from_env({"METRICS_TOKEN": "s3cret-metrics"}, env_file=None)
    assert settings.metrics_token == "s3cret-metrics"
    assert settings.safe_items()["metrics_token"] == "***"
    assert "s3cret-metrics" not in repr(settings)


async def test_handoffs_queue_length_and_agents_online(
    make_live_gateway: LiveGatewayFactory,
) -> None:
    live = await make_live_gateway(env={"AUTO_ASSIGN": "false"})
    _citizen, conversation_id = await live.citizen("Je veux parler à quelqu'un")
    assert (await live.handoff(conversation_id))["status"] == "no_agent"
    samples = await scrape(live.url)
    assert value(samples, "livechat_handoffs_total", outcome="no_agent") == 1
    assert value(samples, "livechat_agents_online") == 0
    assert value(samples, "livechat_queue_length", kind="waiting") == 0

    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    assert (await value_soon(live.url, "livechat_agents_online")) == 1
    assert (await live.handoff(conversation_id))["status"] == "queued"
    samples = await scrape(live.url)
    assert value(samples, "livechat_handoffs_total", outcome="queued") == 1
    assert value(samples, "livechat_queue_length", kind="waiting") == 1

    assert (await marie.call("claim", {"conversation_id": conversation_id}))["ok"]
    assert value(await scrape(live.url), "livechat_queue_length", kind="waiting") == 0


async def value_soon(url: str, name: str, tries: int = 50) -> float:
    """A gauge read from the database, once the change that moves it is committed."""
    figure = 0.0
    for _ in range(tries):
        figure = value(await scrape(url), name)
        if figure:
            return figure
        await asyncio.sleep(0.1)
    return figure


async def test_sms_messages_and_delivery_failures(sms_gateway: SmsGateway) -> None:
    sms_gateway.twilio.fail_next(2)
    await sms_gateway.sms("Bonjour")
    await sms_gateway.wait_retries()
    samples = await scrape(sms_gateway.url)
    sms = {"channel": "sms"}
    assert value(samples, "livechat_messages_total", **sms, direction="incoming",
                 sender="citizen") == 1  # fmt: skip
    assert value(samples, "livechat_messages_total", **sms, direction="outgoing", sender="bot") == 1
    assert value(samples, "livechat_errors_total", kind="delivery_failed") == 2
    assert CITIZEN.lstrip("+") not in (await scrape_text(sms_gateway.url))[2]


async def test_database_down_counts_storage_errors(
    make_gateway: GatewayFactory, make_client: Any, closed_url: str
) -> None:
    port = closed_url.rsplit(":", 1)[1]
    gateway = await make_gateway(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    client: ChatClient = await make_client(gateway)
    await client.request_session("metrics-outage")
    assert (await client.utter("Bonjour"))["error"] == "storage_unavailable"
    async with (
        aiohttp.ClientSession() as session,
        session.get(gateway.url + "/api/v1/sessions/metrics-outage/messages") as response,
    ):
        assert response.status == 503
    samples = await scrape(gateway.url)
    assert value(samples, "livechat_errors_total", kind="storage_unavailable") == 2
    assert value(samples, "livechat_messages_total", channel="web", direction="incoming",
                 sender="citizen") == 0  # fmt: skip
