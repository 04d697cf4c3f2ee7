"""ConversationRouter with the real store and Rasa client against the fake Rasa."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat import i18n
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationInfo, ConversationStore, MessageInfo
from livechat.db import SQLiteThread
from livechat.models import ConversationStatus, Direction, Sender
from livechat.rasa_client import RasaClient
from tests.livechat.fakes import FakeRasa

Sessions = async_sessionmaker[AsyncSession]


class Outbox:
    """Records what the router hands to a channel (stands in for a channel adapter)."""

    def __init__(self) -> None:
        self.sent: list[tuple[ConversationInfo, MessageInfo]] = []

    async def __call__(self, conversation: ConversationInfo, message: MessageInfo) -> None:
        self.sent.append((conversation, message))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def store(sessionmaker: Sessions, sqlite_thread: SQLiteThread | None) -> ConversationStore:
    return ConversationStore(sessionmaker, sqlite_thread)


async def _citizen_says(
    store: ConversationStore, session_id: str, text: str, language: str | None = None
) -> tuple[ConversationInfo, MessageInfo]:
    conversation = await store.open_web_conversation(session_id)
    message = await store.append_message(
        conversation.id,
        direction=Direction.INCOMING,
        sender=Sender.CITIZEN,
        content=text,
        language=language,
    )
    return conversation, message


async def test_bot_replies_are_stored_then_sent(
    store: ConversationStore, http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    router = ConversationRouter(store, RasaClient(http, fake_rasa.url))
    outbox = Outbox()
    router.register_sender("web", outbox)
    conversation, message = await _citizen_says(store, "s1", "/buttons")

    sent = await router.handle_incoming(conversation, message, {"session_id": "s1"})

    assert [m.content for m in sent] == ["Voulez-vous continuer?"]
    assert sent[0].id is not None and sent[0].sender == "bot"
    assert outbox.sent == [(conversation, sent[0])]
    history = await store.history(conversation.id)
    assert [(m.sender, m.content, m.payload) for m in history] == [
        ("citizen", "/buttons", None),
        (
            "bot",
            "Voulez-vous continuer?",
            {
                "buttons": [
                    {"title": "Oui", "payload": "/affirm"},
                    {"title": "Non", "payload": "/deny"},
                ]
            },
        ),
    ]
    assert fake_rasa.received[0]["metadata"] == {
        "session_id": "s1",
        "channel": "web",
        "conversation_id": conversation.rasa_sender,
        "language": None,
    }


class GatedStore(ConversationStore):
    """The real store, whose bot replies wait for `gate` before being written."""

    def __init__(
        self, sessionmaker: Sessions, thread: SQLiteThread | None, gate: asyncio.Event
    ) -> None:
        super().__init__(sessionmaker, thread)
        self.gate = gate

    async def append_message(self, *args: Any, **kwargs: Any) -> MessageInfo:
        if kwargs.get("sender") is Sender.BOT:
            await self.gate.wait()
        return await super().append_message(*args, **kwargs)


async def test_a_channel_that_needs_no_id_gets_the_reply_while_it_is_stored(
    store: ConversationStore,
    sessionmaker: Sessions,
    sqlite_thread: SQLiteThread | None,
    http: aiohttp.ClientSession,
    fake_rasa: FakeRasa,
) -> None:
    gate = asyncio.Event()
    gated = GatedStore(sessionmaker, sqlite_thread, gate)
    router = ConversationRouter(gated, RasaClient(http, fake_rasa.url))
    outbox, delivered = Outbox(), asyncio.Event()

    async def web(conversation: ConversationInfo, message: MessageInfo) -> None:
        await outbox(conversation, message)
        delivered.set()

    router.register_sender("web", web, needs_stored_id=False)
    conversation, message = await _citizen_says(store, "s1", "Bonjour")

    handling = asyncio.create_task(router.handle_incoming(conversation, message))
    await asyncio.wait_for(delivered.wait(), 5)  # delivered although not written yet
    assert [(m.id, m.content) for _, m in outbox.sent] == [(None, "echo: Bonjour")]
    assert not handling.done()  # the next message waits until the reply is stored
    history_read = asyncio.create_task(router.stored(conversation.id))
    await asyncio.sleep(0.05)
    assert not history_read.done()  # a history read waits for the reply just sent
    gate.set()
    sent = await handling
    await asyncio.wait_for(history_read, 5)
    await router.stored(conversation.id)  # nothing in hand: at once

    assert sent[0].id is not None and sent[0].content == "echo: Bonjour"
    assert [m.content for m in await store.history(conversation.id)] == [
        "Bonjour",
        "echo: Bonjour",
    ]


async def test_submit_keeps_order_per_conversation_and_runs_conversations_concurrently(
    store: ConversationStore, http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    router = ConversationRouter(store, RasaClient(http, fake_rasa.url))
    outbox = Outbox()
    router.register_sender("web", outbox)
    for session_id in ("a", "b"):
        for text in ("/slow 0.2 1", "2", "/slow 0.1 3"):
            router.submit(*await _citizen_says(store, session_id, f"{text}{session_id}"))
    await router.join()

    for session_id in ("a", "b"):
        texts = [m.content for _, m in outbox.sent if (m.content or "").endswith(session_id)]
        assert texts == [f"echo: 1{session_id}", f"echo: 2{session_id}", f"echo: 3{session_id}"]
    assert fake_rasa.max_in_flight == 1


async def test_bot_unavailable_sends_the_notice_in_the_known_language(
    store: ConversationStore, http: aiohttp.ClientSession, closed_url: str
) -> None:
    router = ConversationRouter(store, RasaClient(http, closed_url, timeout=2))
    outbox = Outbox()
    router.register_sender("web", outbox)
    conversation, message = await _citizen_says(store, "s", "There is a pothole", "en")

    sent = await router.handle_incoming(conversation, message)

    assert [(m.sender, m.content) for m in sent] == [
        ("system", i18n.translate("bot_unavailable", "en"))
    ]
    assert outbox.sent[0][1] == sent[0]
    assert [m.sender for m in await store.history(conversation.id)] == ["citizen", "system"]


@pytest.mark.parametrize("status", [ConversationStatus.QUEUED, ConversationStatus.OPEN])
async def test_agent_owned_conversations_skip_the_bot(
    store: ConversationStore,
    http: aiohttp.ClientSession,
    fake_rasa: FakeRasa,
    status: ConversationStatus,
) -> None:
    router = ConversationRouter(store, RasaClient(http, fake_rasa.url))
    handed: list[tuple[ConversationInfo, MessageInfo]] = []

    async def agent_hub(conversation: ConversationInfo, message: MessageInfo) -> None:
        handed.append((conversation, message))

    router.agent_handoff = agent_hub
    conversation, message = await _citizen_says(store, "s", "I need a person")
    await store.set_status(conversation.id, status)

    assert await router.handle_incoming(conversation, message) == []
    assert fake_rasa.received == []
    assert [(c.status, m.content) for c, m in handed] == [(status.value, "I need a person")]


async def _until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait (polling) until `condition()` holds."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the fake exposes a list, not an event
            await asyncio.sleep(0.01)


async def test_a_message_queued_behind_another_sees_a_handoff_made_meanwhile(
    store: ConversationStore, http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    router = ConversationRouter(store, RasaClient(http, fake_rasa.url))
    router.register_sender("web", Outbox())
    handed: list[str | None] = []

    async def agent_hub(conversation: ConversationInfo, message: MessageInfo) -> None:
        handed.append(message.content)

    router.agent_handoff = agent_hub
    fake_rasa.hold()
    conversation = await store.open_web_conversation("s")
    for text in ("first", "second"):
        # Both are read as handled by the bot when stored...
        read, message = await store.append_and_read(
            conversation.id, direction=Direction.INCOMING, sender=Sender.CITIZEN, content=text
        )
        assert read.status == "bot"
        router.submit(read, message, fresh=True)
    await _until(lambda: bool(fake_rasa.received))
    # ...but an agent takes the conversation while Rasa handles the first one.
    await store.set_status(conversation.id, ConversationStatus.QUEUED)
    fake_rasa.release()
    await router.join()

    assert [body["message"] for body in fake_rasa.received] == ["first"]
    assert handed == ["second"]


async def test_a_failing_sender_does_not_stop_the_queue(
    store: ConversationStore, http: aiohttp.ClientSession, fake_rasa: FakeRasa
) -> None:
    router = ConversationRouter(store, RasaClient(http, fake_rasa.url))
    delivered: list[str | None] = []

    async def flaky(conversation: ConversationInfo, message: MessageInfo) -> None:
        delivered.append(message.content)
        if len(delivered) == 1:
            raise ConnectionResetError("socket went away")

    router.register_sender("web", flaky)
    for text in ("one", "two"):
        router.submit(*await _citizen_says(store, "s", text))
    await router.join()
    assert delivered == ["echo: one", "echo: two"]
    history = await store.history((await store.open_web_conversation("s")).id)
    assert [m.content for m in history if m.sender == "bot"] == ["echo: one", "echo: two"]
