"""A fake of the widget's peer for the widget's own browser tests.

It speaks the real protocol over real sockets (python-socketio 5 on aiohttp): Rasa's socketio
channel (`session_request` -> `session_confirm`, `user_uttered` -> `bot_uttered`) plus the
gateway extras the widget uses (`history_request` -> `history`, `chat_error`, `system_message`,
`satisfaction`, `end_conversation`, the upload and live-chat status endpoints), and answers with
canned bot replies. It serves the built widget and the demo pages at the routes asked of the
gateway (/, /en, /demo/{file}, /widget/{file}). The full-stack tests use the real gateway.
"""

from __future__ import annotations

import asyncio
import html
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import socketio
from aiohttp import web

WIDGET = Path(__file__).resolve().parents[2] / "widget"
DIST = WIDGET / "dist"
DEMO = WIDGET / "demo"
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTO = 5 * 1024 * 1024
# A 1x1 PNG (the bot's image attachment).
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a2b3c9b00000000049454e44ae426082"
)


@dataclass
class FakeState:
    """What the fake has seen; kept across restarts (a gateway's database survives them)."""

    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    typing: list[dict[str, Any]] = field(default_factory=list)
    # Whether the end_conversation ack names the conversation and its survey URL.
    end_ack_survey: bool = True
    # None: the status endpoint answers 404 (a gateway without it).
    agents_available: bool | None = False
    reply_delay: float = 0.4
    confirm_as_object: bool = False
    next_id: int = 0

    def citizen_texts(self, session_id: str | None = None) -> list[str]:
        """Stored citizen messages (after dedupe), in order."""
        return [
            m["text"]
            for sid, items in self.histories.items()
            if session_id in (None, sid)
            for m in items
            if m["sender"] == "citizen"
        ]

    def store(self, session_id: str, sender: str, **fields: Any) -> dict[str, Any]:
        self.next_id += 1
        item = {
            "id": self.next_id,
            "sender": sender,
            "created_at": datetime.now(UTC).isoformat(),
            **fields,
        }
        self.histories.setdefault(session_id, []).append(item)
        return item


def conversation_id(session_id: str) -> str:
    """The fake's public conversation id of a session (one conversation a session)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, session_id).hex


def canned_replies(text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """The fake bot: a few fixed answers in the metadata's language."""
    fr = metadata.get("language") != "en"
    lowered = text.strip().lower()
    if isinstance(metadata.get("location"), dict):
        where = metadata["location"]
        return [{"text": (f"Merci! Position reçue : {where['lat']}, {where['long']}." if fr
                          else f"Thanks! Location received: {where['lat']}, {where['long']}.")}]
    if metadata.get("photo_url"):
        return [{"text": "Merci, photo reçue." if fr else "Thanks, photo received."}]
    if lowered in ("boutons", "buttons"):
        return [{
            "text": "Que voulez-vous signaler?" if fr else "What would you like to report?",
            "quick_replies": [
                {"content_type": "text", "title": "Nid-de-poule" if fr else "Pothole",
                 "payload": "/report_pothole"},
                {"content_type": "text", "title": "Lampadaire" if fr else "Streetlight",
                 "payload": "/report_streetlight"},
            ],
        }]
    if lowered == "/report_pothole":
        return [{"text": "D'accord, un nid-de-poule. À quelle adresse?" if fr
                 else "All right, a pothole. At what address?"}]
    if lowered == "html":
        return [{"text": '<b>gras</b> <script>window.__pwned = 1</script> '
                         '<img src=x onerror="window.__pwned = 2"> '
                         "Voir https://www.example.org/collectes. et [le calendrier]"
                         "(https://example.org/calendrier) ou [piège](javascript:alert(1))"}]
    if lowered == "image":
        return [{"text": "Voici la carte." if fr else "Here is the map."},
                {"attachment": {"type": "image", "payload": {"src": "/pixel.png"}}}]
    return [{"text": f"Vous avez écrit : {text}" if fr else f"You wrote: {text}"}]


class FakeGateway:
    """Runs the fake on its own event loop thread; start/stop/restart keep the same port."""

    def __init__(self, state: FakeState | None = None) -> None:
        self.state = state or FakeState()
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: web.AppRunner | None = None
        self.sio: socketio.AsyncServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, coroutine: Any, timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> FakeGateway:
        self._run(self._start())
        return self

    def stop(self) -> None:
        """Drop every connection at once (no goodbye packet): to the browser, a network loss."""
        self._run(self._stop())

    def close(self) -> None:
        self.stop()
        self._run(self._cancel_tasks())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def emit(self, event: str, data: Any, session_id: str) -> None:
        """Send an event to every tab of a session (as the gateway's agent side would)."""
        assert self.sio is not None
        self._run(self.sio.emit(event, data, room=session_id))

    async def _start(self) -> None:
        app, self.sio = build_app(self.state)
        self.runner = web.AppRunner(app, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def _cancel_tasks(self) -> None:
        # Socket.IO's ping and service tasks outlive the runner; end them before the loop.
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


def build_app(state: FakeState) -> tuple[web.Application, socketio.AsyncServer]:
    """The aiohttp app: Socket.IO at /socket.io plus the HTTP routes the widget uses."""
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application(client_max_size=MAX_PHOTO + 64 * 1024)
    sio.attach(app, socketio_path="/socket.io")
    sessions: dict[str, str] = {}

    @sio.on("session_request")
    async def session_request(sid: str, data: Any = None) -> None:
        requested = (data or {}).get("session_id")
        session_id = requested or uuid.uuid4().hex
        state.histories.setdefault(session_id, [])
        sessions[sid] = session_id
        await sio.enter_room(sid, session_id)
        body = {"session_id": session_id} if state.confirm_as_object else session_id
        await sio.emit("session_confirm", body, to=sid)

    @sio.on("user_uttered")
    async def user_uttered(sid: str, data: Any = None) -> dict[str, Any]:
        state.received.append(data)
        session_id = sessions.get(sid)
        text = data.get("message") if isinstance(data, dict) else None
        if session_id is None or data.get("session_id") != session_id:
            await sio.emit("chat_error", {"code": "no_session", "text": "Session?",
                                          "fr": "Session inconnue.", "en": "Unknown session."},
                           to=sid)
            return {"ok": False, "error": "no_session"}
        if not isinstance(text, str) or not text.strip():
            body = {"code": "empty_message", "text": "Le message est vide.",
                    "fr": "Le message est vide.", "en": "The message is empty."}
            await sio.emit("chat_error", body, to=sid)
            return {"ok": False, "error": "empty_message"}
        metadata = data.get("metadata") or {}
        client_id = metadata.get("client_message_id")
        for item in state.histories[session_id]:
            if client_id and item.get("client_message_id") == client_id:
                return {"ok": True, "message_id": item["id"], "duplicate": True}
        item = state.store(session_id, "citizen", text=text, client_message_id=client_id,
                           display_text=metadata.get("display_text"))
        sio.start_background_task(answer, session_id, text, metadata)
        return {"ok": True, "message_id": item["id"]}

    async def answer(session_id: str, text: str, metadata: dict[str, Any]) -> None:
        await asyncio.sleep(state.reply_delay)
        fr = metadata.get("language") != "en"
        if text == "/request_human":
            notices = [
                {"kind": "queue_position", "position": 1, "wait_minutes": 2,
                 "fr": "Vous êtes le 1er dans la file d'attente (environ 2 minutes).",
                 "en": "You are number 1 in the queue (about 2 minutes)."},
                {"kind": "agent_joined", "fr": "Marie, agente du 311, s'est jointe à la "
                 "conversation.", "en": "Marie, a 311 agent, has joined the conversation."},
            ]
            for notice in notices:
                notice["text"] = notice["fr"] if fr else notice["en"]
                await system_message(session_id, notice)
                await asyncio.sleep(state.reply_delay)
            reply = {"text": "Bonjour, ici Marie. Comment puis-je vous aider?" if fr
                     else "Hello, Marie here. How can I help?",
                     "sender": "agent", "agent_name": "Marie"}
            state.store(session_id, "agent", text=reply["text"], agent_name="Marie")
            await sio.emit("bot_uttered", reply, room=session_id)
            return
        for reply in canned_replies(text, metadata):
            state.store(session_id, "bot", text=reply.get("text"),
                        **{k: reply[k] for k in ("quick_replies", "attachment") if k in reply})
            await sio.emit("bot_uttered", reply, room=session_id)

    async def system_message(session_id: str, notice: dict[str, Any]) -> None:
        """As docs/agent-protocol.md §5: stored, sent, and doubled as a system bot_uttered."""
        state.store(session_id, "system", **notice)
        await sio.emit("system_message", notice, room=session_id)
        await sio.emit("bot_uttered", {"text": notice["text"], "sender": "system",
                                       "kind": notice["kind"]}, room=session_id)

    @sio.on("typing")
    async def typing(sid: str, data: Any = None) -> dict[str, Any]:
        state.typing.append(data)
        return {"ok": True}

    @sio.on("history_request")
    async def history_request(sid: str, data: Any = None) -> dict[str, Any]:
        session_id = sessions.get(sid)
        body = {"session_id": session_id, "messages": list(state.histories.get(session_id, []))}
        await sio.emit("history", body, to=sid)
        return {"ok": True, **body}

    @sio.on("satisfaction")
    async def satisfaction(sid: str, data: Any = None) -> dict[str, Any]:
        rating = (data or {}).get("rating")
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            return {"ok": False, "error": "invalid_rating"}
        state.ratings.append({"via": "socket", "session_id": sessions.get(sid), **data})
        return {"ok": True}

    @sio.on("end_conversation")
    async def end_conversation(sid: str, data: Any = None) -> dict[str, Any]:
        session_id = sessions.get(sid, "")
        state.ended.append(session_id)
        if not state.end_ack_survey:
            return {"ok": True}
        return {"ok": True, "conversation_id": conversation_id(session_id),
                "survey_url": "/api/v1/surveys"}

    async def survey(request: web.Request) -> web.Response:
        cors = {"Access-Control-Allow-Origin": "*"}
        body = await request.json()
        if not isinstance(body.get("rating"), int) or not 1 <= body["rating"] <= 5:
            return web.json_response({"error": "invalid_rating"}, status=400, headers=cors)
        state.ratings.append({"via": "http", **body})
        return web.json_response({}, status=201, headers=cors)

    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(DEMO / ("en.html" if request.path == "/en" else "index.html"))

    async def host_page(request: web.Request) -> web.Response:
        """A foreign host page: hostile CSS, widget settings from the query string."""
        attributes = " ".join(
            f'data-{html.escape(k)}="{html.escape(v)}"' for k, v in request.query.items()
        )
        body = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Hôte</title>'
            "<style>* { color: #ff00ff !important; font-size: 40px !important; }"
            " button { display: none !important; }</style></head><body><main><h1>Page hôte</h1>"
            f'<p><a href="#x">Un lien</a></p></main><script src="{state_script(request)}" '
            f"{attributes}></script></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    def state_script(request: web.Request) -> str:
        return f"http://127.0.0.1:{request.url.port}/widget/city311-widget.js"

    async def widget_file(request: web.Request) -> web.FileResponse:
        return web.FileResponse(DIST / request.match_info["name"])

    async def demo_file(request: web.Request) -> web.FileResponse:
        return web.FileResponse(DEMO / request.match_info["name"])

    async def pixel(request: web.Request) -> web.Response:
        return web.Response(body=PIXEL, content_type="image/png")

    async def status(request: web.Request) -> web.Response:
        if state.agents_available is None:
            raise web.HTTPNotFound()
        return web.json_response(
            {"agents_available": state.agents_available, "open_now": state.agents_available,
             "hours": {"fr": "lun. au ven., 7 h 30 à 18 h",
                       "en": "Mon to Fri, 7:30 a.m. to 6 p.m."}},
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
        )

    async def upload(request: web.Request) -> web.Response:
        cors = {"Access-Control-Allow-Origin": "*"}
        form = await request.post()
        session_id, file = form.get("session_id"), form.get("file")
        if not isinstance(session_id, str) or session_id not in state.histories:
            return web.json_response({"error": "no_session"}, status=400, headers=cors)
        if not isinstance(file, web.FileField) or file.content_type not in PHOTO_TYPES:
            return web.json_response({"error": "unsupported_type"}, status=415, headers=cors)
        content = file.file.read()
        name = f"{uuid.uuid4().hex}.{file.content_type.split('/')[1]}"
        state.uploads[name] = {"session_id": session_id, "content": content,
                               "content_type": file.content_type, "filename": file.filename}
        return web.json_response({"url": f"/uploads/{name}"}, status=201, headers=cors)

    async def preflight(request: web.Request) -> web.Response:
        # XHR with upload progress listeners is always preflighted across origins.
        return web.Response(status=204, headers={
            "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})

    async def uploaded(request: web.Request) -> web.Response:
        stored = state.uploads.get(request.match_info["name"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored["content"], content_type=stored["content_type"])

    app.router.add_get("/", page)
    app.router.add_get("/en", page)
    app.router.add_get("/host", host_page)
    app.router.add_get("/widget/{name}", widget_file)
    app.router.add_get("/demo/{name}", demo_file)
    app.router.add_get("/pixel.png", pixel)
    app.router.add_get("/api/v1/livechat/status", status)
    app.router.add_post("/api/v1/uploads", upload)
    app.router.add_route("OPTIONS", "/api/v1/uploads", preflight)
    app.router.add_post("/api/v1/surveys", survey)
    app.router.add_route("OPTIONS", "/api/v1/surveys", preflight)
    app.router.add_get("/uploads/{name}", uploaded)
    return app, sio
