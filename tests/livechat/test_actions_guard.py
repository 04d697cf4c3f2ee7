"""ActionsAwareRasaClient against the fake Rasa and an action server that goes down and back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from livechat.actions_guard import ActionsAwareRasaClient
from livechat.errors import BotUnavailable
from livechat.rasa_client import BotReply
from tests.livechat.conftest import free_port
from tests.livechat.fakes import FakeRasa, fake_actions_app


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class ActionServer:
    """The fake action server on a fixed free port, so it can stop and come back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: TestServer | None = None

    async def start(self) -> None:
        self.server = TestServer(fake_actions_app(), host="127.0.0.1", port=self.port)
        await self.server.start_server()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()


@pytest.fixture
async def actions() -> AsyncIterator[ActionServer]:
    server = ActionServer()
    await server.start()
    yield server
    await server.stop()


async def test_down_action_server_makes_the_bot_unavailable_until_it_is_back(
    http: aiohttp.ClientSession, fake_rasa: FakeRasa, actions: ActionServer
) -> None:
    rasa = ActionsAwareRasaClient(
        http, fake_rasa.url, actions_url=actions.url + "/", trust_seconds=0
    )
    assert await rasa.send_message("abc", "bonjour") == [BotReply(text="echo: bonjour")]

    await actions.stop()
    # Rasa answers, but without its custom actions the answer is not trusted.
    with pytest.raises(BotUnavailable, match="action server"):
        await rasa.send_message("abc", "nid-de-poule")
    assert [m["message"] for m in fake_rasa.received] == ["bonjour", "nid-de-poule"]
    # Known down: Rasa is not even asked (its tracker is not filled with fallbacks).
    with pytest.raises(BotUnavailable, match="action server"):
        await rasa.send_message("abc", "1234 rue Principale")
    assert len(fake_rasa.received) == 2

    await actions.start()
    assert await rasa.send_message("abc", "rebonjour") == [BotReply(text="echo: rebonjour")]
    assert rasa.actions_down is False


async def test_a_healthy_answer_is_trusted_for_a_while(
    http: aiohttp.ClientSession, fake_rasa: FakeRasa, actions: ActionServer
) -> None:
    rasa = ActionsAwareRasaClient(http, fake_rasa.url, actions_url=actions.url, trust_seconds=3600)
    assert await rasa.send_message("abc", "bonjour") == [BotReply(text="echo: bonjour")]
    await actions.stop()
    # Within the trust window the check is skipped: the answer is passed on.
    assert await rasa.send_message("abc", "allo") == [BotReply(text="echo: allo")]
    assert rasa.actions_down is False


async def test_rasa_errors_come_first_and_no_actions_url_means_no_check(
    http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    fake_rasa.fail_status = 500
    guarded = ActionsAwareRasaClient(http, fake_rasa.url, actions_url=closed)
    with pytest.raises(BotUnavailable, match="HTTP 500"):
        await guarded.send_message("abc", "bonjour")
    fake_rasa.fail_status = None
    unguarded = ActionsAwareRasaClient(http, fake_rasa.url)
    assert await unguarded.send_message("abc", "bonjour") == [BotReply(text="echo: bonjour")]
