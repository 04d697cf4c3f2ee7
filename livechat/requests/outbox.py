"""The notification outbox: e-mails and SMS written in the same transaction as the change
that causes them, then sent by a worker.

* ``enqueue`` inserts a row unless one with the same ``dedup_key`` exists (one row per
  department e-mail, per status change and subscriber), so a retried change never queues twice.
* ``OutboxWorker`` claims due rows one at a time with a conditional UPDATE (works on SQLite
  and PostgreSQL, several workers may run), sends, and marks them sent; failures are retried
  with exponential backoff. A row is sent again only if a worker died mid-send and its claim
  expired; e-mails carry a Message-ID derived from the dedup key so mail systems can drop
  such a duplicate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.db import utcnow
from livechat.requests.errors import RequestsError
from livechat.requests.models import Outbox, OutboxStatus

log = logging.getLogger(__name__)

Sender = Callable[[Mapping[str, Any]], Awaitable[None]]


class PermanentDeliveryError(RequestsError):
    """The message can never be delivered (e.g. address refused): do not retry."""

    code = "delivery_refused"


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: Mapping[str, Any],
    dedup_key: str,
    request_id: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Queue a message in the caller's transaction; False when ``dedup_key`` was already queued."""
    now = now or utcnow()
    values = {
        "kind": kind,
        "payload": dict(payload),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "dedup_key": dedup_key,
        "request_id": request_id,
        "created_at": now,
    }
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


def message_id(dedup_key: str, domain: str) -> str:
    """A stable Message-ID for an outbox row, so a re-send is recognisable as the same mail."""
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class SmtpEmailSender:
    """Sends ``{"to", "subject", "text", "language"}`` payloads through an SMTP server."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = "311@localhost",
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.timeout = username, password, timeout

    def build(self, payload: Mapping[str, Any]) -> EmailMessage:
        message = EmailMessage()
        # set_content() first: it drops any Content-* header set before it.
        message.set_content(payload["text"], charset="utf-8")
        message["From"] = self.sender
        message["To"] = payload["to"]
        message["Subject"] = payload["subject"]
        message["Date"] = formatdate(localtime=False)
        message["Content-Language"] = "fr-CA" if payload.get("language") == "fr" else "en-CA"
        domain = self.sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = message_id(str(payload.get("dedup_key", "")), domain)
        for name, value in dict(payload.get("headers", {})).items():
            message[name] = value
        return message

    async def __call__(self, payload: Mapping[str, Any]) -> None:
        try:
            await aiosmtplib.send(
                self.build(payload),
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self.password or None,
                use_tls=self.port == 465,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError(f"recipient refused: {error}") from error
        except aiosmtplib.SMTPResponseException as error:
            if 500 <= error.code < 600:
                raise PermanentDeliveryError(f"SMTP {error.code}: {error.message}") from error
            raise


class OutboxWorker:
    """Sends due outbox rows through the sender registered for their kind."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        *,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        backoff_base: dt.timedelta = dt.timedelta(seconds=10),
        backoff_max: dt.timedelta = dt.timedelta(hours=1),
        max_attempts: int = 12,
        batch_size: int = 20,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessionmaker = sessionmaker
        # Not copied: the gateway may register its SMS sender after the worker starts.
        self.senders = senders
        self.lease, self.backoff_base, self.backoff_max = lease, backoff_base, backoff_max
        self.max_attempts, self.batch_size, self.clock = max_attempts, batch_size, clock

    def backoff(self, attempts: int) -> dt.timedelta:
        """Delay before attempt ``attempts + 1``: base * 2**(attempts - 1), capped."""
        delay: dt.timedelta = self.backoff_base * (2 ** max(attempts - 1, 0))
        return min(delay, self.backoff_max)

    def _due(self, now: dt.datetime) -> Any:
        return and_(
            Outbox.kind.in_(list(self.senders)),
            or_(
                and_(Outbox.status == OutboxStatus.PENDING, Outbox.next_attempt_at <= now),
                and_(Outbox.status == OutboxStatus.SENDING, Outbox.claimed_until < now),
            ),
        )

    async def _claim(self, row_id: int) -> Outbox | None:
        now = self.clock()
        async with self.sessionmaker.begin() as session:
            result = await session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, self._due(now))
                .values(
                    status=OutboxStatus.SENDING.value,
                    claimed_until=now + self.lease,
                    attempts=Outbox.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                return None  # another worker took it
            return await session.get(Outbox, row_id, populate_existing=True)

    async def _finish(self, row: Outbox, **values: Any) -> None:
        async with self.sessionmaker.begin() as session:
            await session.execute(
                update(Outbox)
                .where(
                    Outbox.id == row.id,
                    Outbox.status == OutboxStatus.SENDING,
                    Outbox.attempts == row.attempts,
                )
                .values(claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    async def _send(self, row: Outbox) -> bool:
        sender = self.senders[row.kind]
        try:
            await sender({**row.payload, "dedup_key": row.dedup_key})
        except Exception as error:  # any failure is recorded and retried
            permanent = isinstance(error, PermanentDeliveryError)
            give_up = permanent or row.attempts >= self.max_attempts
            reason = f"{type(error).__name__}: {error}"[:1000]
            log.warning(
                "outbox %s #%s attempt %s failed%s: %s",
                row.kind,
                row.id,
                row.attempts,
                " (giving up)" if give_up else "",
                type(error).__name__,
            )
            await self._finish(
                row,
                status=(OutboxStatus.FAILED if give_up else OutboxStatus.PENDING).value,
                next_attempt_at=self.clock() + self.backoff(row.attempts),
                last_error=reason,
            )
            return False
        await self._finish(
            row, status=OutboxStatus.SENT.value, sent_at=self.clock(), last_error=None
        )
        return True

    async def run_once(self) -> int:
        """Claim and send every row due now; return how many were sent."""
        if not self.senders:
            return 0
        async with self.sessionmaker() as session:
            ids = (
                await session.scalars(
                    select(Outbox.id)
                    .where(self._due(self.clock()))
                    .order_by(Outbox.next_attempt_at, Outbox.id)
                    .limit(self.batch_size)
                )
            ).all()
        sent = 0
        for row_id in ids:
            row = await self._claim(row_id)
            if row is not None and await self._send(row):
                sent += 1
        return sent

    async def run(self, interval: float = 2.0) -> None:
        """Poll forever (cancel the task to stop); a failing pass is logged, never fatal."""
        while True:
            try:
                while await self.run_once() >= self.batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; retrying")
            await asyncio.sleep(interval)
