"""HTTP client for the Rasa server: gateway REST channel, NLU parse, health, tracker events.

Several Rasa servers (RASA_URL comma-separated) sharing one tracker store and lock store are
used in turn, request by request: any of them may handle any conversation, Rasa's lock store
serialises the messages of one conversation. A server that refuses the connection is skipped
for that request (nothing was sent to it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from livechat.errors import BotUnavailable

WEBHOOK_PATH = "/webhooks/gateway/webhook"
PAUSE_EVENTS: tuple[dict[str, Any], ...] = ({"event": "pause"},)
RESUME_EVENTS: tuple[dict[str, Any], ...] = ({"event": "resume"},)


@dataclass(frozen=True)
class Button:
    """A quick-reply button: what the citizen sees and what is sent back when tapped."""

    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    """One message of the bot, as Rasa's REST channel returns it."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    attachment: Any = None
    custom: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any] | None:
        """The non-text parts, for Message.payload (None when the reply is plain text)."""
        payload: dict[str, Any] = {}
        if self.buttons:
            payload["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        if self.image is not None:
            payload["image"] = self.image
        if self.attachment is not None:
            payload["attachment"] = self.attachment
        if self.custom is not None:
            payload["custom"] = self.custom
        return payload or None

    @classmethod
    def from_rasa(cls, item: Any) -> BotReply:
        """Parse one element of Rasa's REST answer; raise ValueError when malformed."""
        if not isinstance(item, dict):
            raise ValueError(f"bot message is not an object: {item!r:.80}")
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            raise ValueError("bot message text is not a string")
        image = item.get("image")
        if image is not None and not isinstance(image, str):
            raise ValueError("bot message image is not a URL string")
        raw_buttons = item.get("buttons") or []
        if not isinstance(raw_buttons, list):
            raise ValueError("bot message buttons is not a list")
        buttons = []
        for button in raw_buttons:
            if not isinstance(button, dict) or not isinstance(button.get("title"), str):
                raise ValueError(f"malformed button: {button!r:.80}")
            payload = button.get("payload", button["title"])
            buttons.append(Button(title=button["title"], payload=str(payload)))
        known = {"recipient_id", "text", "image", "buttons", "attachment", "custom"}
        return cls(
            text=text,
            buttons=tuple(buttons),
            image=image,
            attachment=item.get("attachment"),
            custom=item.get("custom"),
            extra={k: v for k, v in item.items() if k not in known},
        )


@dataclass(frozen=True)
class RasaStatus:
    """What GET / (version) and GET /status (loaded model) of the Rasa server said."""

    version: str | None
    model_id: str | None = None


def split_urls(base_url: str | Sequence[str]) -> tuple[str, ...]:
    """The server URLs of "http://a:5005,http://b:5005" (or of a sequence), without trailing /."""
    parts = base_url.split(",") if isinstance(base_url, str) else list(base_url)
    urls = tuple(part.strip().rstrip("/") for part in parts if part.strip())
    if not urls:
        raise ValueError("no Rasa server URL")
    return urls


class RasaClient:
    """Talks to one or several Rasa servers over HTTP; every failure becomes BotUnavailable."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | Sequence[str],
        token: str = "",
        timeout: float = 30.0,
    ) -> None:
        self._session = session
        self.base_urls = split_urls(base_url)
        self.base_url = self.base_urls[0]
        self._turn = itertools.count()
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_message(
        self, sender: str, text: str, metadata: Mapping[str, Any] | None = None
    ) -> list[BotReply]:
        """Send the citizen's text as `sender` through the gateway channel; return the replies."""
        body = {"sender": sender, "message": text, "metadata": dict(metadata or {})}
        answer = await self._request("POST", WEBHOOK_PATH, json_body=body)
        if not isinstance(answer, list):
            raise BotUnavailable("Rasa webhook answer is not a list")
        try:
            return [BotReply.from_rasa(item) for item in answer]
        except ValueError as error:
            raise BotUnavailable(f"Rasa webhook answer is malformed: {error}") from None

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only: intent, entities and ranking for `text` (POST /model/parse)."""
        answer = await self._request("POST", "/model/parse", json_body={"text": text})
        if not isinstance(answer, dict):
            raise BotUnavailable("Rasa parse answer is not an object")
        return answer

    async def append_events(self, sender: str, events: Sequence[Mapping[str, Any]]) -> None:
        """Append tracker events (e.g. PAUSE_EVENTS when an agent takes over)."""
        await self._request(
            "POST",
            f"/conversations/{sender}/tracker/events",
            json_body=[dict(event) for event in events],
            params={"include_events": "NONE"},
        )

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker state without events (slots, latest message, paused)."""
        answer = await self._request(
            "GET", f"/conversations/{sender}/tracker", params={"include_events": "NONE"}
        )
        if not isinstance(answer, dict):
            raise BotUnavailable("Rasa tracker answer is not an object")
        return answer

    async def status(self, timeout: float | None = None) -> RasaStatus:
        """GET / ("Hello from Rasa: 3.6.21") and GET /status; raise BotUnavailable when Rasa
        does not answer, or answers without a model loaded (it would answer no message)."""
        answer = await self._request("GET", "/", expect_json=False, timeout=timeout)
        prefix = "Hello from Rasa:"
        text = str(answer).strip()
        version = text[len(prefix) :].strip() if text.startswith(prefix) else None
        try:
            loaded = await self._request("GET", "/status", timeout=timeout)
        except BotUnavailable as error:
            if "HTTP 409" in str(error):  # Rasa's "No agent loaded"
                raise BotUnavailable("Rasa answers but has no model loaded") from None
            raise
        model_id = loaded.get("model_id") if isinstance(loaded, dict) else None
        return RasaStatus(version=version, model_id=str(model_id) if model_id else None)

    async def is_up(self, timeout: float | None = 2.0) -> bool:
        """True when the Rasa server answers GET /."""
        try:
            await self.status(timeout=timeout)
        except BotUnavailable:
            return False
        return True

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        expect_json: bool = True,
        timeout: float | None = None,
    ) -> Any:
        query = dict(params or {})
        if self._token:
            query["token"] = self._token
        client_timeout = self._timeout if timeout is None else aiohttp.ClientTimeout(timeout)
        start = next(self._turn)
        count = len(self.base_urls)
        for attempt in range(count):
            base = self.base_urls[(start + attempt) % count]
            try:
                async with self._session.request(
                    method, base + path, json=json_body, params=query, timeout=client_timeout
                ) as response:
                    body = await response.text()
                    if response.status >= 400:
                        raise BotUnavailable(
                            f"Rasa {method} {path} answered HTTP {response.status}"
                        )
                break
            except aiohttp.ClientConnectorError as error:
                # Refused before anything was sent: another server may take it.
                if attempt + 1 < count:
                    continue
                raise BotUnavailable(
                    f"Rasa {method} {path} failed: {type(error).__name__}"
                ) from None
            except (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError) as error:
                raise BotUnavailable(
                    f"Rasa {method} {path} failed: {type(error).__name__}"
                ) from None
        if not expect_json:
            return body
        try:
            return json.loads(body)
        except ValueError:
            raise BotUnavailable(f"Rasa {method} {path} answered invalid JSON") from None
