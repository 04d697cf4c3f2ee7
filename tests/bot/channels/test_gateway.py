"""GatewayInput over a real Sanic server: URL, metadata passed on only when it is a dict."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.gateway import GatewayInput

_app_names = itertools.count()


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[UserMessage]]]:
    """The channel's blueprint mounted like Rasa mounts it, on a free port."""
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")

    Sanic.test_mode = True  # lets Sanic build one app per test in the same process
    channel = GatewayInput()
    app = Sanic(f"gateway_channel_test_{next(_app_names)}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    srv = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
    assert srv is not None
    await srv.startup()
    await srv.before_start()
    await srv.after_start()
    port = srv.server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/webhooks/gateway/webhook", received
    finally:
        await srv.before_stop()
        await srv.close()
        await srv.after_stop()


async def post(url: str, body: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status, await response.json()


def test_name() -> None:
    assert GatewayInput.name() == "gateway"


async def test_metadata_dict_reaches_the_user_message(
    server: tuple[str, list[UserMessage]],
) -> None:
    url, received = server
    metadata = {"channel": "web", "conversation_id": "ab12", "language": "fr", "session_id": "s"}
    status, answer = await post(url, {"sender": "ab12", "message": "Bonjour", "metadata": metadata})
    assert (status, answer) == (200, [{"recipient_id": "ab12", "text": "echo Bonjour"}])
    [message] = received
    assert (message.sender_id, message.text, message.input_channel) == (
        "ab12",
        "Bonjour",
        "gateway",
    )
    assert message.metadata == metadata


@pytest.mark.parametrize("metadata", ["fr", ["fr"], 3, None])
async def test_metadata_that_is_not_an_object_is_dropped(
    server: tuple[str, list[UserMessage]], metadata: Any
) -> None:
    url, received = server
    status, _ = await post(url, {"sender": "ab12", "message": "hi", "metadata": metadata})
    assert status == 200
    assert received[0].metadata is None


async def test_missing_metadata(server: tuple[str, list[UserMessage]]) -> None:
    url, received = server
    assert (await post(url, {"sender": "x", "message": "hi"}))[0] == 200
    assert received[0].metadata is None


async def test_health_route(server: tuple[str, list[UserMessage]]) -> None:
    url, _ = server
    async with (
        aiohttp.ClientSession() as session,
        session.get(url.removesuffix("webhook")) as response,
    ):
        assert (response.status, await response.json()) == (200, {"status": "ok"})
