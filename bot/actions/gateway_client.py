"""HTTP client of the gateway's bot API (`/api/v1/...`): the only way actions reach the gateway.

Configured from the environment: GATEWAY_URL (default http://127.0.0.1:8080) and, when the
gateway requires it, ACTIONS_TOKEN (the gateway's setting of the same name, sent as
`Authorization: Bearer ...`; without it the gateway trusts only loopback callers).

Every failure to get a usable answer -- connection refused, timeout, 5xx, a body that is not
JSON -- raises `GatewayUnavailable`, so an action can always answer the citizen politely.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.errors import GatewayError

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT_SECONDS = 5.0


class GatewayUnavailable(GatewayError):
    """The gateway is down, slow, or answered something unusable."""


class GatewayRejected(GatewayError):
    """The gateway refused the call (4xx) with its bilingual explanation."""

    def __init__(self, status: int, code: str, fr: str, en: str, field: str | None = None) -> None:
        super().__init__(f"gateway answered {status} {code}")
        self.status, self.code, self.fr, self.en = status, code, fr, en
        self.field = field


@dataclass(frozen=True)
class Handoff:
    """The gateway's answer to a handoff: "queued", or why not ("closed", "no_agent"), in
    which case the gateway itself tells the citizen the hours and the next opening."""

    status: str
    next_opening: str | None = None


class GatewayClient:
    """Small async client; one short-lived aiohttp session per call (actions are rare)."""

    def __init__(
        self,
        base_url: str = DEFAULT_GATEWAY_URL,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token or None
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @classmethod
    def from_env(cls) -> GatewayClient:
        """GATEWAY_URL, ACTIONS_TOKEN and GATEWAY_TIMEOUT (seconds) from the environment."""
        return cls(
            os.environ.get("GATEWAY_URL") or DEFAULT_GATEWAY_URL,
            os.environ.get("ACTIONS_TOKEN"),
            float(os.environ.get("GATEWAY_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS),
        )

    async def request_handoff(
        self,
        conversation_id: str,
        *,
        reason: str,
        language: str | None,
        summary: dict[str, str] | None = None,
    ) -> Handoff:
        """POST /api/v1/conversations/{id}/handoff: ask for an agent for this conversation.

        `summary` (service_code, address, description) tells the agent what it is about.
        """
        payload: dict[str, Any] = {"reason": reason, "language": language}
        if summary:
            payload["summary"] = summary
        status, body = await self._call(
            "POST", f"/api/v1/conversations/{quote(conversation_id, safe='')}/handoff", payload
        )
        if status >= 400:
            # 404 included: the gateway does not know the conversation (or has no handoff yet).
            raise GatewayUnavailable(f"handoff refused with {status}")
        state = body.get("status") if isinstance(body, dict) else None
        next_opening = body.get("next_opening") if isinstance(body, dict) else None
        return Handoff(
            status=state if isinstance(state, str) else "queued",
            next_opening=next_opening if isinstance(next_opening, str) else None,
        )

    async def get_request(self, reference: str) -> dict[str, Any] | None:
        """GET /api/v1/requests/{ref}: public fields, or None when no such request exists.

        Raises GatewayRejected (400, e.g. a typo caught by the check character).
        """
        status, body = await self._call("GET", f"/api/v1/requests/{quote(reference, safe='')}")
        if status == 404:
            return None
        if status >= 400:
            raise _rejection(status, body)
        if not isinstance(body, dict):
            raise GatewayUnavailable("request lookup answered no JSON object")
        return body

    async def get_services(self) -> list[dict[str, Any]]:
        """GET /api/v1/services: the catalogue in both languages (what the bot asks for)."""
        status, body = await self._call("GET", "/api/v1/services")
        services = body.get("services") if isinstance(body, dict) else None
        if status >= 400 or not isinstance(services, list):
            raise GatewayUnavailable(f"service catalogue answered {status}")
        return [s for s in services if isinstance(s, dict)]

    async def file_request(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST /api/v1/requests: 201 filed (200: an idempotent retry), the public fields.

        Raises GatewayRejected (400, with the field and bilingual message) when the gateway
        refuses the details.
        """
        status, body = await self._call("POST", "/api/v1/requests", payload)
        if status >= 400:
            raise _rejection(status, body)
        if not isinstance(body, dict) or not body.get("service_request_id"):
            raise GatewayUnavailable("filing answered no service_request_id")
        return body

    async def subscribe(self, reference: str, channel: str, address: str, language: str) -> str:
        """POST /api/v1/requests/{ref}/subscriptions: updates by "sms" (pending until the
        citizen replies "Oui" to the gateway's text) or "email"; the subscription's status."""
        status, body = await self._call(
            "POST",
            f"/api/v1/requests/{quote(reference, safe='')}/subscriptions",
            {"channel": channel, "address": address, "language": language},
        )
        if status >= 400:
            raise _rejection(status, body)
        state = body.get("status") if isinstance(body, dict) else None
        return state if isinstance(state, str) else "pending"

    async def _call(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.request(
                    method, self.base_url + path, json=payload, headers=headers
                ) as response,
            ):
                if response.status >= 500:
                    raise GatewayUnavailable(f"{method} {path} answered {response.status}")
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                if body is None and response.status < 400:
                    raise GatewayUnavailable(f"{method} {path} answered no JSON")
                return response.status, body
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:  # 3.10: not TimeoutError
            raise GatewayUnavailable(f"{method} {path} failed: {error!r}") from error


def _rejection(status: int, body: Any) -> GatewayRejected:
    """The gateway's error shape: {"error": code, "message": {"fr", "en"}}."""
    body = body if isinstance(body, dict) else {}
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    return GatewayRejected(
        status,
        str(body.get("error") or "error"),
        str(message.get("fr") or "La demande a été refusée."),
        str(message.get("en") or "The request was refused."),
        body.get("field") if isinstance(body.get("field"), str) else None,
    )
