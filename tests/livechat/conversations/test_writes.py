"""The per-message writes as steps of a caller's transaction (nothing committed by them)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from livechat.conversations import writes
from livechat.conversations.snapshots import ConversationInfo
from livechat.db import SessionRunner, SQLiteThread
from livechat.errors import ConversationNotFound
from livechat.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Sender,
)

Sessions = async_sessionmaker[AsyncSession]


async def test_steps_commit_nothing_themselves(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    run = SessionRunner(sessionmaker, sqlite_thread)

    def open_and_append_then_roll_back(session: Session) -> ConversationInfo:
        opened = writes.open_conversation(session, Contact.web_session_id, "s1", Channel.WEB)
        writes.append_message(
            session, opened.id, direction=Direction.INCOMING, sender=Sender.CITIZEN, content="a"
        )
        session.rollback()
        return opened

    await run(open_and_append_then_roll_back)

    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
        assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_open_reuses_the_unresolved_conversation_and_append_returns_it(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    run = SessionRunner(sessionmaker, sqlite_thread)

    def two_messages(session: Session) -> list[ConversationInfo]:
        seen = []
        for text, language in (("Bonjour", "fr"), ("ok", None)):
            opened = writes.open_conversation(session, Contact.phone, "+15145550100", Channel.SMS)
            conversation, message = writes.append_message(
                session,
                opened.id,
                direction=Direction.INCOMING,
                sender=Sender.CITIZEN,
                content=text,
                language=language,
            )
            assert message.conversation_id == opened.id and message.id is not None
            seen.append(conversation)
        session.commit()
        return seen

    first, second = await run(two_messages)

    assert first.id == second.id
    # A message without a clear language keeps the conversation's.
    assert (first.language, second.language) == ("fr", "fr")


async def test_append_unresolved_only_refuses_a_resolved_conversation(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    run = SessionRunner(sessionmaker, sqlite_thread)

    def resolve_then_append(session: Session) -> str:
        opened = writes.open_conversation(session, Contact.web_session_id, "s2", Channel.WEB)
        session.commit()
        conversation = session.get(Conversation, opened.id)
        assert conversation is not None
        conversation.status = ConversationStatus.RESOLVED.value
        session.commit()
        try:
            writes.append_message(
                session,
                opened.id,
                direction=Direction.INCOMING,
                sender=Sender.CITIZEN,
                content="encore",
                unresolved_only=True,
            )
        except ConversationNotFound:
            return "refused"
        return "stored"

    assert await run(resolve_then_append) == "refused"
