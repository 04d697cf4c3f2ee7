"""Filing service requests: validation, idempotent replays, the row, its history line and the
department's routing e-mail in one transaction (the base of `RequestService`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from livechat.calendar import BusinessCalendar
from livechat.models import Conversation
from livechat.requests import reference, texts
from livechat.requests.catalogue import Catalogue
from livechat.requests.errors import IdempotencyConflict, ValidationError
from livechat.requests.models import (
    EventKind,
    OutboxKind,
    Photo,
    RequestStatus,
    ServiceRequest,
    ServiceRequestEvent,
)
from livechat.requests.outbox import enqueue
from livechat.requests.photos import find_upload
from livechat.requests.validation import NewRequest, validate_new_request

log = logging.getLogger(__name__)


class RequestFiling:
    """`create_request` and its steps; `RequestService` sets the attributes."""

    sessionmaker: async_sessionmaker[AsyncSession]
    catalogue: Catalogue
    calendar: BusinessCalendar
    public_url: str
    clock: Callable[[], dt.datetime]
    media_dir: Path | None
    filed_hooks: list[Callable[[ServiceRequest], Awaitable[None]]]

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
