"""Logs of a real request never show a phone number or an email address.

An SMS from a number reaches a bot that misbehaves: it answers with the citizen's own words in
a malformed reply, so the gateway's "bot unavailable" log line carries them (the number and the
email address the citizen typed). The gateway's structured log formatter masks both.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from aiohttp import web

from livechat.logging import StructuredFormatter
from tests.livechat.sms.conftest import CITIZEN, SmsGatewayFactory

TYPED = "Rappelez-moi au 819 555 0123 ou a jean.fuzz@example.org"


def malformed_bot() -> web.Application:
    """A Rasa webhook that echoes the text as a bare string (not a message object)."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([f"echo: {body['message']}"])

    app = web.Application()
    app.router.add_post("/webhooks/gateway/webhook", webhook)
    return app


@pytest.mark.parametrize("json_lines", [True, False], ids=["json", "key-value"])
async def test_contact_details_in_a_request_log_line_are_masked(
    aiohttp_server: Any, make_sms_gateway: SmsGatewayFactory, json_lines: bool
) -> None:
    bot = await aiohttp_server(malformed_bot())
    gateway = await make_sms_gateway(rasa_url=str(bot.make_url("")).rstrip("/"))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StructuredFormatter(json_lines=json_lines))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        result = await gateway.sms(TYPED, CITIZEN)
    finally:
        root.removeHandler(handler)
    assert result.status == 200

    lines = stream.getvalue().splitlines()
    unavailable = [line for line in lines if "bot unavailable" in line]
    assert unavailable, lines
    if json_lines:
        record = json.loads(unavailable[0])
        assert record["level"] == "warning" and "malformed" in record["error"]
    # The citizen's words were logged (the point of this test), their contact details masked.
    assert "Rappelez-moi au ***23 ou a ***@***" in unavailable[0]
    everything = stream.getvalue()
    for raw in ("jean.fuzz@example.org", "819 555 0123", "5145551234", "8195550123"):
        assert raw not in everything
