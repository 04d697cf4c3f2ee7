"""Fixtures of the agent-side tests: a gateway with the agents (and requests) wings, a fake
Rasa that also answers the tracker and NLU questions of the hub, a clock that runs from a
chosen instant, agents logged in over HTTP and connected over real Socket.IO."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import socketio
from aiohttp import web

import livechat.agents
import livechat.requests
from livechat import keys
from livechat.agents.accounts import AgentAccounts, AgentInfo
from livechat.agents.settings import AgentSettings
from livechat.app import create_app
from livechat.settings import Settings
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway
from tests.livechat.fakes import FakeRasa
from tests.support import waiting

TORONTO = ZoneInfo("America/Toronto")
# A Tuesday morning: open.
TUESDAY_10 = dt.datetime(2025, 3, 11, 10, 0, tzinfo=TORONTO)
PASSWORD = "correct horse battery"
TIMEOUT = 10.0

FAQ_ANSWERS = {
    "fr": "La bibliothèque centrale est ouverte de 10 h à 21 h.",
    "en": "The main library is open from 10 a.m. to 9 p.m.",
}


class AgentRasa(FakeRasa):
    """FakeRasa plus GET /conversations/{id}/tracker (slots in `slots`) and an NLU that
    knows `faq/library_hours` (response selector, fr/en variations) and `emergency`."""

    def __init__(self) -> None:
        super().__init__()
        self.slots: dict[str, dict[str, Any]] = defaultdict(dict)
        self.tracker_reads: list[str] = []

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/conversations/{conversation_id}/tracker", self._tracker)
        return app

    async def _tracker(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        self.tracker_reads.append(conversation_id)
        slots = {"language": None, "service_code": None, "address": None, "requested_slot": None}
        slots.update(self.slots[conversation_id])
        paused = any(e.get("event") == "pause" for e in self.events[conversation_id][-1:])
        return web.json_response(
            {"sender_id": conversation_id, "slots": slots, "latest_message": {}, "paused": paused}
        )

    async def _parse(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body["text"])
        self.parsed.append(text)
        lowered = text.lower()
        answer: dict[str, Any] = {"text": text, "entities": [], "text_tokens": []}
        if "bibliothèque" in lowered or "library" in lowered:
            intent = {"name": "faq", "confidence": 0.91}
            response = {
                "responses": [
                    {
                        "condition": [{"type": "slot", "name": "language", "value": lang}],
                        "text": FAQ_ANSWERS[lang],
                    }
                    for lang in ("fr", "en")
                ]
                + [{"text": FAQ_ANSWERS["fr"] + "\n\n" + FAQ_ANSWERS["en"]}],
                "confidence": 0.89,
                "intent_response_key": "faq/library_hours",
                "utter_action": "utter_faq/library_hours",
            }
            answer["response_selector"] = {
                "all_retrieval_intents": ["faq"],
                "faq": {"response": response, "ranking": []},
                "default": {"response": response, "ranking": []},
            }
        elif "feu" in lowered or "fire" in lowered:
            intent = {"name": "emergency", "confidence": 0.95}
        else:
            intent = {"name": "greet", "confidence": 0.97}
        answer["intent"] = intent
        answer["intent_ranking"] = [intent]
        return web.json_response(answer)


class ShiftedClock:
    """Real time flowing from a chosen instant (so sleeps, expiry and grace periods work)."""

    def __init__(self, start: dt.datetime) -> None:
        self.set(start)

    def set(self, start: dt.datetime) -> None:
        self._start = start.astimezone(dt.UTC)
        self._origin = time.monotonic()

    def shift(self, **delta: float) -> None:
        self.set(self() + dt.timedelta(**delta))

    def __call__(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._origin)


@pytest.fixture
async def fake_rasa(aiohttp_server: Any) -> AgentRasa:
    rasa = AgentRasa()
    server = await aiohttp_server(rasa.app())
    rasa.url = str(server.make_url("")).rstrip("/")
    return rasa


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock(TUESDAY_10)


class AgentClient:
    """A real python-socketio client on the `/agent` namespace, recording every event."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.seen: list[tuple[str, Any]] = []
        self.refusal: Any = None

        @self.sio.on("connect_error", namespace="/agent")
        async def refused(data: Any = None) -> None:
            self.refusal = data

        @self.sio.on("*", namespace="/agent")
        async def record(event: str, data: Any = None) -> None:
            self.seen.append((event, data))
            self.queues[event].put_nowait(data)

    async def connect(
        self, token: str | None = None, headers: dict[str, str] | None = None
    ) -> AgentClient:
        """Connect; a refusal raises ConnectionError naming the server's reason."""
        try:
            await self.sio.connect(
                self.url,
                namespaces=["/agent"],
                transports=["websocket"],
                auth={"token": token} if token else None,
                headers=headers or {},
                wait_timeout=TIMEOUT,
            )
        except socketio.exceptions.ConnectionError as error:
            raise socketio.exceptions.ConnectionError(f"{error}: {self.refusal}") from error
        return self

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.sio.call(event, data or {}, namespace="/agent", timeout=TIMEOUT)

    async def next(self, event: str, timeout: float = TIMEOUT, **match: Any) -> Any:
        """The next `event` whose data has the given key/values (others are skipped)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            data = await asyncio.wait_for(self.queues[event].get(), max(0.01, remaining))
            if all(_get(data, key) == value for key, value in match.items()):
                return data

    def drain(self, event: str) -> list[Any]:
        queue = self.queues[event]
        items = []
        while not queue.empty():
            items.append(queue.get_nowait())
        return items

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


def _get(data: Any, path: str) -> Any:
    for part in path.split("__"):
        if isinstance(data, list) and part.isdigit():
            data = data[int(part)] if int(part) < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


@dataclass
class LiveGateway(Gateway):
    """A running gateway with the live chat; helpers for agents and citizens."""

    rasa: AgentRasa = field(default_factory=AgentRasa)
    clock: ShiftedClock = field(default_factory=lambda: ShiftedClock(TUESDAY_10))
    clients: list[Any] = field(default_factory=list)

    async def add_agent(
        self, email: str, name: str, *, max_chats: int = 3, language: str = "fr"
    ) -> AgentInfo:
        accounts = AgentAccounts(self.sessionmaker)
        return await accounts.add(
            email, name, PASSWORD, max_concurrent=max_chats, language=language
        )

    async def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + path, json=body, headers=headers or {}) as response,
        ):
            text = await response.text()
            data = await response.json(content_type=None) if text else None
            return response.status, data, response

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url + path, headers=headers or {}) as response,
        ):
            return response.status, await response.json(content_type=None)

    async def login(self, email: str, password: str = PASSWORD) -> str:
        status, body, response = await self.post(
            "/api/v1/agent/login", {"email": email, "password": password}
        )
        assert status == 200, body
        return response.cookies["livechat_agent"].value

    async def agent(self, email: str) -> AgentClient:
        """Log in and connect an agent socket; waits for its `hello`."""
        client = await AgentClient(self.url).connect(await self.login(email))
        self.clients.append(client)
        await client.next("hello")
        return client

    async def citizen_socket(self) -> ChatClient:
        """A connected web-chat socket that has not asked for a session."""
        client = await ChatClient(self.url).connect()
        self.clients.append(client)
        return client

    async def citizen(self, words: str = "Bonjour") -> tuple[ChatClient, str]:
        """A web citizen who spoke to the bot; returns it and its conversation id (hex)."""
        client = await ChatClient(self.url).connect()
        self.clients.append(client)
        await client.request_session()
        ack = await client.utter(words)
        assert ack["ok"], ack
        assert (await client.next("bot_uttered"))["text"] == f"echo: {words}"
        sender = next(
            body["sender"]
            for body in reversed(self.rasa.received)
            if body["metadata"].get("session_id") == client.session_id
        )
        return client, sender

    async def handoff(
        self, conversation_id: str, reason: str = "request_human", language: str | None = "fr",
        **extra: Any,
    ) -> dict[str, Any]:  # fmt: skip
        status, body, _ = await self.post(
            f"/api/v1/conversations/{conversation_id}/handoff",
            {"reason": reason, "language": language, **extra},
        )
        assert status == 200, body
        assert isinstance(body, dict)
        return body


LiveGatewayFactory = Callable[..., Awaitable[LiveGateway]]


def agent_settings(**values: str) -> AgentSettings:
    """Agent settings as the environment would give them (fast heartbeats for tests)."""
    env = {"AGENT_HEARTBEAT_SECONDS": "1", **values}
    return AgentSettings.from_env(env, env_file=None)


@pytest.fixture
async def make_live_gateway(
    aiohttp_server: Any, settings: Settings, fake_rasa: AgentRasa, clock: ShiftedClock
) -> AsyncIterator[LiveGatewayFactory]:
    """Start a gateway with the requests and agents wings; `env` gives agent settings."""
    started: list[LiveGateway] = []

    async def start(env: dict[str, str] | None = None, **overrides: Any) -> LiveGateway:
        wings = [
            livechat.requests.setup,
            functools.partial(
                livechat.agents.setup, agent_settings=agent_settings(**(env or {})), clock=clock
            ),
        ]
        app = create_app(replace(settings, **overrides), wings=wings)
        server = await aiohttp_server(app)
        gateway = LiveGateway(server=server, app=app, rasa=fake_rasa, clock=clock)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        for client in gateway.clients:
            await client.close()


@pytest.fixture
async def live(make_live_gateway: LiveGatewayFactory) -> LiveGateway:
    return await make_live_gateway()


def store_of(gateway: Gateway) -> Any:
    return gateway.app[keys.STORE]


# In-process gateways answer fast: polled every 20 ms.
eventually = functools.partial(waiting.eventually, timeout=TIMEOUT, interval=0.02)
