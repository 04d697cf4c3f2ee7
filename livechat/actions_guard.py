"""A Rasa client that treats a down action server as a bot outage.

When the action server is unreachable, Rasa 3.6 logs the failed custom action, drops its
events and carries on: the session-start action sets nothing, forms never start, and the
citizen is answered "Sorry, I didn't understand" -- a misleading answer, and their request is
silently not taken. So each message's Rasa call runs beside a check of the action server's
/health; when it is down the answer is not trusted and BotUnavailable is raised, which gives
the citizen the router's polite "temporarily unavailable" notice (and the offer of an agent
during business hours). While the action server is known to be down, Rasa is not asked at all,
so the conversation's tracker is not filled with fallbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiohttp

from livechat.errors import BotUnavailable
from livechat.rasa_client import BotReply, RasaClient

CHECK_TIMEOUT = 5.0


class ActionsAwareRasaClient(RasaClient):
    """RasaClient whose send_message fails with BotUnavailable while the action server is down."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str = "",
        timeout: float = 30.0,
        *,
        actions_url: str = "",
        check_timeout: float = CHECK_TIMEOUT,
    ) -> None:
        super().__init__(session, base_url, token=token, timeout=timeout)
        self.actions_url = actions_url.rstrip("/")
        self._check_timeout = aiohttp.ClientTimeout(total=check_timeout)
        self._http = session
        self.actions_down = False

    async def actions_up(self) -> bool:
        """GET /health of the action server; remembers the answer."""
        try:
            async with self._http.get(
                self.actions_url + "/health", timeout=self._check_timeout
            ) as response:
                up = response.status == 200
        except (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError):
            up = False
        self.actions_down = not up
        return up

    async def send_message(
        self, sender: str, text: str, metadata: Mapping[str, Any] | None = None
    ) -> list[BotReply]:
        if not self.actions_url:
            return await super().send_message(sender, text, metadata)
        if self.actions_down and not await self.actions_up():
            raise BotUnavailable("the action server is down")
        check = asyncio.create_task(self.actions_up())
        try:
            replies = await super().send_message(sender, text, metadata)
        except BaseException:
            check.cancel()
            raise
        if not await check:
            raise BotUnavailable("the action server is down: Rasa's answer is not trusted")
        return replies
