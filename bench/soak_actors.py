"""The soak's simulated people: web and SMS citizens talking to the bot, agents answering.

Citizens send a message, wait for the answer, think, and now and then ask for a human; the
agent they are given replies twice and resolves the conversation. Everything each citizen
sends and receives is recorded, to be compared with the gateway's database afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.agent import Agent
from bench.common import MESSAGES
from bench.twilio import TimedTwilio, post_sms
from tests.support.citizen import ChatErrorReceived, CitizenClient

HUMAN = "/request_human"
AGENT_REPLIES = 2


@dataclass
class Tally:
    """What went wrong or slow on the clients' side during a soak."""

    sent: int = 0
    unanswered: int = 0
    chat_errors: int = 0
    http_statuses: dict[int, int] = field(default_factory=dict)
    handoffs: int = 0
    handoffs_answered: int = 0
    agent_failures: int = 0

    def status(self, code: int) -> None:
        self.http_statuses[code] = self.http_statuses.get(code, 0) + 1

    @property
    def http_5xx(self) -> int:
        return sum(n for code, n in self.http_statuses.items() if code >= 500)


@dataclass
class Pace:
    """When citizens stop, and how long they think between messages (seconds)."""

    until: float
    think: float
    handoff_share: float

    def pause(self) -> float:
        return random.uniform(0.5, 1.5) * self.think

    def text(self, i: int) -> str:
        return HUMAN if random.random() < self.handoff_share else MESSAGES[i % len(MESSAGES)]


class WebCitizen:
    """One web citizen on one Socket.IO connection for the whole soak."""

    def __init__(self, url: str) -> None:
        self.client = CitizenClient(url)
        self.sent_ids: list[str] = []

    @property
    def session(self) -> str:
        return self.client.session_id or ""

    def received(self) -> list[dict[str, Any]]:
        return [data for event, data in self.client.events if event == "bot_uttered"]

    async def _wait_agent(self, tally: Tally, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reply = await self.client.reply(timeout=max(0.1, deadline - time.monotonic()))
            except (TimeoutError, ChatErrorReceived):
                continue
            if reply.get("sender") == "system" and reply.get("kind") == "resolved":
                tally.handoffs_answered += 1
                return

    async def run(self, pace: Pace, tally: Tally) -> None:
        await self.client.connect(timeout=60)
        await asyncio.sleep(random.uniform(0, pace.think))
        i = 0
        while time.monotonic() < pace.until:
            text = pace.text(i)
            i += 1
            client_id = uuid.uuid4().hex
            try:
                await self.client.say(text, {"client_message_id": client_id}, timeout=60)
            except TimeoutError:
                tally.unanswered += 1
            self.sent_ids.append(client_id)
            tally.sent += 1
            if text == HUMAN:
                tally.handoffs += 1
                await self._wait_agent(tally, 180)
            else:
                try:
                    await self.client.reply(timeout=60)
                except TimeoutError:
                    tally.unanswered += 1
                except ChatErrorReceived:
                    tally.chat_errors += 1
            await self.client.drain(quiet=1.0)
            await asyncio.sleep(pace.pause())

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.close()


class SmsCitizen:
    """One citizen texting from one number."""

    def __init__(self, url: str, twilio: TimedTwilio, phone: str) -> None:
        self.url = url
        self.twilio = twilio
        self.phone = phone
        self.sent_sids: list[str] = []

    async def _wait_agent(self, tally: Tally, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        replies = 0
        while time.monotonic() < deadline and replies < AGENT_REPLIES:
            with contextlib.suppress(TimeoutError):
                left = max(0.1, deadline - time.monotonic())
                _, body = await self.twilio.next_sms(self.phone, left)
                replies += "Agent reply" in body
        if replies == AGENT_REPLIES:
            tally.handoffs_answered += 1

    async def run(self, http: aiohttp.ClientSession, pace: Pace, tally: Tally) -> None:
        await asyncio.sleep(random.uniform(0, pace.think))
        i = 0
        while time.monotonic() < pace.until:
            text = pace.text(i)
            i += 1
            sid = "SM" + uuid.uuid4().hex
            try:
                status, _, _ = await post_sms(http, self.url, self.phone, text, sid)
            except aiohttp.ClientError:
                status = 599
            tally.status(status)
            self.sent_sids.append(sid)
            tally.sent += 1
            if text == HUMAN:
                tally.handoffs += 1
                await self._wait_agent(tally, 180)
            else:
                try:
                    await self.twilio.next_sms(self.phone, 60)
                except TimeoutError:
                    tally.unanswered += 1
            await self.twilio.drain(self.phone, quiet=2.0)  # the resolution notice too
            await asyncio.sleep(pace.pause())


async def agent_work(agent: Agent, stop: asyncio.Event) -> None:
    """Answer every conversation assigned: AGENT_REPLIES replies, then resolve (no survey);
    claim conversations left waiting in the queue for more than 5 s.

    Refused actions are in `agent.failures`."""
    tasks: set[asyncio.Task[None]] = set()

    async def handle(conversation: str) -> None:
        for k in range(1, AGENT_REPLIES + 1):
            await asyncio.sleep(random.uniform(0.5, 2))
            await agent.reply(conversation, f"Agent reply {k}, ref {uuid.uuid4().hex[:6]}")
        await asyncio.sleep(0.5)
        await agent.call("resolve", {"conversation_id": conversation, "survey": False})

    next_look = time.monotonic() + 10
    while not stop.is_set() or tasks:
        if agent.waiting and time.monotonic() > next_look:
            next_look = time.monotonic() + 10
            await agent.claim_waiting(after_seconds=5)
        try:
            conversation = await asyncio.wait_for(agent.assigned.get(), 1.0)
        except TimeoutError:
            continue
        task = asyncio.create_task(handle(conversation))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
