"""A citizen's Socket.IO client for the gateway tests: a real python-socketio connection."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import socketio

TIMEOUT = 10.0


class ChatClient:
    """Records every event by name; helpers speak Rasa's socketio channel protocol."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.session_id: str | None = None

        @self.sio.on("*")
        async def record(event: str, data: Any = None) -> None:
            self.queues[event].put_nowait(data)

    async def connect(self) -> ChatClient:
        await self.sio.connect(
            self.url, transports=["websocket"], socketio_path="socket.io", wait_timeout=TIMEOUT
        )
        return self

    async def request_session(self, session_id: str | None = None, **extra: Any) -> str:
        """session_request -> the id of session_confirm."""
        await self.sio.emit("session_request", {"session_id": session_id, **extra})
        self.session_id = await self.next("session_confirm")
        return self.session_id

    async def utter(self, message: Any, **extra: Any) -> Any:
        """user_uttered with this client's session id; returns the server's ack."""
        data = {"message": message, "session_id": self.session_id, **extra}
        return await self.sio.call("user_uttered", data, timeout=TIMEOUT)

    async def call(self, event: str, data: Any) -> Any:
        return await self.sio.call(event, data, timeout=TIMEOUT)

    async def next(self, event: str, timeout: float = TIMEOUT) -> Any:
        """The next `event` received (waits for it)."""
        return await asyncio.wait_for(self.queues[event].get(), timeout)

    async def take(self, event: str, count: int) -> list[Any]:
        return [await self.next(event) for _ in range(count)]

    def pending(self, event: str) -> list[Any]:
        """Events of that name received and not taken yet."""
        queue = self.queues[event]
        items = []
        while not queue.empty():
            items.append(queue.get_nowait())
        return items

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
