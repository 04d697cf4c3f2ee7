"""CORS for the few HTTP routes a widget embedded on a city site calls across origins.

The allowed origins are CORS_ALLOWED_ORIGINS (the same list as Socket.IO's); "*" allows any.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from livechat import keys

PREFLIGHT_MAX_AGE = "600"
ALLOWED_HEADERS = "Content-Type, Accept"


def allowed_origin(request: web.Request) -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None when not allowed."""
    origins = request.app[keys.SETTINGS].cors_allowed_origins
    if "*" in origins:
        return "*"
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") in origins:
        return origin
    return None


def cors_headers(request: web.Request) -> dict[str, str]:
    """Headers letting an allowed origin read the response (nothing for other origins)."""
    origin = allowed_origin(request)
    if origin is None:
        return {"Vary": "Origin"}
    if origin == "*":
        return {"Access-Control-Allow-Origin": "*"}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def preflight(methods: str) -> Handler:
    """An OPTIONS handler answering browsers' preflight for `methods` (e.g. "POST")."""

    async def answer(request: web.Request) -> web.StreamResponse:
        if allowed_origin(request) is None:
            return web.json_response(
                {"error": "origin_not_allowed"}, status=403, headers={"Vary": "Origin"}
            )
        return web.Response(
            status=204,
            headers={
                **cors_headers(request),
                "Access-Control-Allow-Methods": f"{methods}, OPTIONS",
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            },
        )

    return answer
