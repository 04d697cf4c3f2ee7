"""The bench's real helpers: the timed fake Twilio, signed webhooks, throwaway stores."""

from __future__ import annotations

import base64
import socket
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from bench.common import TWILIO_SID, TWILIO_TOKEN
from bench.services import PG_HOST, PG_PORT, PG_USER, private_redis, throwaway_database
from bench.twilio import TimedTwilio, post_sms


async def test_timed_twilio_queues_each_sms_for_its_number() -> None:
    twilio = TimedTwilio()
    url = await twilio.start()
    try:
        basic = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        async with aiohttp.ClientSession(headers={"Authorization": f"Basic {basic}"}) as http:
            for body in ("un", "deux"):
                async with http.post(
                    f"{url}/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
                    data={"To": "+17055550123", "From": "+17055550311", "Body": body},
                ) as response:
                    assert response.status == 201
        arrived, body = await twilio.next_sms("+17055550123", timeout=5)
        assert body == "un" and arrived > 0
        assert await twilio.drain("+17055550123", quiet=0.2) == ["deux"]
        assert [m.body for m in twilio.to("+17055550123")] == ["un", "deux"]
    finally:
        await twilio.stop()


async def test_post_sms_is_signed_as_twilio_signs(aiohttp_server: Any) -> None:
    seen: list[bool] = []

    async def webhook(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        url = f"http://127.0.0.1:{request.url.port}{request.path}"
        seen.append(RequestValidator(TWILIO_TOKEN).validate(
            url, form, request.headers["X-Twilio-Signature"]))
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/webhooks/twilio/sms", webhook)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as http:
        status, sent, ack = await post_sms(http, f"http://127.0.0.1:{server.port}",
                                           "+17055550123", "Bonjour")
    assert (status, seen) == (200, [True])
    assert sent > 0 and ack > 0


def test_private_redis_answers_then_is_gone() -> None:
    with private_redis() as port, socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(16) == b"+PONG\r\n"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.postgres
async def test_throwaway_database_is_dropped() -> None:
    async with throwaway_database("benchtest") as name:
        connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER,
                                           database=name)
        assert await connection.fetchval("SELECT 1") == 1
        # Left open on purpose: the drop must not wait for it.
    connection.terminate()
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        assert await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1",
                                    name) == 0
    finally:
        await admin.close()
