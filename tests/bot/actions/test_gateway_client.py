"""GatewayClient against a local HTTP server: happy paths, refusals, and the gateway down."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot.actions.gateway_client import (
    DEFAULT_GATEWAY_URL,
    GatewayClient,
    GatewayRejected,
    GatewayUnavailable,
    Handoff,
)
from bot.errors import BotError, GatewayError
from tests.bot.actions.conftest import FakeGateway

HANDOFF = "/api/v1/conversations/abc123/handoff"


async def test_handoff_posts_reason_and_language(gateway: FakeGateway) -> None:
    gateway.reply("POST", HANDOFF, 202, {"status": "queued"})
    handoff = await GatewayClient(gateway.url).request_handoff(
        "abc123", reason="citizen_request", language="fr"
    )
    assert handoff == Handoff(status="queued")
    [call] = gateway.received
    assert (call.method, call.path) == ("POST", HANDOFF)
    assert call.body == {"reason": "citizen_request", "language": "fr"}
    assert "Authorization" not in call.headers


async def test_handoff_closed_with_next_opening(gateway: FakeGateway) -> None:
    gateway.reply("POST", HANDOFF, 200, {"status": "closed", "next_opening": "2025-03-17T07:30"})
    handoff = await GatewayClient(gateway.url).request_handoff("abc123", reason="x", language=None)
    assert handoff == Handoff(status="closed", next_opening="2025-03-17T07:30")


async def test_token_is_sent_as_bearer(gateway: FakeGateway) -> None:
    gateway.reply("POST", HANDOFF, 201, {"status": "assigned"})
    await GatewayClient(gateway.url + "/", token="s3cret").request_handoff(
        "abc123", reason="x", language="en", summary={"service_code": "report_pothole"}
    )
    assert gateway.received[0].headers["Authorization"] == "Bearer s3cret"
    assert gateway.received[0].body["summary"] == {"service_code": "report_pothole"}


async def test_conversation_id_is_escaped_in_the_path(gateway: FakeGateway) -> None:
    with pytest.raises(GatewayUnavailable):
        await GatewayClient(gateway.url).request_handoff("a/../b", reason="x", language="fr")
    assert gateway.received[0].raw_path == "/api/v1/conversations/a%2F..%2Fb/handoff"


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, {"error": "not_found"}), (500, {"error": "boom"}), (503, "<html>down</html>"),
     (200, "<html>proxy page</html>")],
)  # fmt: skip
async def test_handoff_failures_are_unavailable(
    gateway: FakeGateway, status: int, body: object
) -> None:
    gateway.reply("POST", HANDOFF, status, body)
    with pytest.raises(GatewayUnavailable):
        await GatewayClient(gateway.url).request_handoff("abc123", reason="x", language="fr")


async def test_gateway_down(closed_port_url: str) -> None:
    with pytest.raises(GatewayUnavailable) as caught:
        await GatewayClient(closed_port_url).request_handoff("abc123", reason="x", language="fr")
    assert isinstance(caught.value, GatewayError)
    assert isinstance(caught.value, BotError)


async def test_slow_gateway_times_out() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"status": "queued"})

    app = web.Application()
    app.router.add_post("/api/v1/conversations/{id}/handoff", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        with pytest.raises(GatewayUnavailable):
            await GatewayClient(f"http://127.0.0.1:{port}", timeout=0.2).request_handoff(
                "abc123", reason="x", language="fr"
            )
    finally:
        await runner.cleanup()


async def test_get_request_found(gateway: FakeGateway) -> None:
    body = {"service_request_id": "311-K7M-4PX-9QD", "status": "open"}
    gateway.reply("GET", "/api/v1/requests/311-K7M-4PX-9QD", 200, body)
    assert await GatewayClient(gateway.url).get_request("311-K7M-4PX-9QD") == body


async def test_get_request_not_found(gateway: FakeGateway) -> None:
    gateway.reply("GET", "/api/v1/requests/311-K7M-4PX-9QD", 404, {"error": "not_found"})
    assert await GatewayClient(gateway.url).get_request("311-K7M-4PX-9QD") is None


async def test_get_request_typo_is_rejected_with_both_messages(gateway: FakeGateway) -> None:
    error = {
        "error": "invalid_reference",
        "field": None,
        "message": {"fr": "Faute de frappe.", "en": "Typo."},
    }
    gateway.reply("GET", "/api/v1/requests/311-K7M-4PX-9QE", 400, error)
    with pytest.raises(GatewayRejected) as caught:
        await GatewayClient(gateway.url).get_request("311-K7M-4PX-9QE")
    rejected = caught.value
    assert (rejected.status, rejected.code, rejected.fr, rejected.en) == (
        400, "invalid_reference", "Faute de frappe.", "Typo.",
    )  # fmt: skip


async def test_get_request_rejection_without_a_body(gateway: FakeGateway) -> None:
    gateway.reply("GET", "/api/v1/requests/X", 400, "<html>bad</html>")
    with pytest.raises(GatewayRejected) as caught:
        await GatewayClient(gateway.url).get_request("X")
    assert caught.value.fr and caught.value.en


async def test_get_request_down(closed_port_url: str) -> None:
    with pytest.raises(GatewayUnavailable):
        await GatewayClient(closed_port_url).get_request("311-K7M-4PX-9QD")


def test_from_env_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GATEWAY_URL", "ACTIONS_TOKEN", "GATEWAY_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    client = GatewayClient.from_env()
    assert client.base_url == DEFAULT_GATEWAY_URL == "http://127.0.0.1:8080"


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_URL", "http://gw.internal:9000/")
    monkeypatch.setenv("ACTIONS_TOKEN", "t")
    monkeypatch.setenv("GATEWAY_TIMEOUT", "1.5")
    client = GatewayClient.from_env()
    assert client.base_url == "http://gw.internal:9000"
    assert client._timeout.total == 1.5
    assert client._token == "t"


async def test_get_services(gateway: FakeGateway, catalogue_body: dict) -> None:
    gateway.reply("GET", "/api/v1/services", 200, catalogue_body)
    services = await GatewayClient(gateway.url).get_services()
    assert [s["service_code"] for s in services][:2] == [
        "report_pothole",
        "report_missed_collection",
    ]


async def test_file_request_posts_the_body(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 201, {"service_request_id": "311-K7M-4PX-9QD"})
    body = {"service_code": "report_pothole", "address": "1 rue A"}
    assert await GatewayClient(gateway.url).file_request(body) == {
        "service_request_id": "311-K7M-4PX-9QD"
    }
    assert gateway.received[0].body == body


async def test_file_request_rejection_keeps_the_field(gateway: FakeGateway) -> None:
    gateway.reply("POST", "/api/v1/requests", 400, {
        "error": "validation_error", "field": "attribute[size]",
        "message": {"fr": "Taille?", "en": "Size?"},
    })  # fmt: skip
    with pytest.raises(GatewayRejected) as caught:
        await GatewayClient(gateway.url).file_request({"service_code": "report_pothole"})
    assert (caught.value.field, caught.value.fr, caught.value.en) == (
        "attribute[size]", "Taille?", "Size?",
    )  # fmt: skip


async def test_subscribe_posts_channel_address_and_language(gateway: FakeGateway) -> None:
    path = "/api/v1/requests/311-K7M-4PX-9QD/subscriptions"
    gateway.reply("POST", path, 201, {"status": "pending"})
    client = GatewayClient(gateway.url)
    assert await client.subscribe("311-K7M-4PX-9QD", "sms", "+16135550142", "fr") == "pending"
    assert gateway.received[0].body == {"channel": "sms", "address": "+16135550142",
                                        "language": "fr"}  # fmt: skip
    refusal = {"error": "validation", "message": {"fr": "Non.", "en": "No."}}
    gateway.reply("POST", path, 400, refusal)
    with pytest.raises(GatewayRejected):
        await client.subscribe("311-K7M-4PX-9QD", "email", "x", "en")
