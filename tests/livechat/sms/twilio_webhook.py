"""Send a signed SMS to a running gateway exactly as Twilio would (for any test, full-stack too).

    result = await send_sms(gateway_url, public_url, auth_token, "+15145551234", "Bonjour")

posts Twilio's incoming-message parameters to `gateway_url`/webhooks/twilio/sms, signed with
`auth_token` for the URL Twilio would call: `public_url`/webhooks/twilio/sms (the gateway's
PUBLIC_URL). `media` is a sequence of (url, content_type) pairs (an MMS).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from twilio.request_validator import RequestValidator

SMS_PATH = "/webhooks/twilio/sms"
CITY_NUMBER = "+17055550311"
ACCOUNT_SID = "AC" + "0" * 32


@dataclass(frozen=True)
class WebhookResult:
    """The gateway's answer to the webhook, and the MessageSid that was sent."""

    status: int
    body: str
    content_type: str
    sid: str


def new_sid() -> str:
    """A fresh Twilio-style MessageSid (SM + 32 hex)."""
    return "SM" + secrets.token_hex(16)


def incoming_params(
    from_: str,
    body: str,
    sid: str,
    media: Sequence[tuple[str, str]] = (),
    to: str = CITY_NUMBER,
    account_sid: str = ACCOUNT_SID,
) -> dict[str, str]:
    """The form parameters of Twilio's incoming-message webhook."""
    params = {
        "ToCountry": "CA",
        "ToState": "ON",
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ToCity": "SUDBURY",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "QC",
        "SmsStatus": "received",
        "FromCity": "MONTREAL",
        "Body": body,
        "FromCountry": "CA",
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": "2010-04-01",
    }
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params


async def send_sms(
    gateway_url: str,
    public_url: str,
    auth_token: str,
    from_: str,
    body: str,
    sid: str | None = None,
    media: Sequence[tuple[str, str]] = (),
    *,
    signature: str | None = None,
    to: str = CITY_NUMBER,
) -> WebhookResult:
    """POST a signed incoming SMS (`signature` overrides the computed one, "" sends none)."""
    sid = sid or new_sid()
    params = incoming_params(from_, body, sid, media, to=to)
    if signature is None:
        signature = RequestValidator(auth_token).compute_signature(
            public_url.rstrip("/") + SMS_PATH, params
        )
    headers = {"X-Twilio-Signature": signature} if signature else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway_url.rstrip("/") + SMS_PATH, data=params, headers=headers) as response,
    ):
        return WebhookResult(response.status, await response.text(), response.content_type, sid)
