"""Small helpers of the fault tests: waiting for events, history, agent login, killing."""

from __future__ import annotations

import functools
import os
import signal
from typing import TYPE_CHECKING, Any

import aiohttp
from lingua import Language, LanguageDetectorBuilder

from tests.faults.services import AGENT_EMAIL, PASSWORD
from tests.support import waiting
from tests.support.agent_http import agent_login
from tests.support.citizen import CitizenClient

if TYPE_CHECKING:
    from stack import Service

DETECTOR = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()


def language_of(text: str) -> str | None:
    found = DETECTOR.detect_language_of(text)
    return {Language.FRENCH: "fr", Language.ENGLISH: "en"}.get(found) if found else None


# Real processes: polled every 0.2 s, for up to 30 s by default.
eventually = functools.partial(waiting.eventually, timeout=30, interval=0.2)


async def citizen_event(
    citizen: CitizenClient, event: str, timeout: float = 60, **match: Any
) -> dict[str, Any]:
    """The first `event` the citizen received whose data has the given key/values."""

    def found() -> dict[str, Any] | None:
        for name, data in citizen.events:
            if name == event and all(data.get(k) == v for k, v in match.items()):
                return dict(data)
        return None

    result: dict[str, Any] = await eventually(found, timeout=timeout)
    return result


async def history(url: str, session: str) -> list[dict[str, Any]]:
    """The web conversation's messages, from the gateway's public history API."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/v1/sessions/{session}/messages") as response,
    ):
        assert response.status == 200, await response.text()
        body = await response.json()
    messages: list[dict[str, Any]] = body["messages"]
    return messages


async def citizen_texts(url: str, session: str) -> list[str]:
    return [m["text"] for m in await history(url, session) if m["sender"] == "citizen"]


async def health(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as response:
        return response.status, await response.json()


async def agent_token(url: str, email: str = AGENT_EMAIL) -> str:
    """Log the fault stacks' agent in over HTTP; the session token from Set-Cookie."""
    return await agent_login(url, email, PASSWORD)


def kill(service: Service) -> None:
    """SIGKILL the service's whole process group (no graceful shutdown) and reap it."""
    assert service.process is not None
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(10)
