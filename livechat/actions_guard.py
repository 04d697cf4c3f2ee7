"""A Rasa client that treats a down action server as a bot outage.

When the action server is unreachable, Rasa 3.6 logs the failed custom action, drops its
events and carries on: the session-start action sets nothing, forms never start, and the
citizen is answered "Sorry, I didn't understand" -- a misleading answer, and their request is
silently not taken. So a message's Rasa call runs beside a check of the action server's
/health; when it is down the answer is not trusted and BotUnavailable is raised, which gives
the citizen the router's polite "temporarily unavailable" notice (and the offer of an agent
during business hours). While the action server is known to be down, Rasa is not asked at all,
so the conversation's tracker is not filled with fallbacks.

A healthy answer is trusted for `TRUST_SECONDS`: under traffic that is one check a second
instead of one per message (each is a request the action server must serve beside Rasa on the
same cores). The price: for up to that long after the action server dies, an answer can still
be the misleading one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from livechat.errors import BotUnavailable
from livechat.rasa_client import BotReply, RasaClient

CHECK_TIMEOUT = 5.0
TRUST_SECONDS = 1.0


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
        trust_seconds: float = TRUST_SECONDS,
    ) -> None:
        super().__init__(session, base_url, token=token, timeout=timeout)
        self.actions_url = actions_url.rstrip("/")
        self._check_timeout = aiohttp.ClientTimeout(total=check_timeout)
        self._http = session
        self.actions_down = False
        self._trust_seconds = trust_seconds
        self._up_at = -math.inf  # monotonic time of the last healthy answer

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
        if up:
            self._up_at = time.monotonic()
        return up

    async def send_message(
        self, sender: str, text: str, metadata: Mapping[str, Any] | None = None
    ) -> list[BotReply]:
        if not self.actions_url:
            return await super().send_message(sender, text, metadata)
        if self.actions_down and not await self.actions_up():
            raise BotUnavailable("the action server is down")
        if time.monotonic() - self._up_at < self._trust_seconds:
            return await super().send_message(sender, text, metadata)
        check = asyncio.create_task(self.actions_up())
        try:
            replies = await super().send_message(sender, text, metadata)
        except BaseException:
            check.cancel()
            raise
        if not await check:
            raise BotUnavailable("the action server is down: Rasa's answer is not trusted")
        return replies
