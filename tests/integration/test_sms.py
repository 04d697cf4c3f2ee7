"""A citizen files a request by SMS with the real bot, opts in with "Oui", gets the update.

Signed webhooks as Twilio sends them (the real RequestValidator), the gateway's replies through
the real `twilio` client to a local fake of Twilio's REST API.
"""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest

from tests.fakes.twilio_server import FakeTwilio
from tests.integration.conftest import STAFF_TOKEN, TWILIO_TOKEN
from tests.livechat.sms.twilio_webhook import send_sms

REFERENCE = re.compile(r"311-[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}")

FLOWS = {
    "fr": {"phone": "+17055550101", "report": "Il y a un nid-de-poule devant le 455 rue Principale",
           "confirm": "oui", "opt_in": "Oui", "note": "Les travaux commencent demain.",
           "reply_with": re.compile(r"Répondez")},
    "en": {"phone": "+17055550102", "report": "There's a pothole in front of 12 Queen Street",
           "confirm": "yes", "opt_in": "Yes", "note": "Work starts tomorrow.",
           "reply_with": re.compile(r"Reply")},
}


async def texts_to(fake: FakeTwilio, phone: str, count: int, timeout: float = 60) -> list[str]:
    """The bodies of the SMS sent to `phone` once there are at least `count` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bodies = [m.body for m in fake.to(phone)]
        if len(bodies) >= count:
            return bodies
        await asyncio.sleep(0.3)
    raise AssertionError(f"{len(fake.to(phone))} SMS to {phone}, expected {count}: "
                         f"{[m.body for m in fake.to(phone)]}")


async def text(stack, fake: FakeTwilio, phone: str, body: str, expect: int = 1) -> list[str]:
    """Send an SMS from `phone`; the next `expect` SMS the city sends back."""
    before = len(fake.to(phone))
    result = await send_sms(stack.gateway_url, stack.gateway_url, TWILIO_TOKEN, phone, body)
    assert result.status == 200, result
    return (await texts_to(fake, phone, before + expect))[before:]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_request_by_sms_with_opt_in_and_update(stack, fake_twilio, language: str) -> None:
    flow = FLOWS[language]
    phone = flow["phone"]
    question = await text(stack, fake_twilio, phone, flow["report"], expect=2)
    assert flow["reply_with"].search(question[-1]), question  # numbered choices, in words
    photo = await text(stack, fake_twilio, phone, "2")
    assert flow["reply_with"].search(photo[-1]), photo  # "1. Pas de photo ... Répondez 1."
    summary = await text(stack, fake_twilio, phone, "1")  # no photo; no contact asked on SMS
    assert ("455 rue Principale" if language == "fr" else "12 Queen Street") in summary[-1]
    # Filing: the reference number, then the request for updates ("reply Oui/Yes").
    filed = await text(stack, fake_twilio, phone, flow["confirm"], expect=2)
    found = REFERENCE.search(" ".join(filed))
    assert found, filed
    ref = found.group(0)
    # (The opt-in question comes from the outbox and may arrive before the bot's confirmation.)
    assert any(f"« {flow['opt_in']} »" in body or f'"{flow["opt_in"]}"' in body
               for body in filed), filed
    # "Oui" confirms the subscription and is not a message for the bot.
    confirmed = await text(stack, fake_twilio, phone, flow["opt_in"])
    assert ref in confirmed[-1] or "311" in confirmed[-1], confirmed

    async with aiohttp.ClientSession() as http, http.post(
        f"{stack.gateway_url}/api/v1/requests/{ref}/status",
        json={"status": "in_progress", "note": flow["note"], "language": language},
        headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
    ) as response:
        assert response.status == 200, await response.text()
    before = len(fake_twilio.to(phone))
    update = (await texts_to(fake_twilio, phone, before + 1))[before:]
    assert ref in update[0] and flow["note"] in update[0], update
