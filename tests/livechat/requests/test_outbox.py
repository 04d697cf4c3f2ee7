"""The outbox worker against a real local SMTP server (aiosmtpd) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.requests.models import Outbox
from livechat.requests.outbox import OutboxWorker, SmtpEmailSender, enqueue, message_id
from livechat.requests.service import RequestService
from livechat.requests.validation import NewRequest
from tests.fakes.smtp_server import FakeSmtp
from tests.livechat.requests.conftest import Clock


def worker(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, port: int, **kwargs: Any
) -> OutboxWorker:
    sender = SmtpEmailSender("127.0.0.1", port, sender="311@ville.example", timeout=5)
    return OutboxWorker(sessionmaker, {"email": sender}, clock=clock, **kwargs)


async def rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def file_pothole(service: RequestService) -> str:
    request, _ = await service.create_request(
        NewRequest(
            service_code="report_pothole",
            address="455, boulevard de la Cité",
            description="Nid-de-poule profond, dangereux pour les vélos",
            attributes={"size": "medium"},
            contact_email="citoyen@example.org",
        )
    )
    return request.service_request_id


async def test_department_email_delivered_in_french(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp: FakeSmtp,
) -> None:
    ref = await file_pothole(service)
    outbox = worker(sessionmaker, clock, smtp.port)
    assert await outbox.run_once() == 1
    [message] = smtp.mailbox.messages
    assert smtp.mailbox.envelopes == [("311@ville.example", ["voirie@ville.example"])]
    assert message["Subject"] == f"[311] Nid-de-poule – {ref}"
    assert message["Content-Language"] == "fr-CA"
    assert message["X-311-Reference"] == ref
    assert message["Message-ID"] == message_id(f"department:{ref}", "ville.example")
    text = body(message)
    assert "Nouvelle demande 311 acheminée à : Travaux publics – Voirie" in text
    assert "Adresse : 455, boulevard de la Cité" in text
    assert "Nid-de-poule profond, dangereux pour les vélos" in text
    assert "Quelle est la taille du nid-de-poule? Moyen (comme un pneu)" in text
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now)
    assert row.claimed_until is None and row.last_error is None
    # Nothing left to send.
    assert await outbox.run_once() == 0
    assert len(smtp.mailbox.messages) == 1


async def test_english_department_gets_english(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp: FakeSmtp,
) -> None:
    await service.create_request(
        NewRequest(
            service_code="report_lost_item_transit",
            description="Sac à dos bleu oublié",
            attributes={"route": "95", "travel_date": "2025-03-02", "item_category": "bag"},
            language="fr",
        )
    )
    assert await worker(sessionmaker, clock, smtp.port).run_once() == 1
    [message] = smtp.mailbox.messages
    assert message["To"] == "transit-lost-found@ville.example"
    assert message["Content-Language"] == "en-CA"
    text = body(message)
    assert "New 311 request routed to: Transit – Lost and Found" in text
    assert "Bus route number 95" in text
    assert "What kind of item? Bag or luggage" in text
    assert "Citizen's language: French" in text


async def test_smtp_down_then_up_sends_exactly_once(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp_down: FakeSmtp,
) -> None:
    await file_pothole(service)
    outbox = worker(sessionmaker, clock, smtp_down.port, backoff_base=dt.timedelta(seconds=10))
    assert await outbox.run_once() == 0
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == clock.now + dt.timedelta(seconds=10)
    assert row.last_error and "Connect" in row.last_error
    assert "citoyen@example.org" not in row.last_error

    # Not due yet: no attempt.
    clock.advance(seconds=5)
    assert await outbox.run_once() == 0
    assert (await rows(sessionmaker))[0].attempts == 1

    # Still down: the delay doubles.
    clock.advance(seconds=5)
    assert await outbox.run_once() == 0
    [row] = await rows(sessionmaker)
    assert row.attempts == 2
    assert row.next_attempt_at == clock.now + dt.timedelta(seconds=20)

    smtp_down.start()
    clock.advance(seconds=20)
    assert await outbox.run_once() == 1
    assert await outbox.run_once() == 0
    clock.advance(hours=2)
    assert await outbox.run_once() == 0
    assert len(smtp_down.mailbox.messages) == 1
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


async def test_concurrent_workers_send_each_message_once(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp: FakeSmtp,
) -> None:
    refs = [await file_pothole(service) for _ in range(8)]
    workers = [worker(sessionmaker, clock, smtp.port, batch_size=8) for _ in range(4)]
    sent = await asyncio.gather(*(w.run_once() for w in workers))
    assert sum(sent) == 8
    subjects = sorted(str(m["Subject"]) for m in smtp.mailbox.messages)
    assert subjects == sorted(f"[311] Nid-de-poule – {ref}" for ref in refs)
    assert {row.status for row in await rows(sessionmaker)} == {"sent"}


async def test_refused_recipient_fails_without_retry(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp: FakeSmtp,
) -> None:
    smtp.mailbox.refuse.add("voirie@ville.example")
    await file_pothole(service)
    outbox = worker(sessionmaker, clock, smtp.port)
    assert await outbox.run_once() == 0
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None and "550" in row.last_error
    clock.advance(days=1)
    assert await outbox.run_once() == 0
    assert smtp.mailbox.messages == []


async def test_gives_up_after_max_attempts(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp_down: FakeSmtp,
) -> None:
    await file_pothole(service)
    outbox = worker(sessionmaker, clock, smtp_down.port, max_attempts=3)
    for _ in range(5):
        await outbox.run_once()
        clock.advance(hours=2)
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("failed", 3)


async def test_expired_claim_is_retried_and_live_claim_is_not(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    smtp: FakeSmtp,
) -> None:
    await file_pothole(service)
    # A worker that died mid-send left the row claimed for 5 minutes.
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Outbox).values(
                status="sending", attempts=1, claimed_until=clock.now + dt.timedelta(minutes=5)
            )
        )
    outbox = worker(sessionmaker, clock, smtp.port)
    assert await outbox.run_once() == 0
    clock.advance(minutes=6)
    assert await outbox.run_once() == 1
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_enqueue_deduplicates_and_unknown_kinds_wait(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, smtp: FakeSmtp
) -> None:
    async with sessionmaker.begin() as session:
        payload = {"to": "+16135550100", "body": "Bonjour", "language": "fr"}
        assert await enqueue(session, "sms", payload, "sms:1", now=clock.now)
        assert not await enqueue(session, "sms", payload, "sms:1", now=clock.now)
    # No SMS sender registered in this worker: the row waits for the gateway's.
    assert await worker(sessionmaker, clock, smtp.port).run_once() == 0
    [row] = await rows(sessionmaker)
    assert (row.kind, row.status, row.attempts) == ("sms", "pending", 0)
