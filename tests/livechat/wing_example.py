"""A wing for test_app: what livechat/requests/__init__.py's setup() looks like."""

from __future__ import annotations

from aiohttp import web

from livechat import keys


async def _hello(request: web.Request) -> web.Response:
    # Core resources are available in handlers once the app runs.
    async with request.app[keys.DB_SESSIONMAKER]() as session:
        assert session is not None
    return web.json_response(
        {"wing": "example", "public_url": request.app[keys.SETTINGS].public_url}
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/example-wing", _hello)
