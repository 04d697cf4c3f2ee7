"""Plugging the requests wing into the gateway: resources, routes and the outbox worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from livechat import keys
from livechat.calendar import BusinessCalendar
from livechat.requests import api, open311, staff, survey_page
from livechat.requests.appkeys import (
    CALENDAR,
    CATALOGUE,
    OUTBOX_SENDERS,
    OUTBOX_TASK,
    OUTBOX_WORKER,
    SERVICE,
)
from livechat.requests.catalogue_loader import load_catalogue
from livechat.requests.outbox import OutboxWorker, Sender, SmtpEmailSender
from livechat.requests.service import RequestService

log = logging.getLogger(__name__)


def setup_requests(app: web.Application) -> None:
    """Load the catalogue and calendar (so a bad file or setting fails at start-up), add the
    Open311 and JSON API routes, and run the outbox worker while the app runs."""
    settings = app[keys.SETTINGS]
    catalogue_path = getattr(settings, "catalogue_path", "") or os.environ.get("CATALOGUE_PATH")
    app[CATALOGUE] = load_catalogue(catalogue_path or None)
    app[CALENDAR] = BusinessCalendar.from_settings(settings)
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders["email"] = SmtpEmailSender(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.smtp_from or "311@localhost",
            username=settings.smtp_user,
            password=settings.smtp_password,
        )
    app[OUTBOX_SENDERS] = senders
    app.router.add_routes(open311.routes)
    app.router.add_routes(api.routes)
    app.router.add_routes(staff.routes)
    app.router.add_routes(survey_page.routes)
    app.cleanup_ctx.append(_requests_context)


def media_dir(settings: object) -> Path:
    """Where uploaded photos live: settings.media_dir, MEDIA_DIR, or var/uploads."""
    configured = getattr(settings, "media_dir", "") or os.environ.get("MEDIA_DIR", "")
    return Path(configured or "var/uploads")


async def _requests_context(app: web.Application) -> AsyncIterator[None]:
    service = RequestService(
        app[keys.DB_SESSIONMAKER],
        app[CATALOGUE],
        app[CALENDAR],
        public_url=app[keys.SETTINGS].public_url,
        media_dir=media_dir(app[keys.SETTINGS]),
    )
    app[SERVICE] = service
    senders: dict[str, Sender] = app[OUTBOX_SENDERS]
    worker = OutboxWorker(app[keys.DB_SESSIONMAKER], senders)
    app[OUTBOX_WORKER] = worker
    if "email" not in senders:
        log.warning("SMTP_HOST is not set: department e-mails stay queued in the outbox")
    task = asyncio.create_task(worker.run(), name="requests-outbox")
    app[OUTBOX_TASK] = task
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
