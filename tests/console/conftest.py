"""Fixtures of the console's browser tests: a real gateway, agents, citizens, Debian's Chromium.

The gateway runs in-process (aiohttp test server on a free port, SQLite file database, every
wing including livechat.agents and livechat.console) with a fake Rasa speaking Rasa's HTTP
protocol over real sockets. Citizens are real python-socketio clients (tests.support.citizen);
agents use the console in Chromium through Playwright.
"""

from __future__ import annotations

import datetime as dt
import functools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from livechat import keys
from livechat.app import create_app, default_wings
from livechat.migrate import upgrade
from livechat.settings import Settings
from tests.livechat.fakes import FakeRasa, fake_actions_app
from tests.support import waiting
from tests.support.citizen import CitizenClient
from tests.support.open_hours import open_province

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
CITY_TZ = "America/Toronto"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ConsoleRasa(FakeRasa):
    """FakeRasa plus what the agent side asks Rasa: the tracker's slots and intents to assist.

    `/model/parse` answers `emergency` for texts mentioning fire ("feu", "fire") and
    `faq/library_hours` (with its response selector) for the library; `greet` otherwise.
    """

    def __init__(self) -> None:
        super().__init__()
        self.slots: dict[str, dict[str, Any]] = {}

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/conversations/{conversation_id}/tracker", self._tracker)
        return app

    async def _tracker(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        slots = {"language": None, "address": None, "service": None, "reference_number": None}
        slots.update(self.slots.get(conversation_id, {}))
        return web.json_response(
            {
                "sender_id": conversation_id,
                "slots": slots,
                "latest_message": {},
                "latest_event_time": None,
                "paused": False,
                "events": list(self.events.get(conversation_id, [])),
                "latest_input_channel": "gateway",
                "active_loop": {},
                "latest_action": {},
                "latest_action_name": "action_listen",
            }
        )

    async def _parse(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("text", ""))
        self.parsed.append(text)
        lowered = text.lower()
        selector: dict[str, Any] = {}
        if "feu" in lowered or "fire" in lowered:
            intent = {"name": "emergency", "confidence": 0.93}
        elif "bibliothèque" in lowered or "library" in lowered:
            intent = {"name": "faq", "confidence": 0.88}
            answer = (
                "La bibliothèque est ouverte de 10 h à 21 h."
                if "bibliothèque" in lowered
                else "The library is open from 10 a.m. to 9 p.m."
            )
            selector = {
                "all_retrieval_intents": ["faq"],
                "default": {
                    "response": {
                        "id": 1,
                        "responses": [{"text": answer}],
                        "response_templates": [{"text": answer}],
                        "confidence": 0.88,
                        "intent_response_key": "faq/library_hours",
                        "utter_action": "utter_faq/library_hours",
                        "template_name": "utter_faq/library_hours",
                    },
                    "ranking": [
                        {"id": 1, "confidence": 0.88, "intent_response_key": "faq/library_hours"}
                    ],
                },
                "faq": {
                    "response": {
                        "id": 1,
                        "responses": [{"text": answer}],
                        "response_templates": [{"text": answer}],
                        "confidence": 0.88,
                        "intent_response_key": "faq/library_hours",
                        "utter_action": "utter_faq/library_hours",
                        "template_name": "utter_faq/library_hours",
                    },
                    "ranking": [
                        {"id": 1, "confidence": 0.88, "intent_response_key": "faq/library_hours"}
                    ],
                },
            }
        else:
            intent = {"name": "greet", "confidence": 0.97}
        answer_body: dict[str, Any] = {
            "text": text,
            "intent": intent,
            "entities": [],
            "text_tokens": [],
            "intent_ranking": [intent],
        }
        if selector:
            answer_body["response_selector"] = selector
        return web.json_response(answer_body)


@dataclass
class ConsoleGateway:
    """A running gateway with the console, its fake Rasa and helpers to populate it."""

    server: TestServer
    app: web.Application
    rasa: ConsoleRasa
    database_url: str
    citizens: list[CitizenClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def add_agent(self, email: str, name: str, *, max_chats: int = 3) -> dict[str, Any]:
        """Create an agent account through the accounts module; returns its public shape."""
        from livechat.agents.accounts import AgentAccounts

        accounts = AgentAccounts(self.app[keys.DB_SESSIONMAKER])
        info = await accounts.add(email, name, PASSWORD, max_concurrent=max_chats)
        return info.public()

    async def citizen(self, first_words: str = "Bonjour") -> tuple[CitizenClient, str]:
        """A web-chat citizen who said something to the bot; returns it and its conversation id."""
        client = CitizenClient(self.url)
        self.citizens.append(client)
        await client.connect()
        ack = await client.say(first_words)
        assert ack["ok"], ack
        reply = await client.reply(10)
        assert reply["text"] == f"echo: {first_words}"
        senders = [
            body["sender"]
            for body in self.rasa.received
            if (body.get("metadata") or {}).get("session_id") == client.session_id
        ]
        assert senders, "the gateway told Rasa which conversation this is"
        return client, senders[-1]

    async def handoff(
        self,
        conversation_id: str,
        reason: str = "request_human",
        language: str | None = "fr",
        summary: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """What the action server does when the citizen asks for a person (protocol §4)."""
        body: dict[str, Any] = {"reason": reason, "language": language}
        if summary is not None:
            body["summary"] = summary
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.url}/api/v1/conversations/{conversation_id}/handoff", json=body
            ) as response,
        ):
            assert response.status == 200, await response.text()
            answer: dict[str, Any] = await response.json()
            return answer


GatewayFactory = Callable[..., Awaitable[ConsoleGateway]]


@pytest.fixture
async def make_console_gateway(
    aiohttp_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[GatewayFactory]:
    """Start a gateway with the console; keyword arguments override Settings, `env` agent ones."""
    started: list[ConsoleGateway] = []

    async def start(env: dict[str, str] | None = None, **overrides: Any) -> ConsoleGateway:
        # Agent settings (AUTO_ASSIGN, AGENT_GRACE_SECONDS, ...) are read from the environment.
        for name, value in {"AUTO_ASSIGN": "false", **(env or {})}.items():
            monkeypatch.setenv(name, value)
        rasa = ConsoleRasa()
        rasa_server = await aiohttp_server(rasa.app())
        rasa.url = str(rasa_server.make_url("")).rstrip("/")
        actions = await aiohttp_server(fake_actions_app())
        database_url = f"sqlite+aiosqlite:///{tmp_path / f'console{len(started)}.db'}"
        await upgrade(database_url)
        port = free_port()
        today = dt.datetime.now(ZoneInfo(CITY_TZ)).date()
        values: dict[str, Any] = {
            "database_url": database_url,
            "rasa_url": rasa.url,
            "actions_url": str(actions.make_url("")).rstrip("/"),
            "rasa_timeout": 10,
            "public_url": f"http://127.0.0.1:{port}",
            "city_tz": CITY_TZ,
            "business_hours": "Mon-Sun 00:00-24:00",
            "holidays_province": open_province(today),
            "log_level": "DEBUG",
        }
        values.update(overrides)
        wings = default_wings()
        from livechat import console

        if console.setup not in wings:
            wings.append(console.setup)
        app = create_app(Settings(**values), wings=wings)
        server = await aiohttp_server(app, host="127.0.0.1", port=port)
        gateway = ConsoleGateway(server=server, app=app, rasa=rasa, database_url=database_url)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        for citizen in gateway.citizens:
            if citizen.sio.connected:
                await citizen.close()


@pytest.fixture
async def console_gateway(make_console_gateway: GatewayFactory) -> ConsoleGateway:
    return await make_console_gateway()


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (`make chromium` installs it)")
    return CHROMIUM


@pytest.fixture
def artifacts() -> Iterator[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield ARTIFACTS


# Spies on two browser APIs (not on our code): what the console asked the browser to do.
ALERT_SPY = """
window.__alerts = {notifications: [], beeps: 0};
(() => {
  const Real = window.Notification;
  if (Real) {
    class Spy extends Real {
      constructor(title, options) {
        super(title, options);
        window.__alerts.notifications.push({title, body: options && options.body});
      }
    }
    Object.defineProperty(Spy, 'permission', {get: () => Real.permission});
    Spy.requestPermission = (...args) => Real.requestPermission(...args);
    window.Notification = Spy;
  }
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__alerts.beeps += 1;
    return start.apply(this, args);
  };
})();
"""


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


PageFactory = Callable[..., Awaitable[Any]]


@pytest.fixture
async def new_page(browser: Any) -> AsyncIterator[PageFactory]:
    """A page in a fresh browser context (its own cookies: one agent per context)."""
    contexts: list[Any] = []

    async def make(locale: str = "fr-CA", **options: Any) -> Any:
        context = await browser.new_context(
            locale=locale, viewport={"width": 1440, "height": 900}, **options
        )
        contexts.append(context)
        await context.add_init_script(ALERT_SPY)
        page = await context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        return page

    yield make
    for context in contexts:
        await context.close()


# A browser between the test and the gateway: polled every 50 ms, for up to 10 s by default.
eventually = functools.partial(waiting.eventually, timeout=10.0, interval=0.05)


def events_of(citizen: CitizenClient, event: str, **match: Any) -> list[Any]:
    """The citizen's received `event`s whose data has the given key/values."""
    return [
        data
        for name, data in citizen.events
        if name == event
        and isinstance(data, dict)
        and all(data.get(key) == value for key, value in match.items())
    ]


async def citizen_received(citizen: CitizenClient, event: str, **match: Any) -> Any:
    """Wait for the citizen to receive a matching event; returns its data."""
    found = await eventually(lambda: events_of(citizen, event, **match))
    return found[-1]
