"""The application factory: wings, static demo page, Socket.IO server options, Redis scale-out."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
import socketio

from livechat import app as app_module
from livechat import keys
from livechat.app import create_app, create_socketio_server, default_wings
from livechat.models import Direction, Sender
from livechat.settings import Settings
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway


def test_default_wings_skip_missing_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "WING_MODULES", ("livechat.no_such_wing",))
    assert default_wings() == []


def test_default_wings_do_not_hide_broken_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "WING_MODULES", ("tests.livechat.wing_broken",))
    with pytest.raises(ModuleNotFoundError):
        default_wings()


async def test_wing_routes_are_served(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, aiohttp_client: Any
) -> None:
    monkeypatch.setattr(app_module, "WING_MODULES", ("tests.livechat.wing_example",))
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/example-wing")
    assert response.status == 200
    assert await response.json() == {"wing": "example", "public_url": settings.public_url}


async def test_minimal_demo_page_is_bilingual_and_self_contained(gateway: Gateway) -> None:
    async with aiohttp.ClientSession(base_url=gateway.url) as http:
        async with http.get("/demo-minimal") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = await response.text()
        async with http.get("/static/vendor/socket.io.min.js") as response:
            assert response.status == 200
            script = await response.text()
    assert '<script src="/static/vendor/socket.io.min.js"></script>' in page
    assert '<script src="http' not in page and "cdn" not in page.lower()
    for text in ("Envoyer", "Send", "session_request", "user_uttered", "bot_uttered"):
        assert text in page
    assert script.startswith("/*!\n * Socket.IO v4")


def test_socketio_server_options() -> None:
    local = create_socketio_server(Settings())
    assert type(local.manager) is socketio.AsyncManager
    assert local.eio.cors_allowed_origins == "*"
    scaled = create_socketio_server(
        Settings(
            redis_url="redis://127.0.0.1:6379/0",
            cors_allowed_origins=("https://ville.example",),
        )
    )
    assert isinstance(scaled.manager, socketio.AsyncRedisManager)
    assert scaled.eio.cors_allowed_origins == ["https://ville.example"]


@pytest.mark.redis
async def test_two_gateways_share_rooms_through_redis(
    settings: Settings, shared_redis: str, aiohttp_server: Any, make_client: Any
) -> None:
    """A reply sent by gateway B reaches a citizen connected to gateway A."""
    gateways = []
    for _ in range(2):
        app = create_app(replace(settings, redis_url=shared_redis), wings=[])
        gateways.append(Gateway(server=await aiohttp_server(app), app=app))
    first, second = gateways
    citizen: ChatClient = await make_client(first)
    await citizen.request_session()
    await citizen.utter("hello")
    assert await citizen.next("bot_uttered") == {"text": "echo: hello"}

    store = second.app[keys.STORE]
    conversation = await store.open_web_conversation(citizen.session_id or "")
    message = await store.append_message(
        conversation.id, direction=Direction.OUTGOING, sender=Sender.AGENT, content="Bonjour!"
    )
    # The Redis manager's listener may need a moment to subscribe; retry the emit.
    for _ in range(50):
        await second.app[keys.WEB_CHAT].send_to_conversation(conversation, message)
        try:
            reply = await citizen.next("bot_uttered", timeout=0.2)
            break
        except TimeoutError:
            continue
    else:
        raise AssertionError("the reply never crossed gateways")
    assert reply == {"text": "Bonjour!"}
    await asyncio.sleep(0)
