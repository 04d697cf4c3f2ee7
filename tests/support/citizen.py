"""A citizen's web-chat client: a real python-socketio connection speaking Rasa's protocol.

Shared by the integration tests and the benchmarks.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import socketio


class ChatErrorReceived(Exception):
    """The gateway answered with a chat_error instead of a reply."""


class CitizenClient:
    """One browser tab of the web chat: session_request, user_uttered, bot_uttered."""

    def __init__(self, url: str, session_id: str | None = None) -> None:
        self.url = url
        self.session_id = session_id
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.errors: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.events: list[tuple[str, Any]] = []
        self._confirmed: asyncio.Future[str] | None = None

        @self.sio.on("session_confirm")
        async def _confirm(data: Any) -> None:
            session = data["session_id"] if isinstance(data, dict) else data
            self.events.append(("session_confirm", data))
            if self._confirmed and not self._confirmed.done():
                self._confirmed.set_result(session)

        @self.sio.on("bot_uttered")
        async def _bot(data: dict[str, Any]) -> None:
            self.events.append(("bot_uttered", data))
            self.replies.put_nowait(data)

        @self.sio.on("chat_error")
        async def _error(data: dict[str, Any]) -> None:
            self.events.append(("chat_error", data))
            self.errors.put_nowait(data)

        @self.sio.on("*")
        async def _other(event: str, data: Any) -> None:
            self.events.append((event, data))

    async def connect(self, timeout: float = 10) -> str:
        """Connect over a WebSocket and ask for (or resume) the session; returns its id."""
        await self.sio.connect(self.url, transports=["websocket"], socketio_path="/socket.io",
                               wait_timeout=timeout)
        self._confirmed = asyncio.get_running_loop().create_future()
        await self.sio.emit("session_request", {"session_id": self.session_id})
        self.session_id = await asyncio.wait_for(self._confirmed, timeout)
        return self.session_id

    async def say(self, text: str, metadata: dict[str, Any] | None = None,
                  timeout: float = 10) -> Any:
        """Send a message; returns the gateway's acknowledgement (after it stored the message)."""
        payload: dict[str, Any] = {"message": text, "session_id": self.session_id}
        if metadata is not None:
            payload["metadata"] = metadata
        return await self.sio.call("user_uttered", payload, timeout=timeout)

    async def reply(self, timeout: float = 60) -> dict[str, Any]:
        """The next bot_uttered event; a chat_error that comes first is raised."""
        reply = asyncio.ensure_future(self.replies.get())
        error = asyncio.ensure_future(self.errors.get())
        done, pending = await asyncio.wait({reply, error}, timeout=timeout,
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if reply in done:
            if error in done:
                self.errors.put_nowait(error.result())
            return reply.result()
        if error in done:
            raise ChatErrorReceived(error.result())
        raise TimeoutError(f"no bot_uttered within {timeout} s")

    async def ask(self, text: str, timeout: float = 60) -> tuple[dict[str, Any], float]:
        """Send a message, wait for the first reply; returns it and the round trip in seconds."""
        started = time.perf_counter()
        await self.say(text, timeout=timeout)
        first = await self.reply(timeout)
        return first, time.perf_counter() - started

    async def drain(self, quiet: float = 0.5) -> list[dict[str, Any]]:
        """Every reply that arrives until none has come for `quiet` seconds."""
        out = []
        while True:
            try:
                out.append(await asyncio.wait_for(self.replies.get(), quiet))
            except TimeoutError:
                return out

    async def close(self) -> None:
        await self.sio.disconnect()
