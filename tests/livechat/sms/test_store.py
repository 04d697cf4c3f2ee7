"""SmsStore: an incoming SMS stored with what handling it needs, in one unit of work."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.conversations.store import ConversationStore
from livechat.db import SQLiteThread
from livechat.models import Contact, Conversation, Direction, Message, Sender
from livechat.sms.store import SmsStore

Sessions = async_sessionmaker[AsyncSession]
PHONE = "+17055550142"
BUTTONS = {
    "buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
}


def stores(
    sessionmaker: Sessions, thread: SQLiteThread | None
) -> tuple[SmsStore, ConversationStore]:
    return SmsStore(sessionmaker, thread), ConversationStore(sessionmaker, thread)


async def test_receive_opens_the_conversation_and_stores_the_message(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    sms, _ = stores(sessionmaker, sqlite_thread)

    received = await sms.receive(
        PHONE, content="Bonjour", payload=None, language="fr", source_id="SM1"
    )

    assert received is not None
    state = received.state
    assert (state.conversation.channel, state.conversation.status) == ("sms", "bot")
    assert state.conversation.language == "fr"  # the message's clear language, as stored
    assert (state.opted_out, state.last_bot) == (False, None)
    assert received.message.id is not None and received.message.content == "Bonjour"
    async with sessionmaker() as session:
        stored = await session.get(Message, received.message.id)
        assert stored is not None and (stored.source_id, stored.direction) == ("SM1", "incoming")


async def test_receive_reads_the_opt_out_and_the_bots_last_buttons(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    sms, conversations = stores(sessionmaker, sqlite_thread)
    first = await sms.receive(PHONE, content="Allo", payload=None, language=None, source_id="SM1")
    assert first is not None
    question = await conversations.append_message(
        first.state.conversation.id,
        direction=Direction.OUTGOING,
        sender=Sender.BOT,
        content="Voulez-vous un agent?",
        payload=BUTTONS,
    )
    # A long message's later part points back to the first part, which holds the buttons.
    await conversations.append_message(
        first.state.conversation.id,
        direction=Direction.OUTGOING,
        sender=Sender.BOT,
        content="(suite)",
        payload={"sms": {"part_of": question.id}},
    )
    await sms.set_opted_out(PHONE, True)

    second = await sms.receive(PHONE, content="1", payload=None, language=None, source_id="SM2")

    assert second is not None
    assert second.state.conversation.id == first.state.conversation.id
    assert second.state.opted_out is True
    assert second.state.last_bot is not None and second.state.last_bot.id == question.id
    assert second.state.last_bot.payload == BUTTONS
    assert await sms.state(first.state.conversation.id) == second.state


async def test_a_retried_webhook_is_not_stored_twice(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    sms, _ = stores(sessionmaker, sqlite_thread)
    assert await sms.receive(PHONE, content="Allo", payload=None, language=None, source_id="SMx")

    again = await sms.receive(PHONE, content="Allo", payload=None, language=None, source_id="SMx")

    assert again is None
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_first_messages_of_a_new_number_racing_make_one_contact(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    sms, _ = stores(sessionmaker, sqlite_thread)

    received = await asyncio.gather(
        *(
            sms.receive(PHONE, content=f"m{i}", payload=None, language=None, source_id=f"SM{i}")
            for i in range(6)
        )
    )

    assert all(r is not None for r in received)
    assert len({r.state.conversation.id for r in received if r is not None}) == 1
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 1
        assert await session.scalar(select(func.count()).select_from(Message)) == 6


async def test_recipient_is_the_phone_and_its_opt_out(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    sms, _ = stores(sessionmaker, sqlite_thread)
    received = await sms.receive(PHONE, content="Allo", payload=None, language=None, source_id="S")
    assert received is not None
    contact_id = received.state.conversation.contact_id

    assert await sms.recipient(contact_id) == (PHONE, False)
    await sms.set_opted_out(PHONE, True)
    assert await sms.recipient(contact_id) == (PHONE, True)
    assert await sms.recipient(contact_id + 1000) == (None, False)


async def test_store_reply_stores_the_message_and_reads_its_recipient(
    sessionmaker: Sessions, sqlite_thread: SQLiteThread | None
) -> None:
    sms, conversations = stores(sessionmaker, sqlite_thread)
    received = await sms.receive(PHONE, content="Allo", payload=None, language="fr", source_id="S")
    assert received is not None
    await sms.set_opted_out(PHONE, True)

    message, phone, opted_out = await sms.store_reply(
        received.state.conversation,
        sender=Sender.BOT,
        content="Bonjour!",
        payload=BUTTONS,
        language="fr",
    )

    assert (phone, opted_out) == (PHONE, True)
    assert message.id is not None and message.direction == "outgoing"
    history = await conversations.history(received.state.conversation.id)
    assert [(m.sender, m.content, m.payload) for m in history][-1] == ("bot", "Bonjour!", BUTTONS)
