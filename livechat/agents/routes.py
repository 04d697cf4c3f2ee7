"""HTTP routes of the live chat: agent login/logout, the public status, the bot's hand-off."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from livechat import keys
from livechat.agents import views
from livechat.agents.appkeys import AGENT_SETTINGS, DISPATCHER, INTAKE, SESSIONS
from livechat.agents.errors import AgentError
from livechat.agents.hub import COOKIE_NAME, cookie_token
from livechat.agents.settings import origin_of
from livechat.errors import LivechatError

routes = web.RouteTableDef()
NO_STORE = {"Cache-Control": "no-store"}
STATUS = {
    "invalid_payload": 400,
    "invalid_credentials": 401,
    "unauthorized": 401,
    "forbidden": 403,
    "origin_refused": 403,
    "not_found": 404,
    "not_queued": 409,
    "too_many_attempts": 429,
}


def error_response(error: AgentError) -> web.Response:
    """The error body with its HTTP status (and Retry-After when rate limited)."""
    headers = dict(NO_STORE)
    body = error.body()
    if "retry_after" in error.params:
        headers["Retry-After"] = str(error.params["retry_after"])
        body["retry_after"] = error.params["retry_after"]
    return web.json_response(body, status=STATUS.get(error.code, 400), headers=headers)


def allowed_origins(app: web.Application) -> frozenset[str]:
    """PUBLIC_URL's origin and ALLOWED_ORIGINS."""
    settings = app[keys.SETTINGS]
    return frozenset({origin_of(settings.public_url), *app[AGENT_SETTINGS].allowed_origins})


def _check_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/").lower() not in allowed_origins(request.app):
        raise AgentError("origin_refused")


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise AgentError("invalid_payload", "not JSON") from None
    if not isinstance(data, dict):
        raise AgentError("invalid_payload", "not a JSON object")
    return data


def _session_token(request: web.Request) -> str | None:
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ").strip()
    return cookie_token(request.headers.get("Cookie"))


@routes.post("/api/v1/agent/login")
async def login(request: web.Request) -> web.Response:
    """{email, password} -> session cookie and {agent, expires_at}."""
    try:
        _check_origin(request)
        data = await _json_object(request)
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise AgentError("invalid_payload", "email and password are strings")
        done = await request.app[SESSIONS].login(email, password, request.remote or "unknown")
    except AgentError as error:
        return error_response(error)
    response = web.json_response(
        {"agent": done.session.agent.public(), "expires_at": views.when(done.session.expires_at)},
        headers=NO_STORE,
    )
    response.set_cookie(
        COOKIE_NAME,
        done.token,
        max_age=int((done.session.expires_at - request.app[SESSIONS].clock()).total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[keys.SETTINGS].public_url.startswith("https://"),
    )
    return response


@routes.post("/api/v1/agent/logout")
async def logout(request: web.Request) -> web.Response:
    """Revoke the session and disconnect its sockets (on every process)."""
    try:
        _check_origin(request)
    except AgentError as error:
        return error_response(error)
    sessions = request.app[SESSIONS]
    session = await sessions.check(_session_token(request))
    if session is not None:
        await sessions.revoke(session.id)
        dispatcher = request.app[DISPATCHER]
        sids = await dispatcher.presence.session_sids(session.id)
        await dispatcher.bus.end_session(session.id, sids, "logout")
    response = web.Response(status=204, headers=NO_STORE)
    response.del_cookie(COOKIE_NAME, path="/")
    return response


@routes.get("/api/v1/agent/me")
async def me(request: web.Request) -> web.Response:
    """The logged-in agent, or 401."""
    session = await request.app[SESSIONS].check(_session_token(request))
    if session is None:
        return error_response(AgentError("unauthorized"))
    body = {"agent": session.agent.public(), "expires_at": views.when(session.expires_at)}
    return web.json_response(body, headers=NO_STORE)


@routes.get("/api/v1/livechat/status")
async def status(request: web.Request) -> web.Response:
    """Public: open now, agents available, hours, next opening."""
    try:
        body = await request.app[INTAKE].status()
    except (LivechatError, SQLAlchemyError):
        return web.json_response({"error": "storage_unavailable"}, status=503, headers=NO_STORE)
    return web.json_response(body, headers=NO_STORE)


def is_internal(request: web.Request) -> bool:
    """ACTIONS_TOKEN as a bearer token when set; else a direct loopback caller only."""
    token = request.app[AGENT_SETTINGS].actions_token
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False  # came through a proxy: not the local action server
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


@routes.post("/api/v1/conversations/{conversation_id}/handoff")
async def handoff(request: web.Request) -> web.Response:
    """Internal (action server): hand the conversation to the agents, or say when."""
    try:
        if not is_internal(request):
            raise AgentError("forbidden")
        data = await _json_object(request)
        reason, language, summary = data.get("reason"), data.get("language"), data.get("summary")
        if not isinstance(reason, str):
            raise AgentError("invalid_payload", "reason is a string")
        if language is not None and language not in ("fr", "en"):
            raise AgentError("invalid_payload", "language is fr, en or null")
        if summary is not None and not isinstance(summary, dict):
            raise AgentError("invalid_payload", "summary is an object")
        body = await request.app[INTAKE].request_handoff(
            request.match_info["conversation_id"], reason, language, summary
        )
    except AgentError as error:
        return error_response(error)
    except (LivechatError, SQLAlchemyError):
        return web.json_response({"error": "storage_unavailable"}, status=503, headers=NO_STORE)
    return web.json_response(body, headers=NO_STORE)
