"""GET /health: 200 when database, Rasa and actions are up; 503 naming what is down."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web

from tests.livechat.conftest import Gateway, GatewayFactory
from tests.livechat.fakes import FakeRasa


async def _health(gateway: Gateway) -> tuple[int, dict[str, Any], str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(gateway.url + "/health") as response,
    ):
        return response.status, await response.json(), await response.text()


async def test_all_up(gateway: Gateway, database_url: str) -> None:
    status, body, _ = await _health(gateway)
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["dependencies"]) == {"database", "rasa", "actions"}
    for dependency in body["dependencies"].values():
        assert dependency["status"] == "up"
        assert isinstance(dependency["latency_ms"], float | int)
        assert "error" not in dependency
    assert body["dependencies"]["rasa"]["version"] == "3.6.21"
    assert body["dependencies"]["rasa"]["model_id"] == "fake-model"
    expected_backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert body["dependencies"]["database"]["backend"] == expected_backend


async def test_rasa_down(make_gateway: GatewayFactory, closed_url: str) -> None:
    status, body, _ = await _health(await make_gateway(rasa_url=closed_url))
    assert status == 503
    assert body["status"] == "degraded"
    deps = body["dependencies"]
    assert deps["rasa"]["status"] == "down" and deps["rasa"]["error"]
    assert deps["database"]["status"] == "up"
    assert deps["actions"]["status"] == "up"


async def test_rasa_without_a_model_counts_as_down(gateway: Gateway, fake_rasa: FakeRasa) -> None:
    fake_rasa.model_loaded = False
    status, body, _ = await _health(gateway)
    assert status == 503
    assert body["dependencies"]["rasa"]["status"] == "down"
    assert "no model loaded" in body["dependencies"]["rasa"]["error"]


async def test_actions_down(make_gateway: GatewayFactory, closed_url: str) -> None:
    status, body, _ = await _health(await make_gateway(actions_url=closed_url))
    assert status == 503
    assert body["dependencies"]["actions"]["status"] == "down"
    assert body["dependencies"]["rasa"]["status"] == "up"


async def test_database_down_does_not_leak_the_url(
    make_gateway: GatewayFactory, closed_url: str
) -> None:
    port = closed_url.rsplit(":", 1)[1]
    url = f"postgresql+asyncpg://postgres:hunter2@127.0.0.1:{port}/livechat"
    status, body, text = await _health(await make_gateway(database_url=url))
    assert status == 503
    assert body["dependencies"]["database"]["status"] == "down"
    assert body["dependencies"]["rasa"]["status"] == "up"
    assert "hunter2" not in text


async def test_a_hanging_dependency_times_out(
    make_gateway: GatewayFactory, aiohttp_server: Any
) -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_get("/", hang)
    server = await aiohttp_server(app)
    gateway = await make_gateway(rasa_url=str(server.make_url("")).rstrip("/"))
    status, body, _ = await _health(gateway)
    assert status == 503
    rasa = body["dependencies"]["rasa"]
    assert rasa["status"] == "down"
    # Whichever fires first: the client's own timeout or the check's.
    assert "TimeoutError" in rasa["error"] or rasa["error"] == "no answer within 2 s"
    assert body["dependencies"]["database"]["status"] == "up"
