"""The agent console: static HTML, CSS and JavaScript served at /console.

No build step: the page loads its ES modules from /console/assets/ and the vendored
Socket.IO client from /static/vendor/. It speaks docs/agent-protocol.md.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

CONSOLE_DIR = Path(__file__).parent
ASSETS_DIR = CONSOLE_DIR / "assets"


def security_headers(request: web.Request) -> dict[str, str]:
    """Headers of the console page: a strict CSP (no inline script, same-origin only)."""
    host = request.host
    csp = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


async def console_page(request: web.Request) -> web.FileResponse:
    """GET /console: the agent console (it logs in through /api/v1/agent/login)."""
    return web.FileResponse(CONSOLE_DIR / "index.html", headers=security_headers(request))


async def console_slash(request: web.Request) -> web.Response:
    """GET /console/: the same page at its canonical address."""
    raise web.HTTPPermanentRedirect("/console")


def setup(app: web.Application) -> None:
    """Register /console and its assets."""
    app.router.add_get("/console", console_page, name="console")
    app.router.add_get("/console/", console_slash, name="console_slash")
    app.router.add_static("/console/assets/", ASSETS_DIR, name="console_assets")
