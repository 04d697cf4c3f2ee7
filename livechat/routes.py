"""HTTP routes of the gateway core (wings add their own in their setup())."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from livechat import keys
from livechat.channels.web import SESSION_ID
from livechat.errors import LivechatError
from livechat.health import health

STATIC_DIR = Path(__file__).with_name("static")


async def demo_page(request: web.Request) -> web.FileResponse:
    """GET /: a minimal bilingual web chat demo (the real widget is served elsewhere)."""
    return web.FileResponse(STATIC_DIR / "demo.html")


async def session_messages(request: web.Request) -> web.Response:
    """GET /api/v1/sessions/{session_id}/messages; the session id is the bearer secret."""
    session_id = request.match_info["session_id"]
    headers = {"Cache-Control": "no-store"}
    if not SESSION_ID.fullmatch(session_id):
        return web.json_response({"error": "invalid_session_id"}, status=400, headers=headers)
    chat = request.app[keys.WEB_CHAT]
    try:
        if await chat.store.find_web_conversation(session_id) is None:
            return web.json_response({"error": "not_found"}, status=404, headers=headers)
        body = await chat.session_history(session_id)
    except LivechatError:
        return web.json_response({"error": "storage_unavailable"}, status=503, headers=headers)
    return web.json_response(body, headers=headers)


def setup_routes(app: web.Application) -> None:
    """Register the core routes."""
    app.router.add_get("/", demo_page, name="demo")
    app.router.add_get("/health", health, name="health")
    app.router.add_get(
        "/api/v1/sessions/{session_id}/messages", session_messages, name="session_messages"
    )
    app.router.add_static("/static/", STATIC_DIR, name="static")
