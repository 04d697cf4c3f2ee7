"""GET /health: the state of the database, the Rasa server and the action server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from livechat import keys
from livechat.errors import BotUnavailable
from livechat.rasa_client import RasaClient

CHECK_TIMEOUT = 2.0


async def _timed(check: Awaitable[dict[str, Any]], timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        details = await asyncio.wait_for(check, timeout)
        result: dict[str, Any] = {"status": "up", **details}
    except TimeoutError:
        result = {"status": "down", "error": f"no answer within {timeout:g} s"}
    except (BotUnavailable, aiohttp.ClientError, OSError) as error:
        result = {"status": "down", "error": str(error) or type(error).__name__}
    except Exception as error:
        # SQLAlchemy and driver errors: report the kind, never the URL or credentials.
        result = {"status": "down", "error": type(error).__name__}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


async def check_database(engine: AsyncEngine) -> dict[str, Any]:
    """Run SELECT 1."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return {"backend": engine.dialect.name}


async def check_rasa(rasa: RasaClient, timeout: float) -> dict[str, Any]:
    """GET / and GET /status of the Rasa server: its version and the model it has loaded
    (a Rasa server with no model answers no message: it counts as down)."""
    status = await rasa.status(timeout=timeout)
    found = {"version": status.version, "model_id": status.model_id}
    return {key: value for key, value in found.items() if value}


async def check_actions(session: aiohttp.ClientSession, actions_url: str) -> dict[str, Any]:
    """GET /health of the action server."""
    async with session.get(actions_url.rstrip("/") + "/health") as response:
        if response.status != 200:
            raise BotUnavailable(f"action server answered HTTP {response.status}")
    return {}


async def health_report(app: web.Application, timeout: float = CHECK_TIMEOUT) -> dict[str, Any]:
    """Check every dependency concurrently; "ok" only when all are up."""
    database, rasa, actions = await asyncio.gather(
        _timed(check_database(app[keys.DB_ENGINE]), timeout),
        _timed(check_rasa(app[keys.RASA], timeout), timeout),
        _timed(check_actions(app[keys.HTTP], app[keys.SETTINGS].actions_url), timeout),
    )
    dependencies = {"database": database, "rasa": rasa, "actions": actions}
    up = all(dep["status"] == "up" for dep in dependencies.values())
    return {"status": "ok" if up else "degraded", "dependencies": dependencies}


async def health(request: web.Request) -> web.Response:
    """200 when every dependency is up, 503 otherwise."""
    report = await health_report(request.app)
    status = 200 if report["status"] == "ok" else 503
    return web.json_response(report, status=status, headers={"Cache-Control": "no-store"})
