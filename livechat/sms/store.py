"""Database work of the SMS channel: receiving, opt-outs, the last bot question (and, from
DeliveryRecords, what was sent).

An SMS's hot path is two units of work (each one hop to the database thread): `receive` stores
the citizen's message and reads what handling it needs; `recipient` reads where and whether a
reply may go.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livechat.conversations import writes
from livechat.conversations.snapshots import ConversationInfo, MessageInfo
from livechat.db import utcnow
from livechat.errors import StorageUnavailable
from livechat.models import (
    Channel,
    Contact,
    Conversation,
    Direction,
    Message,
    Sender,
)
from livechat.sms.delivery_records import DeliveryRecords


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


class SmsStore(DeliveryRecords):
    """Reads and writes what the SMS channel needs beyond the conversation store."""

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

    async def store_reply(
        self,
        conversation: ConversationInfo,
        *,
        sender: Sender,
        content: str | None,
        payload: dict[str, Any] | None,
        language: str | None,
    ) -> tuple[MessageInfo, str | None, bool]:
        """Store an outgoing message and read its recipient (phone, opted out) in one
        transaction: what sending a bot reply needs, in one round trip."""

        def work(session: Session) -> tuple[MessageInfo, str | None, bool]:
            _, message = writes.append_message(
                session,
                conversation.id,
                direction=Direction.OUTGOING,
                sender=sender,
                content=content,
                payload=payload,
                language=language,
            )
            phone, opted_out = self._recipient(session, conversation.contact_id)
            session.commit()
            return message, phone, opted_out

        return await self._run(work)

    async def recipient(self, contact_id: int) -> tuple[str | None, bool]:
        """(phone, opted out) of a contact: where a reply goes and whether it may."""

        return await self._run(lambda session: self._recipient(session, contact_id))

    @staticmethod
    def _recipient(session: Session, contact_id: int) -> tuple[str | None, bool]:
        row = session.connection().execute(_RECIPIENT, {"contact_id": contact_id}).first()
        return (None, False) if row is None else (row[0], row[1] is not None)

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

    async def phone_of_sms_conversation(self, public_id: uuid.UUID) -> str | None:
        """The number of an SMS conversation (by its public id); None for other channels."""

        def read(session: Session) -> str | None:
            return session.scalar(
                select(Contact.phone)
                .join(Conversation, Conversation.contact_id == Contact.id)
                .where(Conversation.public_id == public_id, Conversation.channel == Channel.SMS)
            )

        return await self._run(read)

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
