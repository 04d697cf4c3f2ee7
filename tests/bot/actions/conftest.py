"""A stand-in gateway over a real socket: the bot's actions only ever reach the gateway by HTTP.

Each test tells it how to answer (`FakeGateway.reply`) and reads what it received. Routes and
error shapes are the gateway's (livechat/requests/api.py); the handoff route is the one the
bot proposes to the gateway (see bot/actions/gateway_client.py).
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web


@dataclass
class Received:
    method: str
    path: str
    raw_path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGateway:
    url: str
    received: list[Received] = field(default_factory=list)
    # (status, JSON body or raw text) per "METHOD path"
    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)
    # answers given once each, in order, before `replies`
    queued: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def reply(self, method: str, path: str, status: int, body: Any) -> None:
        self.replies[f"{method} {path}"] = (status, body)

    def reply_once(self, method: str, path: str, status: int, body: Any) -> None:
        self.queued.setdefault(f"{method} {path}", []).append((status, body))


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    fake = FakeGateway(url="")

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        fake.received.append(
            Received(request.method, request.path, request.raw_path, dict(request.headers), body)
        )
        key = f"{request.method} {request.path}"
        if fake.queued.get(key):
            status, answer = fake.queued[key].pop(0)
        elif key not in fake.replies:
            return web.json_response({"error": "not_found"}, status=404)
        else:
            status, answer = fake.replies[key]
        if isinstance(answer, str):
            return web.Response(status=status, text=answer, content_type="text/html")
        return web.json_response(answer, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


@pytest.fixture
def closed_port_url() -> str:
    """A URL where nothing listens (a port we bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


CATALOGUE_FILE = Path(__file__).resolve().parents[3] / "livechat" / "catalogue" / "services.json"


@pytest.fixture
def catalogue_body() -> dict[str, Any]:
    """GET /api/v1/services as the gateway serves it: the city's real catalogue."""
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return {"default_language": data["default_language"], "services": data["services"]}
