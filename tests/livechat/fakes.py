"""Fakes of OUTSIDE services speaking their real HTTP protocol over real sockets.

FakeRasa answers like Rasa 3.6 with the gateway's REST channel (`GatewayInput`, a RestInput
whose answer is the CollectingOutputChannel list) and the HTTP API (`GET /`, `/model/parse`,
`/conversations/{id}/tracker/events`). What it answers is scripted by the message text:

- `/buttons`  -> a text with two buttons
- `/image`    -> an image
- `/custom`   -> a custom JSON payload
- `/paragraphs` -> "one\\n\\ntwo" split into two messages, as Rasa's collector does
- `/slow <seconds> <text>` -> waits, then echoes <text>
- anything else -> "echo: <text>"
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from aiohttp import web

RASA_VERSION = "3.6.21"


class FakeRasa:
    """A Rasa server double; inspect `received`, `parsed`, `events`, `max_in_flight`."""

    def __init__(self, token: str = "") -> None:
        self.token = token
        self.url = ""  # set once served
        self.received: list[dict[str, Any]] = []
        self.received_queries: list[dict[str, str]] = []
        self.parsed: list[str] = []
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.fail_status: int | None = None
        self.model_loaded = True
        self.invalid_json = False
        self.gate: asyncio.Event | None = None
        self._in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight = 0

    def hold(self) -> None:
        """Make webhook calls wait until release()."""
        self.gate = asyncio.Event()

    def release(self) -> None:
        """Let held webhook calls answer."""
        if self.gate is not None:
            self.gate.set()

    def app(self) -> web.Application:
        """The aiohttp application to serve."""
        app = web.Application()
        app.router.add_get("/", self._hello)
        app.router.add_get("/version", self._version)
        app.router.add_get("/status", self._status)
        app.router.add_post("/webhooks/gateway/webhook", self._webhook)
        app.router.add_post("/model/parse", self._parse)
        app.router.add_post("/conversations/{conversation_id}/tracker/events", self._events)
        return app

    async def _hello(self, request: web.Request) -> web.Response:
        return web.Response(text=f"Hello from Rasa: {RASA_VERSION}")

    async def _status(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._not_authenticated()
        if not self.model_loaded:
            return web.json_response(
                {
                    "status": "failure",
                    "reason": "Conflict",
                    "code": 409,
                    "message": "No agent loaded. To continue processing, a model of a "
                    "trained agent needs to be loaded.",
                },
                status=409,
            )
        return web.json_response(
            {
                "model_file": "models/city311.tar.gz",
                "model_id": "fake-model",
                "num_active_training_jobs": 0,
            }
        )

    async def _version(self, request: web.Request) -> web.Response:
        return web.json_response({"version": RASA_VERSION, "minimum_compatible_version": "3.5.0"})

    def _authorised(self, request: web.Request) -> bool:
        return not self.token or request.query.get("token") == self.token

    @staticmethod
    def _not_authenticated() -> web.Response:
        return web.json_response(
            {
                "version": RASA_VERSION,
                "status": "failure",
                "message": "User is not authenticated.",
                "reason": "NotAuthenticated",
                "details": {},
                "help": None,
                "code": 401,
            },
            status=401,
        )

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender = body.get("sender")
        self.received.append(body)
        self.received_queries.append(dict(request.query))
        self._in_flight[sender] += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight[sender])
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.fail_status is not None:
                return web.json_response(
                    {"status": "failure", "code": self.fail_status}, status=self.fail_status
                )
            if self.invalid_json:
                return web.Response(text="<html>oops</html>", content_type="application/json")
            return web.json_response(await self._answer(sender, body.get("message") or ""))
        finally:
            self._in_flight[sender] -= 1

    async def _answer(self, sender: str, text: str) -> list[dict[str, Any]]:
        if text == "/buttons":
            return [
                {
                    "recipient_id": sender,
                    "text": "Voulez-vous continuer?",
                    "buttons": [
                        {"title": "Oui", "payload": "/affirm"},
                        {"title": "Non", "payload": "/deny"},
                    ],
                }
            ]
        if text == "/image":
            return [{"recipient_id": sender, "image": "https://city.example/pothole.png"}]
        if text == "/custom":
            return [{"recipient_id": sender, "custom": {"kind": "map", "lat": 46.49}}]
        if text == "/paragraphs":
            # CollectingOutputChannel.send_text_message splits text on blank lines.
            return [{"recipient_id": sender, "text": part} for part in ("one", "two")]
        if text.startswith("/slow "):
            _, seconds, rest = text.split(" ", 2)
            await asyncio.sleep(float(seconds))
            text = rest
        return [{"recipient_id": sender, "text": f"echo: {text}"}]

    async def _parse(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._not_authenticated()
        body = await request.json()
        self.parsed.append(body["text"])
        intent = {"name": "greet", "confidence": 0.97}
        return web.json_response(
            {
                "text": body["text"],
                "intent": intent,
                "entities": [],
                "text_tokens": [],
                "intent_ranking": [intent, {"name": "goodbye", "confidence": 0.03}],
            }
        )

    async def _events(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._not_authenticated()
        conversation_id = request.match_info["conversation_id"]
        events = await request.json()
        self.events[conversation_id].extend(events if isinstance(events, list) else [events])
        return web.json_response(
            {"sender_id": conversation_id, "slots": {}, "latest_message": {}, "paused": True}
        )


def fake_actions_app() -> web.Application:
    """The action server's health route (rasa-sdk answers {"status": "ok"})."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    return app
