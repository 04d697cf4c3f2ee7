"""Twilio for the bench: the tests' fake REST API served in this process, timing each SMS.

Served on this event loop so that an SMS's arrival is timed with the same clock as the
webhook that caused it; webhooks are signed with the real twilio RequestValidator.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from bench.common import CITY_NUMBER, TWILIO_SID, TWILIO_TOKEN, free_port
from tests.fakes.twilio_server import FakeTwilio
from tests.livechat.sms.twilio_webhook import SMS_PATH, incoming_params, new_sid


class TimedTwilio(FakeTwilio):
    """FakeTwilio that also queues (arrival time, body) per recipient number."""

    def __init__(self) -> None:
        super().__init__(TWILIO_SID, TWILIO_TOKEN)
        self.arrivals: defaultdict[str, asyncio.Queue[tuple[float, str]]] = defaultdict(
            asyncio.Queue)
        self._runner: web.AppRunner | None = None

    async def _create(self, request: web.Request) -> web.Response:
        # The SMS has arrived when Twilio has the request: how long Twilio (here, the fake in
        # this process) takes to answer is not the gateway's.
        arrived = time.perf_counter()
        response = await super()._create(request)
        if response.status == 201:
            form = await request.post()  # parsed once by the fake, cached by aiohttp
            self.arrivals[str(form["To"])].put_nowait((arrived, str(form["Body"])))
        return response

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def next_sms(self, phone: str, timeout: float = 60) -> tuple[float, str]:
        """The next SMS the city sent to `phone`: (arrival perf_counter, body)."""
        return await asyncio.wait_for(self.arrivals[phone].get(), timeout)

    async def drain(self, phone: str, quiet: float = 0.3) -> list[str]:
        """Every SMS to `phone` arriving until none has come for `quiet` seconds."""
        bodies = []
        while True:
            try:
                bodies.append((await asyncio.wait_for(self.arrivals[phone].get(), quiet))[1])
            except TimeoutError:
                return bodies


async def post_sms(http: aiohttp.ClientSession, gateway_url: str, phone: str, body: str,
                   sid: str | None = None) -> tuple[int, float, float]:
    """Twilio's signed incoming-SMS webhook: (HTTP status, perf_counter when it was sent,
    seconds to the TwiML answer)."""
    params: dict[str, Any] = incoming_params(phone, body, sid or new_sid(), to=CITY_NUMBER,
                                             account_sid=TWILIO_SID)
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(gateway_url + SMS_PATH, params)
    started = time.perf_counter()
    async with http.post(gateway_url + SMS_PATH, data=params,
                         headers={"X-Twilio-Signature": signature}) as response:
        await response.read()
    return response.status, started, time.perf_counter() - started
