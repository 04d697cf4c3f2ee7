"""A fake Twilio over real HTTP: the Messages API of Programmable Messaging, and status callbacks.

`FakeTwilio.app()` serves `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` like
api.twilio.com: HTTP Basic auth (account SID + auth token), form parameters To / From or
MessagingServiceSid / Body / StatusCallback, a 201 Message resource JSON with an `SM...` sid,
and Twilio's JSON errors (20003, 21211, 21602, 21604, 21606, 21617). It records every message,
can fail on demand (`fail_next`), and posts status callbacks signed exactly as Twilio signs
them (`send_status`), optionally to another host than the signed URL (a gateway behind a
reverse proxy: `route`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass
class SentMessage:
    """One message the fake accepted (what Twilio would have sent)."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    status: str = "queued"
    statuses: list[str] = field(default_factory=list)


@dataclass
class _Failure:
    status: int
    code: int
    message: str


class FakeTwilio:
    """The fake server's state; serve `app()` (e.g. with aiohttp's TestServer)."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.url = ""  # set once served
        self.messages: list[SentMessage] = []
        self.requests = 0
        self.rejected_auth = 0
        self.callbacks: list[tuple[str, dict[str, str], int]] = []
        # Signed URL prefix -> where to really post (the gateway's own address).
        self.routes: dict[str, str] = {}
        self._failures: list[_Failure] = []
        self._arrived = asyncio.Condition()
        self._gate: asyncio.Event | None = None

    # -- control ------------------------------------------------------------------------

    def fail_next(
        self,
        times: int = 1,
        status: int = 500,
        code: int = 20500,
        message: str = "An internal server error has occurred",
    ) -> None:
        """Answer the next `times` sends with a Twilio error instead of accepting them."""
        self._failures.extend(_Failure(status, code, message) for _ in range(times))

    def hold(self) -> None:
        """Make sends wait (unanswered) until release()."""
        self._gate = asyncio.Event()

    def release(self) -> None:
        """Let held sends be answered."""
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    def route(self, public_url: str, local_url: str) -> None:
        """Post callbacks signed for `public_url`... to `local_url`... instead."""
        self.routes[public_url.rstrip("/")] = local_url.rstrip("/")

    def to(self, number: str) -> list[SentMessage]:
        """Messages sent to `number`."""
        return [m for m in self.messages if m.to == number]

    def by_sid(self, sid: str) -> SentMessage:
        return next(m for m in self.messages if m.sid == sid)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[SentMessage]:
        """Wait until at least `count` messages were accepted; return them all."""

        async def arrived() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.messages) >= count)

        await asyncio.wait_for(arrived(), timeout)
        return list(self.messages)

    async def send_status(
        self, sid: str, status: str, error_code: str | None = None
    ) -> aiohttp.ClientResponse:
        """POST Twilio's status callback for message `sid` (signed with the auth token)."""
        message = self.by_sid(sid)
        assert message.status_callback, "the message had no StatusCallback"
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message.from_ or "",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code:
            params["ErrorCode"] = error_code
        message.status = status
        message.statuses.append(status)
        signature = RequestValidator(self.auth_token).compute_signature(
            message.status_callback, params
        )
        target = message.status_callback
        for public, local in self.routes.items():
            if target.startswith(public):
                target = local + target[len(public) :]
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                target, data=params, headers={"X-Twilio-Signature": signature}
            ) as response,
        ):
            await response.read()
        self.callbacks.append((sid, params, response.status))
        return response

    # -- the HTTP API -------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json", self._create)
        return app

    def _authenticated(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            user == self.account_sid
            and password == self.auth_token
            and request.match_info["account_sid"] == self.account_sid
        )

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status=status,
        )

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self._gate is not None:
            await self._gate.wait()
        if not self._authenticated(request):
            self.rejected_auth += 1
            return self._error(401, 20003, "Authenticate")
        form = await request.post()
        to = str(form.get("To", ""))
        from_ = str(form.get("From", "")) or None
        service = str(form.get("MessagingServiceSid", "")) or None
        body = str(form.get("Body", ""))
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not from_ and not service:
            return self._error(400, 21606, "A 'From' phone number is required.")
        if not body and "MediaUrl" not in form:
            return self._error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return self._error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if self._failures:
            failure = self._failures.pop(0)
            return self._error(failure.status, failure.code, failure.message)
        sid = "SM" + secrets.token_hex(16)
        callback = str(form.get("StatusCallback", "")) or None
        message = SentMessage(sid, to, from_, service, body, callback)
        async with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        now = format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        resource: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(_rough_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not from_ else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to,
            "uri": f"{uri}.json",
        }
        return web.json_response(resource, status=201)


def _rough_segments(body: str) -> int:
    # Twilio reports num_segments; the fake estimates it independently of the code under test.
    ascii_only = all(ord(ch) < 128 for ch in body)
    single, multi = (160, 153) if ascii_only else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)
