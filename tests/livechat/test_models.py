"""Models on a migrated database (SQLite and PostgreSQL): constraints, UTC datetimes, JSON."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.models import Contact, Conversation, Message

Sessions = async_sessionmaker[AsyncSession]


async def _conversation(session: AsyncSession, **values: object) -> Conversation:
    contact = Contact(web_session_id=uuid.uuid4().hex)
    session.add(contact)
    await session.flush()
    conversation = Conversation(contact_id=contact.id, channel="web", **values)
    session.add(conversation)
    await session.flush()
    return conversation


async def test_defaults_and_timezone_aware_utc_round_trip(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        conversation = await _conversation(session)
        local = dt.datetime(2025, 3, 9, 3, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
        session.add(
            Message(
                conversation_id=conversation.id,
                direction="outgoing",
                sender="bot",
                content="Bonjour",
                payload={"buttons": [{"title": "Oui", "payload": "/affirm"}], "é": "ü"},
                created_at=local,
            )
        )
        await session.commit()
        conversation_id = conversation.id

    async with sessionmaker() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        message = await session.scalar(select(Message))
    assert message is not None
    assert isinstance(conversation.public_id, uuid.UUID)
    assert conversation.status == "bot"
    assert conversation.created_at.tzinfo is not None
    assert conversation.created_at.utcoffset() == dt.timedelta(0)
    assert message.created_at == local
    assert message.created_at.utcoffset() == dt.timedelta(0)
    assert message.created_at.hour == 7
    assert message.payload == {"buttons": [{"title": "Oui", "payload": "/affirm"}], "é": "ü"}
    assert message.private is False


async def test_naive_datetimes_are_refused(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        session.add(Contact(phone="+15145550100", created_at=dt.datetime(2025, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            await session.flush()


@pytest.mark.parametrize(
    "contact",
    [{"web_session_id": "same"}, {"phone": "+15145550100"}, {"email": "a@b.example"}],
)
async def test_contact_identifiers_are_unique(
    sessionmaker: Sessions, contact: dict[str, str]
) -> None:
    async with sessionmaker() as session:
        session.add(Contact(**contact))
        await session.commit()
        session.add(Contact(**contact))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_one_unresolved_conversation_per_contact_and_channel(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        first = await _conversation(session)
        await session.commit()
        session.add(Conversation(contact_id=first.contact_id, channel="sms"))
        await session.commit()  # another channel is fine
        session.add(Conversation(contact_id=first.contact_id, channel="web"))
        with pytest.raises(IntegrityError):
            await session.commit()
        await session.rollback()
        first.status = "resolved"
        await session.commit()
        session.add(Conversation(contact_id=first.contact_id, channel="web"))
        await session.commit()  # a new one once the previous is resolved


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [
        ("conversation", "status", "closed"),
        ("conversation", "channel", "fax"),
        ("conversation", "language", "de"),
        ("message", "direction", "sideways"),
        ("message", "sender", "robot"),
    ],
)
async def test_check_constraints(
    sessionmaker: Sessions, model: str, column: str, value: str
) -> None:
    async with sessionmaker() as session:
        conversation = await _conversation(session)
        await session.commit()
        if model == "conversation":
            setattr(conversation, column, value)
        else:
            values = {"direction": "incoming", "sender": "citizen", column: value}
            session.add(Message(conversation_id=conversation.id, content="x", **values))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_message_source_id_is_unique_and_nullable(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        conversation = await _conversation(session)
        for source_id in (None, None, "SM123"):
            session.add(
                Message(
                    conversation_id=conversation.id,
                    direction="incoming",
                    sender="citizen",
                    content="hi",
                    source_id=source_id,
                )
            )
        await session.commit()
        session.add(
            Message(
                conversation_id=conversation.id,
                direction="incoming",
                sender="citizen",
                content="retry",
                source_id="SM123",
            )
        )
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_deleting_a_contact_cascades(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        conversation = await _conversation(session)
        session.add(
            Message(conversation_id=conversation.id, direction="incoming", sender="citizen")
        )
        await session.commit()
        contact = await session.get(Contact, conversation.contact_id)
        await session.delete(contact)
        await session.commit()
        assert (await session.scalars(select(Message))).all() == []
