"""Sending SMS through Twilio's REST API with the official `twilio` library, asynchronously.

The API base URL is configurable (TWILIO_API_BASE) so tests reach a local fake Twilio server.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from livechat.errors import LivechatError

# The library logs every request and response at INFO: keep only its warnings.
_http_log = logging.getLogger("livechat.sms.twilio_http")
_http_log.setLevel(logging.WARNING)

# Twilio error codes after which sending the same SMS again is pointless.
PERMANENT_ERRORS = frozenset(
    {
        "21211",  # invalid 'To' number
        "21408",  # region not enabled
        "21610",  # the number replied STOP to Twilio: unsubscribed
        "21612",  # cannot route to this number
        "21614",  # not a mobile number
        "30004",  # message blocked by the recipient
        "30006",  # landline or unreachable carrier
    }
)
UNSUBSCRIBED = "21610"


class SmsSendError(LivechatError):
    """Twilio did not accept an SMS; `code` is Twilio's error code (or a local reason)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def permanent(self) -> bool:
        """True when retrying cannot help."""
        return self.code in PERMANENT_ERRORS


class _AsyncHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's aiohttp client, sending Basic auth as a header (aiohttp deprecates BasicAuth)."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {token}"}
        return await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )


@dataclass(frozen=True)
class SentSms:
    """Twilio's answer to a send: the Message resource's sid and status."""

    sid: str
    status: str


class TwilioMessenger:
    """A `twilio.rest.Client` on the async HTTP client; `start()` inside the event loop."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base: str = "https://api.twilio.com",
        timeout: float = 30.0,
    ) -> None:
        self.account_sid = account_sid
        self.sender = sender
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self._auth_token = auth_token
        self._http: _AsyncHttpClient | None = None
        self._client: Client | None = None

    @property
    def configured(self) -> bool:
        """True when the account, token and sender are all set."""
        return bool(self.account_sid and self._auth_token and self.sender)

    async def start(self) -> None:
        """Open the HTTP session (it must be created inside the running loop)."""
        self._http = _AsyncHttpClient(timeout=self.timeout, logger=_http_log)
        self._client = Client(self.account_sid, self._auth_token, http_client=self._http)
        # The Api domain builds every URL from base_url (https://api.twilio.com by default).
        self._client.api.base_url = self.api_base

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None

    async def send(self, to: str, body: str, status_callback: str | None = None) -> SentSms:
        """Create a Message resource (POST .../Messages.json); SmsSendError when refused."""
        if self._client is None or not self.configured:
            raise SmsSendError(
                "Twilio is not configured (TWILIO_ACCOUNT_SID/AUTH_TOKEN/FROM)", "config"
            )
        sender = (
            {"messaging_service_sid": self.sender}
            if self.sender.startswith("MG")
            else {"from_": self.sender}
        )
        messages = self._client.api.v2010.accounts(self.account_sid).messages
        try:
            message = await asyncio.wait_for(
                messages.create_async(
                    to=to, body=body, status_callback=status_callback or None, **sender
                ),
                self.timeout,
            )
        except TwilioRestException as error:
            code = str(error.code) if error.code else f"http{error.status}"
            raise SmsSendError(f"Twilio refused the message: {error.msg}", code) from error
        except (TwilioException, aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SmsSendError(
                f"Twilio unreachable: {type(error).__name__}", "unreachable"
            ) from error
        if not message.sid:
            raise SmsSendError("Twilio answered without a message sid", "no_sid")
        return SentSms(sid=message.sid, status=str(message.status or "queued"))
