"""Filing, finding and updating service requests (the wing's service layer; the filing steps
are in filing.py).

Every change is one transaction: the request, its history line and the outbox rows it causes
(department routing e-mail, subscribers' updates) are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from livechat.calendar import BusinessCalendar
from livechat.db import utcnow
from livechat.requests import reference, surveys, texts
from livechat.requests.catalogue import Catalogue
from livechat.requests.errors import RequestNotFound
from livechat.requests.filing import RequestFiling
from livechat.requests.models import (
    EventKind,
    OutboxKind,
    RequestStatus,
    ServiceRequest,
    ServiceRequestEvent,
    SubscriptionStatus,
)
from livechat.requests.outbox import enqueue
from livechat.requests.validation import validate_note

log = logging.getLogger(__name__)

DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000


@dataclass
class RequestFilter:
    """Filters of a request listing (Open311 ``GET requests``)."""

    service_request_ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    limit: int = MAX_RESULTS


@dataclass
class StatusChange:
    """The outcome of ``change_status``: the request and whether anything changed."""

    request: ServiceRequest
    changed: bool
    notifications: int = 0
    events: list[ServiceRequestEvent] = field(default_factory=list)
    # Whether closing the request queued its satisfaction survey invitation.
    survey_queued: bool = False


def not_found(canonical: str) -> RequestNotFound:
    """The bilingual error for an unknown reference number."""
    return RequestNotFound(
        f"no service request {canonical}",
        fr=f"Aucune demande ne porte le numéro {canonical}.",
        en=f"There is no request with number {canonical}.",
    )


class RequestService(RequestFiling):
    """The requests wing's operations on the database (filing: `RequestFiling`)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        calendar: BusinessCalendar,
        public_url: str = "http://127.0.0.1:8080",
        clock: Callable[[], dt.datetime] = utcnow,
        media_dir: Path | None = None,
    ) -> None:
        self.sessionmaker, self.catalogue, self.calendar = sessionmaker, catalogue, calendar
        self.public_url, self.clock = public_url.rstrip("/"), clock
        self.media_dir = media_dir
        # Called once per newly filed request (never on an idempotent replay), after it is
        # committed: e.g. the SMS wing asks the citizen to reply "Oui" for updates.
        self.filed_hooks: list[Callable[[ServiceRequest], Awaitable[None]]] = []

    # -- reading --------------------------------------------------------------------------

    async def get(self, ref: str) -> ServiceRequest:
        """The request with this reference number (any typing accepted); RequestNotFound."""
        canonical = reference.normalize(ref)
        async with self.sessionmaker() as session:
            request = await session.scalar(
                select(ServiceRequest)
                .where(ServiceRequest.service_request_id == canonical)
                .options(selectinload(ServiceRequest.events))
            )
        if request is None:
            raise not_found(canonical)
        return request

    async def list_requests(self, filters: RequestFilter) -> list[ServiceRequest]:
        """Requests matching ``filters``, newest first; without ids or dates, the last 90 days."""
        query = select(ServiceRequest)
        if filters.service_request_ids:
            ids = [reference.normalize(ref) for ref in filters.service_request_ids]
            query = query.where(ServiceRequest.service_request_id.in_(ids))
        else:
            start, end = filters.start, filters.end
            if start is None and end is None:
                start = self.clock() - DEFAULT_WINDOW
            if start is not None:
                query = query.where(ServiceRequest.requested_datetime >= start)
            if end is not None:
                query = query.where(ServiceRequest.requested_datetime <= end)
        if filters.service_codes:
            query = query.where(ServiceRequest.service_code.in_(list(filters.service_codes)))
        if filters.statuses:
            query = query.where(ServiceRequest.status.in_(list(filters.statuses)))
        limit = max(1, min(filters.limit, MAX_RESULTS))
        query = query.order_by(ServiceRequest.requested_datetime.desc(), ServiceRequest.id.desc())
        async with self.sessionmaker() as session:
            return list((await session.scalars(query.limit(limit))).all())

    # -- updating -------------------------------------------------------------------------

    async def change_status(
        self, ref: str, status: str, note: str | None, by: str, language: str
    ) -> StatusChange:
        """Set the status (with an optional public note), record it in the history and queue
        one update per confirmed subscription. Repeating the same change changes nothing."""
        canonical = reference.normalize(ref)
        status, note, language = validate_note(status, note, language)
        async with self.sessionmaker.begin() as session:
            request = await session.scalar(
                select(ServiceRequest)
                .where(ServiceRequest.service_request_id == canonical)
                .options(selectinload(ServiceRequest.subscriptions))
                .with_for_update()
            )
            if request is None:
                raise not_found(canonical)
            if request.status == status and (note is None or note == request.status_notes):
                return StatusChange(request, changed=False)
            now = self.clock()
            event = ServiceRequestEvent(
                request=request,
                kind=(
                    EventKind.NOTE if request.status == status else EventKind.STATUS_CHANGE
                ).value,
                status_from=request.status,
                status_to=status,
                note=note,
                language=language,
                actor=by[:100],
                at=now,
            )
            session.add(event)
            request.status = status
            if note is not None:
                request.status_notes = note
            request.updated_datetime = now
            await session.flush()
            queued = await self._notify(session, request, event)
            survey = False
            if event.kind == EventKind.STATUS_CHANGE and status == RequestStatus.CLOSED:
                # The satisfaction survey, once per request (dedup key survey:<ref>).
                survey = await surveys.invite(
                    session, request, self.catalogue, self.public_url, now, self.calendar.tz
                )
        return StatusChange(
            request, changed=True, notifications=queued, events=[event], survey_queued=survey
        )

    async def _notify(
        self, session: AsyncSession, request: ServiceRequest, event: ServiceRequestEvent
    ) -> int:
        queued = 0
        for subscription in request.subscriptions:
            if subscription.status != SubscriptionStatus.CONFIRMED:
                continue  # pending: no "Oui" yet; stopped: never again
            subject, text = texts.status_update(
                request, self.catalogue, subscription.language, event.note, subscription.channel
            )
            payload: dict[str, Any] = {
                "to": subscription.address,
                "language": subscription.language,
            }
            if subscription.channel == OutboxKind.SMS:
                payload["body"] = text
            else:
                payload |= {"subject": subject, "text": text}
            queued += await enqueue(
                session,
                subscription.channel,
                payload,
                dedup_key=f"status:{event.id}:subscription:{subscription.id}",
                request_id=request.id,
                now=event.at,
            )
        return queued
