"""``python -m livechat request status REF STATUS [--note ...] [--language fr|en] [--by ...]``.

Staff change a request's status from a shell; subscribers are notified like through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from livechat.calendar import BusinessCalendar
from livechat.db import create_engine, create_sessionmaker
from livechat.requests.catalogue_loader import load_catalogue
from livechat.requests.errors import RequestsError
from livechat.requests.models import RequestStatus
from livechat.requests.service import RequestService


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``request`` command."""
    actions = parser.add_subparsers(dest="request_action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="change the status of a service request")
    status.add_argument("reference", help="reference number, e.g. 311-K7M-4PX-9QD")
    status.add_argument("status", choices=[s.value for s in RequestStatus])
    status.add_argument("--note", help="public note shown to the citizen (status_notes)")
    status.add_argument("--language", choices=("fr", "en"), default="fr", help="note language")
    status.add_argument("--by", default="staff:cli", help="who makes the change (history)")


async def change_status(args: argparse.Namespace, settings: Any) -> str:
    """Apply the change; returns the line to print."""
    engine = create_engine(settings.database_url)
    try:
        service = RequestService(
            create_sessionmaker(engine),
            load_catalogue(getattr(settings, "catalogue_path", "") or None),
            BusinessCalendar.from_settings(settings),
            public_url=settings.public_url,
        )
        change = await service.change_status(
            args.reference, args.status, args.note, args.by, args.language
        )
    finally:
        await engine.dispose()
    ref = change.request.service_request_id
    if not change.changed:
        return f"{ref}: already {change.request.status}, nothing changed"
    return f"{ref}: {change.request.status} ({change.notifications} update(s) queued)"


def run(args: argparse.Namespace, settings: Any) -> int:
    """Entry point of ``python -m livechat request ...``; 1 on a refused change."""
    try:
        print(asyncio.run(change_status(args, settings)))
    except RequestsError as error:
        print(f"livechat request: {error.localized(args.language)}", file=sys.stderr)
        return 1
    return 0
