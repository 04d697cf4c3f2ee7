"""Staff-only reading: ``GET /api/v1/figures``, for the STAFF_API_TOKEN bearer or the session
of an agent whose role is admin (the agents wing's ``SessionManager.check``, when it runs)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from aiohttp import web

from livechat import keys
from livechat.models import AgentRole
from livechat.requests import figures
from livechat.requests.api import staff_token
from livechat.requests.appkeys import CALENDAR, CATALOGUE, SERVICE
from livechat.requests.http import NO_STORE, BadRequest, api_error

if TYPE_CHECKING:
    from livechat.agents.sessions import SessionManager

routes = web.RouteTableDef()

REFUSED = {
    401: (
        "unauthorized",
        "Connectez-vous ou fournissez le jeton du personnel.",
        "Log in or give the staff token.",
    ),
    403: (
        "forbidden",
        "Accès réservé au personnel et aux administrateurs.",
        "Staff and administrators only.",
    ),
}


def _agent_sessions(app: web.Application) -> SessionManager | None:
    """The agents wing's SessionManager, or None when that wing is absent or not running."""
    try:
        from livechat.agents.appkeys import SESSIONS
    except ImportError:
        return None
    return app.get(SESSIONS)


def _cookie_token(request: web.Request) -> str | None:
    try:
        from livechat.agents.hub import COOKIE_NAME
    except ImportError:
        return None
    return request.cookies.get(COOKIE_NAME) or None


async def refusal(request: web.Request) -> web.Response | None:
    """None when the request may read staff data; else 401 (no credentials at all) or 403
    (a token or session that is wrong, expired, or of an agent who is not an admin)."""
    header = request.headers.get("Authorization", "")
    bearer = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else None
    cookie = _cookie_token(request)
    if not header and not cookie:
        return _refuse(401)
    expected = staff_token(request.app)
    if bearer and expected and hmac.compare_digest(bearer.encode(), expected.encode()):
        return None
    sessions = _agent_sessions(request.app)
    if sessions is not None:
        for token in (bearer, cookie):
            session = await sessions.check(token) if token else None
            if session is not None and session.agent.role == AgentRole.ADMIN:
                return None
    return _refuse(403)


def _refuse(status: int) -> web.Response:
    code, fr, en = REFUSED[status]
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="311 staff"'
    return web.json_response(
        {"error": code, "field": None, "message": {"fr": fr, "en": en}},
        status=status,
        headers=headers,
    )


@routes.get("/api/v1/figures")
async def get_figures(request: web.Request) -> web.Response:
    """The planning figures over ``?from=&to=`` (city dates; default the last 30 days)."""
    refused = await refusal(request)
    if refused is not None:
        return refused
    tz = request.app[CALENDAR].tz
    try:
        period = figures.parse_period(request.query, tz, request.app[SERVICE].clock())
    except BadRequest as error:
        return api_error(400, error)
    body = await figures.compute(
        request.app[keys.DB_SESSIONMAKER], request.app[CATALOGUE], period, tz
    )
    return web.json_response(body, headers=NO_STORE)
