"""ConversationStore on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.conversations.store import ConversationStore, DuplicateMessage
from livechat.db import SQLiteThread, create_engine, create_sessionmaker
from livechat.errors import ConversationNotFound, StorageUnavailable
from livechat.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Sender,
)
from livechat.requests.models import SurveyResponse

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def store(sessionmaker: Sessions, sqlite_thread: SQLiteThread | None) -> ConversationStore:
    return ConversationStore(sessionmaker, sqlite_thread)


async def test_open_web_conversation_is_idempotent(
    store: ConversationStore, sessionmaker: Sessions
) -> None:
    first = await store.open_web_conversation("sess-1")
    again = await store.open_web_conversation("sess-1")
    other = await store.open_web_conversation("sess-2")
    assert first == again
    assert other.id != first.id
    assert (first.channel, first.status, first.language) == ("web", "bot", None)
    assert first.rasa_sender == first.public_id.hex
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 2


async def test_concurrent_opens_make_one_conversation(
    store: ConversationStore, sessionmaker: Sessions
) -> None:
    opened = await asyncio.gather(*(store.open_web_conversation("racing") for _ in range(8)))
    assert len({c.id for c in opened}) == 1
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 1


async def test_phone_conversations_are_per_channel(store: ConversationStore) -> None:
    sms = await store.open_phone_conversation("+15145550100")
    assert sms.channel == "sms"
    assert await store.open_phone_conversation("+15145550100") == sms


async def test_resolved_conversation_is_followed_by_a_new_one(store: ConversationStore) -> None:
    first = await store.open_web_conversation("sess")
    await store.set_status(first.id, ConversationStatus.RESOLVED)
    assert (await store.find_web_conversation("sess")) == (await store.get_conversation(first.id))
    second = await store.open_web_conversation("sess")
    assert second.id != first.id
    assert second.public_id != first.public_id
    assert await store.find_web_conversation("sess") == second
    assert await store.find_web_conversation("nobody") is None


async def test_append_message_updates_language_and_activity(store: ConversationStore) -> None:
    conversation = await store.open_web_conversation("sess")
    before = await store.get_conversation(conversation.id)

    citizen = await store.append_message(
        conversation.id,
        direction=Direction.INCOMING,
        sender=Sender.CITIZEN,
        content="Bonjour",
        language="fr",
    )
    await store.append_message(
        conversation.id,
        direction=Direction.OUTGOING,
        sender=Sender.BOT,
        content="Hello",
        language="en",  # the bot's language does not change the conversation's
    )
    await store.append_message(
        conversation.id, direction=Direction.INCOMING, sender=Sender.CITIZEN, content="ok"
    )

    after = await store.get_conversation(conversation.id)
    assert before.language is None
    assert after.language == "fr"
    assert citizen.id is not None and citizen.created_at.tzinfo is not None


async def test_append_and_read_returns_the_conversation_as_stored(
    store: ConversationStore,
) -> None:
    conversation = await store.open_web_conversation("sess")
    await store.set_status(conversation.id, ConversationStatus.QUEUED)

    read, message = await store.append_and_read(
        conversation.id,
        direction=Direction.INCOMING,
        sender=Sender.CITIZEN,
        content="Hello, anyone there?",
        language="en",
    )

    assert read == await store.get_conversation(conversation.id)
    assert (read.status, read.language, read.public_id) == (
        "queued",
        "en",
        conversation.public_id,
    )
    assert message.conversation_id == conversation.id and message.id is not None


async def test_history_is_ordered_and_hides_private_and_activity(store: ConversationStore) -> None:
    conversation = await store.open_web_conversation("sess")
    for direction, sender, text, private in [
        (Direction.INCOMING, Sender.CITIZEN, "one", False),
        (Direction.OUTGOING, Sender.BOT, "two", False),
        (Direction.ACTIVITY, Sender.SYSTEM, "assigned to an agent", False),
        (Direction.OUTGOING, Sender.AGENT, "internal note", True),
        (Direction.OUTGOING, Sender.AGENT, "three", False),
    ]:
        await store.append_message(
            conversation.id, direction=direction, sender=sender, content=text, private=private
        )
    history = await store.history(conversation.id)
    assert [m.content for m in history] == ["one", "two", "three"]
    assert [m.content for m in await store.history(conversation.id, limit=2)] == ["two", "three"]
    with_private = await store.history(conversation.id, include_private=True)
    assert [m.content for m in with_private] == ["one", "two", "internal note", "three"]


async def test_unknown_conversation(store: ConversationStore) -> None:
    with pytest.raises(ConversationNotFound):
        await store.get_conversation(999_999)
    with pytest.raises(ConversationNotFound):
        await store.append_message(
            999_999, direction=Direction.INCOMING, sender=Sender.CITIZEN, content="x"
        )


async def test_unreachable_database_raises_storage_unavailable(closed_url: str) -> None:
    port = closed_url.rsplit(":", 1)[1]
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none")
    try:
        store = ConversationStore(create_sessionmaker(engine))
        with pytest.raises(StorageUnavailable):
            await store.open_web_conversation("sess")
    finally:
        await engine.dispose()


async def citizen_says(
    store: ConversationStore, conversation_id: int, text: str, client_id: str | None
) -> int | None:
    """The stored message's id, or the existing one's id (negated) for a duplicate."""
    try:
        message = await store.append_message(
            conversation_id,
            direction=Direction.INCOMING,
            sender=Sender.CITIZEN,
            content=text,
            language="fr",
            client_message_id=client_id,
        )
    except DuplicateMessage as duplicate:
        assert duplicate.existing.id is not None
        return -duplicate.existing.id
    return message.id


async def test_client_message_id_is_unique_per_conversation(
    store: ConversationStore, sessionmaker: Sessions
) -> None:
    first = await store.open_web_conversation("sess-1")
    other = await store.open_web_conversation("sess-2")

    stored = await citizen_says(store, first.id, "Bonjour", "c1")
    assert stored is not None and stored > 0
    assert await citizen_says(store, first.id, "Bonjour", "c1") == -stored
    # Another conversation may use the same id; messages without one never collide.
    assert (await citizen_says(store, other.id, "Bonjour", "c1") or 0) > 0
    assert (await citizen_says(store, first.id, "sans id", None) or 0) > 0
    assert (await citizen_says(store, first.id, "sans id", None) or 0) > 0

    found = await store.find_client_message(first.id, "c1")
    assert found is not None and (found.id, found.client_message_id) == (stored, "c1")
    assert await store.find_client_message(first.id, "nope") is None
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [(m.conversation_id, m.client_message_id) for m in rows] == [
        (first.id, "c1"),
        (other.id, "c1"),
        (first.id, None),
        (first.id, None),
    ]


async def test_concurrent_copies_store_one_message(
    store: ConversationStore, sessionmaker: Sessions
) -> None:
    conversation = await store.open_web_conversation("racing")
    results = await asyncio.gather(
        *(citizen_says(store, conversation.id, "copie", "same-id") for _ in range(8))
    )
    assert len([r for r in results if r is not None and r > 0]) == 1
    assert len({abs(r) for r in results if r is not None}) == 1
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_other_integrity_errors_still_propagate(store: ConversationStore) -> None:
    # The SMS channel relies on this for Twilio's retried webhooks (same MessageSid).
    conversation = await store.open_phone_conversation("+15145550100")

    async def sms() -> None:
        await store.append_message(
            conversation.id,
            direction=Direction.INCOMING,
            sender=Sender.CITIZEN,
            content="Oui",
            source_id="SM123",
        )

    await sms()
    with pytest.raises(IntegrityError):
        await sms()


async def test_unresolved_only_refuses_a_resolved_conversation(
    store: ConversationStore, sessionmaker: Sessions
) -> None:
    conversation = await store.open_web_conversation("sess")
    stored = await store.append_message(
        conversation.id,
        direction=Direction.INCOMING,
        sender=Sender.CITIZEN,
        content="Bonjour",
        language="fr",
        unresolved_only=True,
    )
    assert stored.id is not None and stored.content == "Bonjour"
    await store.resolve(conversation.id)
    with pytest.raises(ConversationNotFound):
        await store.append_message(
            conversation.id,
            direction=Direction.INCOMING,
            sender=Sender.CITIZEN,
            content="encore",
            unresolved_only=True,
        )
    async with sessionmaker() as session:
        contents = (await session.scalars(select(Message.content))).all()
    assert contents == ["Bonjour"]


async def test_resolve_is_idempotent(store: ConversationStore) -> None:
    conversation = await store.open_web_conversation("sess")
    assert await store.resolve(conversation.id) is True
    assert await store.resolve(conversation.id) is False
    assert await store.resolve(999_999) is False
    assert (await store.get_conversation(conversation.id)).status == "resolved"


async def test_record_satisfaction_keeps_one_rating_per_conversation(
    store: ConversationStore, sessionmaker: Sessions
) -> None:
    first = await store.open_web_conversation("sess")
    await store.resolve(first.id)
    second = await store.open_web_conversation("sess")

    one = await store.record_satisfaction(first, 2, language="fr", comment="lent")
    again = await store.record_satisfaction(first, 4, language="en")
    other = await store.record_satisfaction(second, 5, language=None)

    assert one == again != other
    async with sessionmaker() as session:
        rows = (await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))).all()
    assert [
        (r.rating, r.language, r.comment, r.channel, r.conversation_public_id) for r in rows
    ] == [(4, "en", None, "web", first.public_id), (5, None, None, "web", second.public_id)]
