"""A simulated agent: account made with the CLI, HTTP login, a real `/agent` Socket.IO client.

Protocol: docs/agent-protocol.md. Conversations auto-assigned (or claimed) arrive in
`assigned`; citizens' messages to open conversations arrive as `message`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import socketio

from bench.common import GATEWAY_PYTHON, ROOT, BenchError

# Another agent (or auto-assignment) was faster: expected, not a failure.
RACES = ("already_claimed", "not_queued")


def add_agent(env: Mapping[str, str], email: str, password: str, max_chats: int) -> None:
    """`python -m livechat agent add` against the gateway's database (settings in `env`)."""
    name = email.split("@")[0].replace(".", " ").title()
    done = subprocess.run(
        [str(GATEWAY_PYTHON), "-m", "livechat", "agent", "add", email, "--name", name,
         "--max-chats", str(max_chats)],
        input=password + "\n", text=True, capture_output=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env}, timeout=120, check=False)
    if done.returncode != 0:
        raise BenchError(f"agent add {email} failed: {done.stderr.strip()[-400:]}")


class Agent:
    """One agent's console: logged in over HTTP, connected to the /agent namespace."""

    def __init__(self, gateway_url: str, email: str, password: str) -> None:
        self.gateway_url = gateway_url
        self.email = email
        self.password = password
        self.sio = socketio.AsyncClient(reconnection=False)
        self.assigned: asyncio.Queue[str] = asyncio.Queue()
        self.messages: list[dict[str, Any]] = []
        self.waiting = 0  # conversations in the queue, as last announced
        self.failures: list[dict[str, Any]] = []

        async def on_assigned(data: dict[str, Any]) -> None:
            self.assigned.put_nowait(data["conversation"]["conversation_id"])

        async def on_message(data: dict[str, Any]) -> None:
            self.messages.append(data)

        async def on_queue(data: dict[str, Any]) -> None:
            self.waiting = len(data.get("queue") or []) + len(data.get("offline") or [])

        self.sio.on("assigned", on_assigned, namespace="/agent")
        self.sio.on("message", on_message, namespace="/agent")
        self.sio.on("queue", on_queue, namespace="/agent")

    @classmethod
    def new_credentials(cls, index: int) -> tuple[str, str]:
        return f"bench.agent{index}@city.example", secrets.token_urlsafe(18)

    async def login(self) -> str:
        """POST /api/v1/agent/login; the session token from Set-Cookie."""
        async with aiohttp.ClientSession() as http, http.post(
            f"{self.gateway_url}/api/v1/agent/login",
            json={"email": self.email, "password": self.password},
        ) as response:
            if response.status != 200:
                raise BenchError(f"agent login answered {response.status}")
            cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))
        return cookie["livechat_agent"].value

    async def connect(self) -> None:
        token = await self.login()
        await self.sio.connect(self.gateway_url, namespaces=["/agent"], transports=["websocket"],
                               auth={"token": token}, wait_timeout=20)

    async def call(self, event: str, data: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        answer = await self.sio.call(event, data, namespace="/agent", timeout=timeout)
        if not isinstance(answer, dict) or not answer.get("ok"):
            self.failures.append({"event": event, "answer": answer})
            return {"ok": False, **(answer if isinstance(answer, dict) else {})}
        return answer

    async def reply(self, conversation_id: str, text: str) -> tuple[bool, float]:
        """Send a reply; (acknowledged ok, perf_counter just before the emit)."""
        started = time.perf_counter()
        answer = await self.call("reply", {"conversation_id": conversation_id, "text": text})
        return bool(answer.get("ok")), started

    async def claim_waiting(self, after_seconds: float) -> int:
        """Claim the conversations queued for longer than `after_seconds` (auto-assignment
        normally takes them first); how many this agent got (they arrive in `assigned`)."""
        answer = await self.call("queue_request", {})
        got = 0
        for item in answer.get("queue", []) + answer.get("offline", []):
            if (item.get("waiting_seconds") or 0) < after_seconds:
                continue
            claim = await self.sio.call("claim", {"conversation_id": item["conversation_id"]},
                                        namespace="/agent", timeout=30)
            if isinstance(claim, dict) and claim.get("ok"):
                got += 1
            elif not isinstance(claim, dict) or claim.get("error") not in RACES:
                self.failures.append({"event": "claim", "answer": claim})
        return got

    async def close(self) -> None:
        await self.sio.disconnect()
