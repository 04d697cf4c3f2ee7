"""Database work of the SMS channel: receiving, opt-outs, delivery status, the last bot question.

An SMS's hot path is two units of work (each one hop to the database thread): `receive` stores
the citizen's message and reads what handling it needs; `recipient` reads where and whether a
reply may go.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from livechat.conversations import writes
from livechat.conversations.snapshots import ConversationInfo, MessageInfo
from livechat.db import SessionRunner, SQLiteThread, utcnow
from livechat.errors import StorageUnavailable
from livechat.models import (
    Channel,
    Contact,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    Sender,
)

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


@dataclass(frozen=True)
class SmsState:
    """What handling a citizen's SMS needs, read in one unit of work."""

    conversation: ConversationInfo
    opted_out: bool
    # The bot's latest message (its buttons are the numbered choices a reply may pick).
    last_bot: MessageInfo | None


@dataclass(frozen=True)
class Received:
    """A stored incoming SMS and the state it was stored in."""

    message: MessageInfo
    state: SmsState


# Prebuilt (their cache keys are memoised): the reads of every incoming SMS.
_OPTED_OUT_AT = select(Contact.sms_opted_out_at).where(Contact.id == bindparam("contact_id"))
_RECIPIENT = select(Contact.phone, Contact.sms_opted_out_at).where(
    Contact.id == bindparam("contact_id")
)
_MESSAGE_COLUMNS = [column for column in Message.__table__.columns]
_LAST_BOT = (
    select(*_MESSAGE_COLUMNS)
    .where(
        Message.conversation_id == bindparam("conversation_id"),
        Message.direction == Direction.OUTGOING.value,
        Message.sender == Sender.BOT.value,
    )
    .order_by(Message.id.desc())
    .limit(1)
)
_MESSAGE = select(*_MESSAGE_COLUMNS).where(Message.id == bindparam("message_id"))


class SmsStore:
    """Reads and writes what the SMS channel needs beyond the conversation store."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sqlite_thread: SQLiteThread | None = None,
    ) -> None:
        """`sqlite_thread`, given for a SQLite file, runs each unit of work in one hop."""
        self._run_unit = SessionRunner(sessionmaker, sqlite_thread)

    async def receive(
        self,
        phone: str,
        *,
        content: str,
        payload: dict[str, Any] | None,
        language: str | None,
        source_id: str,
    ) -> Received | None:
        """Store a citizen's SMS in the number's open conversation (opened if needed) and read
        the opt-out and the bot's last message, in one transaction; None when this MessageSid
        is already stored (Twilio retried the webhook)."""

        def work(session: Session) -> Received:
            opened = writes.open_conversation(session, Contact.phone, phone, Channel.SMS)
            conversation, message = writes.append_message(
                session,
                opened.id,
                direction=Direction.INCOMING,
                sender=Sender.CITIZEN,
                content=content,
                payload=payload,
                language=language,
                source_id=source_id,
            )
            state = self._state(session, conversation)
            session.commit()
            return Received(message, state)

        # Two webhooks from a new number may race to create its contact: the unique
        # constraint makes one fail, and the retry finds the winner's row.
        for attempt in range(3):
            try:
                return await self._run(work, integrity_errors=True)
            except IntegrityError:
                if await self.has_message(source_id):
                    return None
                if attempt == 2:
                    raise StorageUnavailable("could not store the sms") from None
        raise AssertionError("unreachable")

    async def state(self, conversation_id: int) -> SmsState | None:
        """The conversation's current SmsState (None if it does not exist)."""

        def read(session: Session) -> SmsState | None:
            row = session.get(Conversation, conversation_id)
            return None if row is None else self._state(session, ConversationInfo.of(row))

        return await self._run(read)

    async def recipient(self, contact_id: int) -> tuple[str | None, bool]:
        """(phone, opted out) of a contact: where a reply goes and whether it may."""

        def read(session: Session) -> tuple[str | None, bool]:
            row = session.connection().execute(_RECIPIENT, {"contact_id": contact_id}).first()
            return (None, False) if row is None else (row[0], row[1] is not None)

        return await self._run(read)

    async def is_opted_out(self, phone: str) -> bool:
        """True when this number sent STOP and not START since."""

        def read(session: Session) -> bool:
            opted_out = session.scalar(
                select(Contact.sms_opted_out_at).where(Contact.phone == phone)
            )
            return opted_out is not None

        return await self._run(read)

    async def set_opted_out(self, phone: str, opted_out: bool) -> None:
        """Record STOP (True) or START (False) on the number's Contact (created if needed)."""

        def write(session: Session) -> None:
            contact = session.scalar(select(Contact).where(Contact.phone == phone))
            if contact is None:
                contact = Contact(phone=phone)
                session.add(contact)
            contact.sms_opted_out_at = utcnow() if opted_out else None
            session.commit()

        await self._run(write)

    async def has_message(self, source_id: str) -> bool:
        """True when a message with this provider id (Twilio MessageSid) is stored."""

        def read(session: Session) -> bool:
            found = session.scalar(select(Message.id).where(Message.source_id == source_id))
            return found is not None

        return await self._run(read)

    async def phone_of_contact(self, contact_id: int) -> str | None:
        """The phone number of a contact."""

        def read(session: Session) -> str | None:
            return session.scalar(select(Contact.phone).where(Contact.id == contact_id))

        return await self._run(read)

    async def phone_of_sms_conversation(self, public_id: uuid.UUID) -> str | None:
        """The number of an SMS conversation (by its public id); None for other channels."""

        def read(session: Session) -> str | None:
            return session.scalar(
                select(Contact.phone)
                .join(Conversation, Conversation.contact_id == Contact.id)
                .where(Conversation.public_id == public_id, Conversation.channel == Channel.SMS)
            )

        return await self._run(read)

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

    async def last_bot_message(self, conversation_id: int) -> MessageInfo | None:
        """The bot's latest message in the conversation (see `_last_bot`)."""
        return await self._run(lambda session: self._last_bot(session, conversation_id))

    @classmethod
    def _state(cls, session: Session, conversation: ConversationInfo) -> SmsState:
        opted_out_at = (
            session.connection()
            .execute(_OPTED_OUT_AT, {"contact_id": conversation.contact_id})
            .scalar()
        )
        last_bot = cls._last_bot(session, conversation.id)
        return SmsState(conversation, opted_out_at is not None, last_bot)

    @staticmethod
    def _last_bot(session: Session, conversation_id: int) -> MessageInfo | None:
        """The bot's latest message (continuation parts of a long message point back to their
        first part, which holds the buttons)."""
        connection = session.connection()
        row = connection.execute(_LAST_BOT, {"conversation_id": conversation_id}).first()
        if row is None:
            return None
        first = ((row.payload or {}).get("sms") or {}).get("part_of")
        if first is not None:
            row = connection.execute(_MESSAGE, {"message_id": first}).first()
        return None if row is None else MessageInfo.of(row)

    async def _run(self, work: Callable[[Session], T], *, integrity_errors: bool = False) -> T:
        """Run a unit of work; database failures become StorageUnavailable (IntegrityError
        passes through when the caller handles it)."""
        try:
            return await self._run_unit(work)
        except IntegrityError:
            if integrity_errors:
                raise
            raise StorageUnavailable("database error: IntegrityError") from None
        except SQLAlchemyError as error:
            raise StorageUnavailable(f"database error: {type(error).__name__}") from error
        except OSError as error:
            raise StorageUnavailable(f"database unreachable: {type(error).__name__}") from error
