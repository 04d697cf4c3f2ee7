"""Persistence of contacts, conversations and messages, handing back immutable snapshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, Unpack

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import InstrumentedAttribute

from livechat.conversations import writes
from livechat.conversations.snapshots import ConversationInfo, MessageInfo
from livechat.conversations.writes import AppendOptions
from livechat.db import SessionRunner, SQLiteThread, storage_errors, utcnow
from livechat.errors import ConversationNotFound, LivechatError, StorageUnavailable
from livechat.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Sender,
)
from livechat.requests.models import SurveyResponse

__all__ = [
    "AppendOptions",
    "ConversationInfo",
    "ConversationStore",
    "DuplicateMessage",
    "MessageInfo",
]

T = TypeVar("T")


class DuplicateMessage(LivechatError):
    """A message with this client message id is already stored; `existing` is that one."""

    def __init__(self, existing: MessageInfo) -> None:
        super().__init__(f"message {existing.id} already stored")
        self.existing = existing


class ConversationStore:
    """Finds or creates contacts and conversations and appends messages, one commit each."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sqlite_thread: SQLiteThread | None = None,
    ) -> None:
        """`sqlite_thread`, given for a SQLite file, runs the per-message transactions."""
        self._sessionmaker = sessionmaker
        self._run_unit = SessionRunner(sessionmaker, sqlite_thread)

    async def open_web_conversation(self, session_id: str) -> ConversationInfo:
        """The unresolved web conversation of this web session, created when there is none."""
        return await self._open(Contact.web_session_id, session_id, Channel.WEB)

    async def open_phone_conversation(
        self, phone: str, channel: Channel = Channel.SMS
    ) -> ConversationInfo:
        """The unresolved conversation of this phone number (E.164) on `channel`."""
        return await self._open(Contact.phone, phone, channel)

    async def find_web_conversation(self, session_id: str) -> ConversationInfo | None:
        """The web session's unresolved conversation, else its latest one, else None."""

        def find(session: Session) -> ConversationInfo | None:
            row = session.scalar(
                select(Conversation)
                .join(Contact)
                .where(Contact.web_session_id == session_id, Conversation.channel == Channel.WEB)
                .order_by(
                    (Conversation.status == ConversationStatus.RESOLVED.value).asc(),
                    Conversation.id.desc(),
                )
                .limit(1)
            )
            return None if row is None else ConversationInfo.of(row)

        return await self._run_sync(find)

    async def get_conversation(self, conversation_id: int) -> ConversationInfo:
        """The conversation with this id; ConversationNotFound when there is none."""

        def get(session: Session) -> ConversationInfo | None:
            row = session.get(Conversation, conversation_id)
            return None if row is None else ConversationInfo.of(row)

        info = await self._run_sync(get)
        if info is None:
            raise ConversationNotFound(f"conversation {conversation_id}")
        return info

    async def resolve(self, conversation_id: int) -> bool:
        """Mark the conversation resolved; False when it already was (or does not exist)."""

        async def change(session: AsyncSession) -> bool:
            result = await session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.status != ConversationStatus.RESOLVED.value,
                )
                .values(status=ConversationStatus.RESOLVED.value, updated_at=utcnow())
            )
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

        return await self._run(change)

    async def record_satisfaction(
        self,
        conversation: ConversationInfo,
        rating: int,
        *,
        language: str | None,
        comment: str | None = None,
    ) -> int:
        """Store the citizen's 1-5 rating of a web conversation (CSAT); return the row id.

        A second rating of the same conversation replaces the first (a resent or changed vote).
        """

        async def save(session: AsyncSession) -> int:
            survey = await session.scalar(
                select(SurveyResponse)
                .where(
                    SurveyResponse.conversation_public_id == conversation.public_id,
                    SurveyResponse.channel == conversation.channel,
                )
                .order_by(SurveyResponse.id.desc())
                .limit(1)
            )
            if survey is None:
                survey = SurveyResponse(
                    conversation_public_id=conversation.public_id, channel=conversation.channel
                )
                session.add(survey)
            survey.rating = rating
            survey.language = language
            survey.comment = comment
            survey.created_at = utcnow()
            await session.commit()
            return survey.id

        return await self._run(save)

    async def set_status(self, conversation_id: int, status: ConversationStatus) -> None:
        """Change who owns the conversation (the agent hub's seam)."""

        async def change(session: AsyncSession) -> None:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(status=status.value, updated_at=utcnow())
            )
            await session.commit()

        await self._run(change)

    async def append_message(
        self,
        conversation_id: int,
        *,
        direction: Direction,
        sender: Sender,
        content: str | None,
        **options: Unpack[AppendOptions],
    ) -> MessageInfo:
        """Store a message and commit; a citizen's clear language becomes the conversation's.

        A `client_message_id` already stored in the conversation raises `DuplicateMessage`
        (nothing is changed), also when two copies race: the unique constraint decides.
        With `unresolved_only`, a resolved conversation raises `ConversationNotFound` and
        nothing is stored (the web channel's fast path for the session's known conversation).
        """
        _, message = await self.append_and_read(
            conversation_id, direction=direction, sender=sender, content=content, **options
        )
        return message

    async def append_and_read(
        self,
        conversation_id: int,
        *,
        direction: Direction,
        sender: Sender,
        content: str | None,
        **options: Unpack[AppendOptions],
    ) -> tuple[ConversationInfo, MessageInfo]:
        """`append_message`, also returning the conversation as this transaction left it.

        The router needs the conversation's current status for each citizen message; reading
        it back in the same statement that touches it saves a transaction per message.
        """

        def append(session: Session) -> tuple[ConversationInfo, MessageInfo]:
            stored = writes.append_message(
                session,
                conversation_id,
                direction=direction,
                sender=sender,
                content=content,
                **options,
            )
            session.commit()
            return stored

        try:
            return await self._run_sync(append)
        except IntegrityError:
            client_message_id = options.get("client_message_id")
            if client_message_id is not None:
                existing = await self.find_client_message(conversation_id, client_message_id)
                if existing is not None:
                    raise DuplicateMessage(existing) from None
            raise

    async def find_client_message(
        self, conversation_id: int, client_message_id: str
    ) -> MessageInfo | None:
        """The conversation's message with this client message id, if stored."""

        async def find(session: AsyncSession) -> MessageInfo | None:
            row = await session.scalar(
                select(Message).where(
                    Message.conversation_id == conversation_id,
                    Message.client_message_id == client_message_id,
                )
            )
            return None if row is None else MessageInfo.of(row)

        return await self._run(find)

    async def history(
        self, conversation_id: int, *, limit: int = 500, include_private: bool = False
    ) -> list[MessageInfo]:
        """The conversation's messages to and from the citizen, oldest first."""

        async def read(session: AsyncSession) -> list[MessageInfo]:
            query = (
                select(Message)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.direction != Direction.ACTIVITY.value,
                )
                .order_by(Message.id.desc())
                .limit(limit)
            )
            if not include_private:
                query = query.where(Message.private.is_(False))
            rows = (await session.scalars(query)).all()
            return [MessageInfo.of(row) for row in reversed(rows)]

        return await self._run(read)

    async def _open(self, identifier: Any, value: str, channel: Channel) -> ConversationInfo:
        # Two sockets of one session may race: the unique constraints make one insert fail,
        # and the retry then finds the winner's row.
        for attempt in range(3):
            try:
                return await self._run_sync(
                    lambda s: self._open_once(s, identifier, value, channel)
                )
            except IntegrityError:
                if attempt == 2:
                    raise StorageUnavailable("could not open a conversation") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _open_once(
        session: Session, identifier: InstrumentedAttribute[Any], value: str, channel: Channel
    ) -> ConversationInfo:
        conversation = writes.open_conversation(session, identifier, value, channel)
        session.commit()
        return conversation

    async def _run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        with storage_errors():
            async with self._sessionmaker() as session:
                return await work(session)

    async def _run_sync(self, work: Callable[[Session], T]) -> T:
        """Run a synchronous unit of work (see `SessionRunner`)."""
        with storage_errors():
            return await self._run_unit(work)
