"""What the gateway sent by SMS: attempts, Twilio's sids and statuses, retries' inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from livechat.db import SessionRunner, SQLiteThread, storage_errors
from livechat.models import Contact, Conversation, DeliveryStatus, Message

T = TypeVar("T")

# How far along a status is; a callback never moves a message backwards (callbacks may arrive
# out of order: "sent" after "delivered").
_RANK = {
    DeliveryStatus.ACCEPTED: 0,
    DeliveryStatus.SCHEDULED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENDING: 2,
    DeliveryStatus.SENT: 3,
    DeliveryStatus.DELIVERED: 4,
    DeliveryStatus.READ: 5,
    DeliveryStatus.UNDELIVERED: 6,
    DeliveryStatus.FAILED: 6,
    DeliveryStatus.CANCELED: 6,
}
FAILED_STATUSES = frozenset({DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED})


@dataclass(frozen=True)
class Delivery:
    """An outgoing SMS as stored: its message, conversation and recipient."""

    message_id: int
    conversation_id: int
    phone: str
    content: str
    sender: str
    payload: dict[str, Any]
    status: str | None
    sid: str | None

    @property
    def attempts(self) -> int:
        """How many times this SMS was handed to Twilio."""
        return int(self.payload.get("sms", {}).get("attempts", 0))


class DeliveryRecords:
    """Outgoing SMS as stored: each attempt, and the status callbacks that follow."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sqlite_thread: SQLiteThread | None = None,
    ) -> None:
        """`sqlite_thread`, given for a SQLite file, runs each unit of work in one hop."""
        self._run_unit = SessionRunner(sessionmaker, sqlite_thread)

    async def record_attempt(
        self,
        message_id: int,
        *,
        content: str,
        sms: dict[str, Any],
        sid: str | None,
        status: str | None,
        error: str | None,
    ) -> None:
        """After a send: the body sent, the sid Twilio gave (source_id), its status or error."""

        def write(session: Session) -> None:
            message = session.get(Message, message_id)
            if message is None:
                return
            payload = dict(message.payload or {})
            payload["sms"] = {**payload.get("sms", {}), **sms}
            message.payload = payload
            message.content = content
            message.source_id = sid
            message.delivery_status = status
            message.delivery_error = error
            session.commit()

        await self._run(write)

    async def update_status(
        self, sid: str, status: DeliveryStatus, error: str | None
    ) -> Delivery | None:
        """Apply a status callback unless the message is already further along; return the
        delivery when the status changed, None otherwise (unknown sid, stale callback)."""
        behind = [s.value for s in DeliveryStatus if _RANK[s] < _RANK[status]]

        def write(session: Session) -> Delivery | None:
            result = session.execute(
                update(Message)
                .where(
                    Message.source_id == sid,
                    or_(Message.delivery_status.is_(None), Message.delivery_status.in_(behind)),
                )
                .values(delivery_status=status.value, delivery_error=error)
            )
            session.commit()
            if result.rowcount == 0:  # type: ignore[attr-defined]
                return None
            return self._delivery(session, Message.source_id == sid)

        return await self._run(write)

    async def delivery(self, message_id: int) -> Delivery | None:
        """The stored SMS with this message id."""
        return await self._run(lambda session: self._delivery(session, Message.id == message_id))

    @staticmethod
    def _delivery(session: Session, condition: Any) -> Delivery | None:
        row = (
            session.execute(
                select(Message, Contact.phone)
                .join(Conversation, Message.conversation_id == Conversation.id)
                .join(Contact, Conversation.contact_id == Contact.id)
                .where(condition)
            )
        ).first()
        if row is None or row[1] is None:
            return None
        message: Message = row[0]
        return Delivery(
            message_id=message.id,
            conversation_id=message.conversation_id,
            phone=row[1],
            content=message.content or "",
            sender=message.sender,
            payload=dict(message.payload or {}),
            status=message.delivery_status,
            sid=message.source_id,
        )

    async def _run(self, work: Callable[[Session], T], *, integrity_errors: bool = False) -> T:
        """Run a unit of work; database failures become StorageUnavailable (IntegrityError
        passes through when the caller handles it)."""
        with storage_errors(integrity_errors=integrity_errors):
            return await self._run_unit(work)
