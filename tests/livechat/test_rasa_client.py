"""RasaClient against the fake Rasa over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from livechat.errors import BotUnavailable, ConfigurationError
from livechat.rasa_client import (
    PAUSE_EVENTS,
    RESUME_EVENTS,
    BotReply,
    Button,
    RasaClient,
    split_urls,
)
from livechat.settings import Settings
from tests.livechat.fakes import FakeRasa


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_send_message_parses_every_reply_kind(
    http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    rasa = RasaClient(http, fake_rasa.url)
    metadata = {"channel": "web", "conversation_id": "abc", "language": "fr"}
    assert await rasa.send_message("abc", "bonjour", metadata) == [BotReply(text="echo: bonjour")]
    assert fake_rasa.received == [{"sender": "abc", "message": "bonjour", "metadata": metadata}]

    [buttons] = await rasa.send_message("abc", "/buttons")
    assert buttons.buttons == (Button("Oui", "/affirm"), Button("Non", "/deny"))
    assert buttons.to_payload() == {
        "buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
    }
    [image] = await rasa.send_message("abc", "/image")
    assert (image.text, image.image) == (None, "https://city.example/pothole.png")
    [custom] = await rasa.send_message("abc", "/custom")
    assert custom.custom == {"kind": "map", "lat": 46.49}
    assert custom.to_payload() == {"custom": {"kind": "map", "lat": 46.49}}
    assert [r.text for r in await rasa.send_message("abc", "/paragraphs")] == ["one", "two"]


async def test_parse_and_token(http: aiohttp.ClientSession, aiohttp_server: Any) -> None:
    fake = FakeRasa(token="s3cret")
    server = await aiohttp_server(fake.app())
    url = str(server.make_url("")).rstrip("/")
    parsed = await RasaClient(http, url, token="s3cret").parse("bonjour")
    assert parsed["intent"]["name"] == "greet"
    assert fake.parsed == ["bonjour"]
    with pytest.raises(BotUnavailable, match="401"):
        await RasaClient(http, url, token="wrong").parse("bonjour")
    await RasaClient(http, url, token="s3cret").send_message("x", "hi")
    assert fake.received_queries[-1] == {"token": "s3cret"}


async def test_append_events_for_pause_and_resume(
    http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    rasa = RasaClient(http, fake_rasa.url)
    await rasa.append_events("conv1", PAUSE_EVENTS)
    await rasa.append_events("conv1", RESUME_EVENTS)
    assert fake_rasa.events["conv1"] == [{"event": "pause"}, {"event": "resume"}]


async def test_status_names_the_version(http: aiohttp.ClientSession, fake_rasa: FakeRasa) -> None:
    rasa = RasaClient(http, fake_rasa.url)
    assert (await rasa.status()).version == "3.6.21"
    assert await rasa.is_up()


async def test_connection_refused(http: aiohttp.ClientSession, closed_url: str) -> None:
    rasa = RasaClient(http, closed_url)
    with pytest.raises(BotUnavailable, match="ClientConnectorError"):
        await rasa.send_message("x", "hi")
    assert not await rasa.is_up()


@pytest.mark.parametrize("status", [500, 502, 404])
async def test_error_status(http: aiohttp.ClientSession, fake_rasa: FakeRasa, status: int) -> None:
    fake_rasa.fail_status = status
    with pytest.raises(BotUnavailable, match=f"HTTP {status}"):
        await RasaClient(http, fake_rasa.url).send_message("x", "hi")


async def test_invalid_json(http: aiohttp.ClientSession, fake_rasa: FakeRasa) -> None:
    fake_rasa.invalid_json = True
    with pytest.raises(BotUnavailable, match="invalid JSON"):
        await RasaClient(http, fake_rasa.url).send_message("x", "hi")


async def test_timeout(http: aiohttp.ClientSession, fake_rasa: FakeRasa) -> None:
    with pytest.raises(BotUnavailable, match="Timeout"):
        await RasaClient(http, fake_rasa.url, timeout=0.2).send_message("x", "/slow 5 hi")


@pytest.mark.parametrize(
    "answer",
    [{"not": "a list"}, ["text"], [{"text": 5}], [{"buttons": [{"payload": "/x"}]}]],
)
async def test_malformed_answers(
    http: aiohttp.ClientSession, aiohttp_server: Any, answer: Any
) -> None:
    async def webhook(request: web.Request) -> web.Response:
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/webhooks/gateway/webhook", webhook)
    server = await aiohttp_server(app)
    with pytest.raises(BotUnavailable):
        await RasaClient(http, str(server.make_url("")).rstrip("/")).send_message("x", "hi")


async def test_several_servers_take_requests_in_turn(
    http: aiohttp.ClientSession, aiohttp_server: Any
) -> None:
    first, second = FakeRasa(), FakeRasa()
    urls = []
    for fake in (first, second):
        server = await aiohttp_server(fake.app())
        urls.append(str(server.make_url("")).rstrip("/"))
    rasa = RasaClient(http, ",".join(urls) + ",")
    assert rasa.base_urls == tuple(urls)
    for text in ("un", "deux", "trois", "quatre"):
        await rasa.send_message("conv", text)
    assert [m["message"] for m in first.received] == ["un", "trois"]
    assert [m["message"] for m in second.received] == ["deux", "quatre"]


async def test_a_refusing_server_is_skipped(
    http: aiohttp.ClientSession, fake_rasa: FakeRasa, closed_url: str
) -> None:
    rasa = RasaClient(http, [closed_url, fake_rasa.url])
    for text in ("un", "deux", "trois"):
        assert await rasa.send_message("conv", text) == [BotReply(text=f"echo: {text}")]
    assert [m["message"] for m in fake_rasa.received] == ["un", "deux", "trois"]
    with pytest.raises(BotUnavailable, match="ClientConnectorError"):
        await RasaClient(http, [closed_url, closed_url]).send_message("x", "hi")


def test_rasa_url_setting_takes_several_servers() -> None:
    settings = Settings.from_env(
        {"RASA_URL": " http://rasa-a:5005/ , http://rasa-b:5005"}, env_file=None
    )
    assert settings.rasa_url == "http://rasa-a:5005,http://rasa-b:5005"
    assert split_urls(settings.rasa_url) == ("http://rasa-a:5005", "http://rasa-b:5005")
    with pytest.raises(ConfigurationError, match="RASA_URL: expected an http"):
        Settings.from_env({"RASA_URL": "http://rasa-a:5005,rasa-b:5005"}, env_file=None)
    with pytest.raises(ValueError, match="no Rasa server"):
        split_urls(" , ")
