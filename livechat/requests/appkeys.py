"""Typed keys of the requests wing's resources on the aiohttp application."""

from __future__ import annotations

import asyncio

from aiohttp import web

from livechat.calendar import BusinessCalendar
from livechat.requests.catalogue import Catalogue
from livechat.requests.outbox import OutboxWorker, Sender
from livechat.requests.service import RequestService

CATALOGUE = web.AppKey("requests_catalogue", Catalogue)
CALENDAR = web.AppKey("requests_calendar", BusinessCalendar)
# Senders by outbox kind ("email" is ours when SMTP_HOST is set; the gateway adds "sms").
OUTBOX_SENDERS = web.AppKey("requests_outbox_senders", dict[str, Sender])
# Set while the app runs (cleanup_ctx):
SERVICE = web.AppKey("requests_service", RequestService)
OUTBOX_WORKER = web.AppKey("requests_outbox_worker", OutboxWorker)
OUTBOX_TASK = web.AppKey("requests_outbox_task", asyncio.Task[None])
