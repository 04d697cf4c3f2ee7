"""HTTP routes of the gateway core (wings add their own in their setup())."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aiohttp import web

from livechat import keys
from livechat.channels.web_input import SESSION_ID
from livechat.cors import preflight
from livechat.errors import LivechatError
from livechat.health import health
from livechat.metrics import METRICS
from livechat.settings import Settings
from livechat.uploads import upload_photo, uploaded_photo

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
REPO_WIDGET_DIR = Path(__file__).resolve().parents[1] / "widget"
WIDGET_BUNDLE = "city311-widget.js"
# One path segment, no hidden files: nothing outside the served folder can be named.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
NO_CACHE = {"Cache-Control": "no-cache"}
# Declared rather than guessed: the system's MIME table may not know source maps.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".map": "application/json",
}


def widget_dir(settings: Settings) -> Path:
    """The widget's folder (demo/ pages, built dist/): WIDGET_DIR or the repository's."""
    return Path(settings.widget_dir) if settings.widget_dir else REPO_WIDGET_DIR


def _serve(path: Path) -> web.FileResponse:
    if not path.is_file():
        raise web.HTTPNotFound(text="not found")
    headers = dict(NO_CACHE)
    if path.suffix in CONTENT_TYPES:
        headers["Content-Type"] = CONTENT_TYPES[path.suffix]
    return web.FileResponse(path, headers=headers)


async def demo_page(request: web.Request) -> web.FileResponse:
    """GET / (French) and GET /en: the demo city pages embedding the widget."""
    page = "en.html" if request.path == "/en" else "index.html"
    return _serve(widget_dir(request.app[keys.SETTINGS]) / "demo" / page)


async def demo_file(request: web.Request) -> web.FileResponse:
    """GET /demo/{name}: the demo pages' assets (demo.css)."""
    name = request.match_info["name"]
    if not FILE_NAME.fullmatch(name):
        raise web.HTTPNotFound(text="not found")
    return _serve(widget_dir(request.app[keys.SETTINGS]) / "demo" / name)


async def widget_file(request: web.Request) -> web.FileResponse:
    """GET /widget/{name}: the built widget (widget/dist), e.g. city311-widget.js."""
    name = request.match_info["name"]
    dist = widget_dir(request.app[keys.SETTINGS]) / "dist"
    if not (dist / WIDGET_BUNDLE).is_file():
        log.error(
            "web chat widget not built: %s is missing; run `cd widget && npm ci && npm run build`",
            dist / WIDGET_BUNDLE,
        )
        raise web.HTTPNotFound(
            text="The web chat widget is not built (cd widget && npm ci && npm run build)."
        )
    if not FILE_NAME.fullmatch(name):
        raise web.HTTPNotFound(text="not found")
    return _serve(dist / name)


async def minimal_demo_page(request: web.Request) -> web.FileResponse:
    """GET /demo-minimal: the first bare bilingual demo (no build step needed)."""
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
        request.app[METRICS].error("storage_unavailable")
        return web.json_response({"error": "storage_unavailable"}, status=503, headers=headers)
    return web.json_response(body, headers=headers)


def setup_routes(app: web.Application) -> None:
    """Register the core routes."""
    app.router.add_get("/", demo_page, name="demo")
    app.router.add_get("/en", demo_page, name="demo_en")
    app.router.add_get("/demo/{name}", demo_file, name="demo_file")
    app.router.add_get("/widget/{name}", widget_file, name="widget_file")
    app.router.add_get("/demo-minimal", minimal_demo_page, name="demo_minimal")
    app.router.add_get("/health", health, name="health")
    app.router.add_get(
        "/api/v1/sessions/{session_id}/messages", session_messages, name="session_messages"
    )
    app.router.add_post("/api/v1/uploads", upload_photo, name="uploads")
    app.router.add_route("OPTIONS", "/api/v1/uploads", preflight("POST"), name="uploads_cors")
    app.router.add_get("/uploads/{name}", uploaded_photo, name="uploaded_photo")
    app.router.add_static("/static/", STATIC_DIR, name="static")
