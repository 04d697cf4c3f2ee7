"""(1) Bot round trip over SMS against Rasa's REST channel, and (4) the webhook's acknowledgement.

SMS round trip: Twilio's signed webhook POST to the first SMS arriving at the fake Twilio REST
API (stored, acknowledged, sent to Rasa, reply stored, sent through the twilio client), against
POST /webhooks/rest/webhook on the same Rasa, interleaved one by one. Acknowledgement: the time
to the webhook's 200 TwiML answer, measured alone during the round trips and again with many
numbers texting at once.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp

from bench.common import MESSAGES, BenchError, Stack, rest_round_trip, summary
from bench.latency import compare
from bench.twilio import TimedTwilio, post_sms


def new_phone() -> str:
    """A fresh Canadian number: a new SMS conversation."""
    return f"+1705{uuid.uuid4().int % 10**7:07d}"


async def sms_latency(stack: Stack, twilio: TimedTwilio, rounds: int,
                      turns: int) -> dict[str, Any]:
    """(1) bot round trip over SMS against Rasa's REST channel, interleaved; (4) the acks."""
    rest, sms, acks = [], [], []
    phone = ""
    async with aiohttp.ClientSession() as http:
        for i in range(-5, rounds):  # the first 5 warm up and are not counted
            if not phone or i % turns == 0:
                # A new number is a new SMS conversation.
                phone = new_phone()
                rest_sender = f"bench-{uuid.uuid4().hex}"
            text = MESSAGES[i % len(MESSAGES)]
            rest_elapsed = await rest_round_trip(http, stack.rasa_url, rest_sender, text)
            status, sent, ack = await post_sms(http, stack.gateway_url, phone, text)
            if status != 200:
                raise BenchError(f"SMS webhook answered {status}")
            arrived, _ = await twilio.next_sms(phone)
            await twilio.drain(phone, quiet=0.05)  # a second SMS must not count for the next
            if i >= 0:
                rest.append(rest_elapsed)
                sms.append(arrived - sent)
                acks.append(ack)
    result = compare(rest, sms, "gateway_sms",
                     f"same messages, interleaved, sequential, a new number every {turns} "
                     "messages; sms = signed webhook POST to the SMS arriving at the fake "
                     "Twilio REST API; rest = POST /webhooks/rest/webhook to the same Rasa")
    result["webhook_ack"] = summary(acks)
    return result




async def webhook_acks(stack: Stack, twilio: TimedTwilio, numbers: int,
                       per_number: int) -> dict[str, Any]:
    """(4) `numbers` citizens texting at once, each its messages one after the other."""
    acks: list[float] = []
    statuses: dict[int, int] = {}

    async def citizen(http: aiohttp.ClientSession) -> None:
        phone = new_phone()
        for i in range(per_number):
            status, _, ack = await post_sms(http, stack.gateway_url, phone,
                                            MESSAGES[i % len(MESSAGES)])
            statuses[status] = statuses.get(status, 0) + 1
            acks.append(ack)
            await twilio.next_sms(phone)  # as a person would: after the answer
            await twilio.drain(phone, quiet=0.05)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.gather(*(citizen(http) for _ in range(numbers)))
    return {"method": f"{numbers} numbers texting at once, each {per_number} messages, the "
                      "next after the bot's SMS; time from the signed POST to the 200 TwiML",
            "statuses": {str(k): v for k, v in statuses.items()}, **summary(acks)}
