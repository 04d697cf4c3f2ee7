"""Service requests: catalogue, reference numbers, Open311, department routing, status updates."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Add the requests wing to the gateway (called by ``livechat.app.create_app``)."""
    from livechat.requests.routes import setup_requests

    setup_requests(app)
