"""The gateway's HTTP endpoints the multi-process tests drive: an agent's login, a hand-off."""

from __future__ import annotations

from typing import Any

import aiohttp


async def agent_login(url: str, email: str, password: str) -> str:
    """Log an agent in over HTTP; the session token from Set-Cookie."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/api/v1/agent/login", json={"email": email, "password": password}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        return response.cookies["livechat_agent"].value


async def handoff(url: str, conversation_id: str) -> dict[str, Any]:
    """Ask for a person in the conversation (as the bot's action server does); the answer."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/api/v1/conversations/{conversation_id}/handoff",
            json={"reason": "request_human", "language": "fr"},
        ) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body
