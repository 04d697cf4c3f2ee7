"""Filing, finding and updating service requests (the wing's service layer).

Every change is one transaction: the request, its history line and the outbox rows it causes
(department routing e-mail, subscribers' updates) are written together or not at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from livechat.calendar import BusinessCalendar
from livechat.db import utcnow
from livechat.models import Conversation
from livechat.requests import reference, surveys, texts
from livechat.requests.catalogue import Catalogue
from livechat.requests.errors import IdempotencyConflict, RequestNotFound, ValidationError
from livechat.requests.models import (
    EventKind,
    OutboxKind,
    Photo,
    RequestStatus,
    ServiceRequest,
    ServiceRequestEvent,
    SubscriptionStatus,
)
from livechat.requests.outbox import enqueue
from livechat.requests.photos import find_upload
from livechat.requests.validation import NewRequest, validate_new_request, validate_note

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


class RequestService:
    """The requests wing's operations on the database."""

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

    # -- filing ---------------------------------------------------------------------------

    async def create_request(self, new: NewRequest) -> tuple[ServiceRequest, bool]:
        """File a request; returns (request, created). A known idempotency key returns the
        request filed with it (created=False) and never files twice."""
        clean = validate_new_request(new, self.catalogue)
        if clean.idempotency_key:
            existing = await self._by_idempotency_key(clean.idempotency_key)
            if existing is not None:
                return self._same_filing(existing, clean), False
        for _ in range(5):
            try:
                filed = await self._insert(clean)
            except IntegrityError:
                if clean.idempotency_key:
                    existing = await self._by_idempotency_key(clean.idempotency_key)
                    if existing is not None:  # a concurrent retry won the race
                        return self._same_filing(existing, clean), False
                # Otherwise the random reference collided: draw another.
                continue
            await self._after_filing(filed)
            return filed, True
        raise RuntimeError("could not allocate a unique reference number")

    async def _after_filing(self, filed: ServiceRequest) -> None:
        # The request is committed: a failing hook is logged, it never fails the filing
        # (a retry would be a replay and would not run the hooks again anyway).
        for hook in self.filed_hooks:
            try:
                await hook(filed)
            except Exception:
                log.exception("after-filing hook failed", extra={"ref": filed.service_request_id})

    def _same_filing(self, existing: ServiceRequest, new: NewRequest) -> ServiceRequest:
        same = (existing.service_code, existing.description, existing.address) == (
            new.service_code,
            new.description,
            new.address,
        )
        if not same:
            raise IdempotencyConflict(
                "idempotency_key was already used for a different request",
                fr="Cette clé d'idempotence a déjà servi pour une autre demande.",
                en="This idempotency key was already used for a different request.",
            )
        return existing

    async def _by_idempotency_key(self, key: str) -> ServiceRequest | None:
        async with self.sessionmaker() as session:
            return await session.scalar(
                select(ServiceRequest)
                .where(ServiceRequest.idempotency_key == key)
                .options(selectinload(ServiceRequest.events))
            )

    async def _photos(self, urls: Sequence[str]) -> list[Photo]:
        """Photo rows for the media URLs that are files uploaded to this gateway."""
        if self.media_dir is None:
            return []
        found = [
            await asyncio.to_thread(find_upload, url, self.media_dir, self.public_url)
            for url in urls
        ]
        return [
            Photo(path=str(p.path), content_type=p.content_type, size=p.size, sha256=p.sha256)
            for p in found
            if p is not None
        ]

    async def _insert(self, new: NewRequest) -> ServiceRequest:
        service = self.catalogue.get(new.service_code)
        now = self.clock()
        # Our own uploads are given as /uploads/<name>: publish them as absolute URLs.
        media_urls = [self.public_url + u if u.startswith("/") else u for u in new.media_urls]
        photos = await self._photos(media_urls)
        async with self.sessionmaker.begin() as session:
            conversation_id = await self._conversation(session, new.conversation_id)
            request = ServiceRequest(
                service_request_id=reference.generate(),
                service_code=service.code,
                status=RequestStatus.OPEN.value,
                description=new.description,
                attributes=dict(new.attributes),
                address=new.address,
                address_id=new.address_id,
                lat=new.lat,
                long=new.long,
                media_urls=media_urls,
                photos=photos,
                contact_name=new.contact_name,
                contact_email=new.contact_email,
                contact_phone=new.contact_phone,
                channel=new.channel,
                language=new.language,
                conversation_public_id=conversation_id,
                idempotency_key=new.idempotency_key,
                requested_datetime=now,
                updated_datetime=now,
                expected_datetime=self.calendar.add_business_days(
                    now, service.target_business_days
                ),
            )
            request.events = [
                ServiceRequestEvent(
                    kind=EventKind.CREATED.value,
                    status_to=RequestStatus.OPEN.value,
                    actor=new.channel,
                    language=new.language,
                    at=now,
                )
            ]
            session.add(request)
            await session.flush()
            language, subject, body = texts.department_email(
                request, self.catalogue, self.calendar.tz, self.public_url
            )
            await enqueue(
                session,
                OutboxKind.EMAIL.value,
                {
                    "to": service.department.email,
                    "subject": subject,
                    "text": body,
                    "language": language,
                    "headers": {"X-311-Reference": request.service_request_id},
                },
                dedup_key=f"department:{request.service_request_id}",
                request_id=request.id,
                now=now,
            )
        return request

    async def _conversation(self, session: AsyncSession, public_id: str | None) -> uuid.UUID | None:
        if not public_id:
            return None
        try:
            parsed = uuid.UUID(public_id)
        except ValueError:
            parsed = None
        found = parsed and await session.scalar(
            select(Conversation.public_id).where(Conversation.public_id == parsed)
        )
        if not found:
            raise ValidationError(
                f"unknown conversation_id {public_id!r}",
                field="conversation_id",
                fr="Cette conversation est introuvable.",
                en="This conversation could not be found.",
            )
        return parsed

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
            raise RequestNotFound(
                f"no service request {canonical}",
                fr=f"Aucune demande ne porte le numéro {canonical}.",
                en=f"There is no request with number {canonical}.",
            )
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
                raise RequestNotFound(
                    f"no service request {canonical}",
                    fr=f"Aucune demande ne porte le numéro {canonical}.",
                    en=f"There is no request with number {canonical}.",
                )
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
