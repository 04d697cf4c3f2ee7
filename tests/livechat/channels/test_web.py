"""The web chat over real Socket.IO connections, on SQLite and PostgreSQL, against a fake Rasa."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from livechat import i18n
from livechat.models import Contact, Conversation, Message
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway, GatewayFactory
from tests.livechat.fakes import FakeRasa

FRENCH = "Bonjour, il y a un gros nid-de-poule devant chez moi"
ENGLISH = "Hello, there is a big pothole in front of my house"


async def all_messages(gateway: Gateway) -> list[Message]:
    async with gateway.sessionmaker() as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


async def count(gateway: Gateway, model: Any) -> int:
    async with gateway.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def open_chat(
    gateway: Gateway, make_client: Any, session_id: str | None = None
) -> ChatClient:
    client: ChatClient = await make_client(gateway)
    await client.request_session(session_id)
    return client


async def test_session_request_without_id_confirms_a_new_hex_id(
    gateway: Gateway, make_client: Any
) -> None:
    client = await make_client(gateway)
    for request in ({}, {"session_id": None}):
        await client.sio.emit("session_request", request)
        confirmed = await client.next("session_confirm")
        assert isinstance(confirmed, str)
        assert uuid.UUID(hex=confirmed).hex == confirmed
    # No conversation until the citizen writes.
    assert await count(gateway, Conversation) == 0


async def test_session_request_keeps_the_given_id(gateway: Gateway, make_client: Any) -> None:
    client = await make_client(gateway)
    assert await client.request_session("my-session_42") == "my-session_42"


async def test_user_uttered_is_stored_before_ack_then_bot_replies(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    fake_rasa.hold()  # Rasa has not answered when the ack arrives

    ack = await client.utter(FRENCH)

    assert ack["ok"] is True
    stored = await all_messages(gateway)
    assert [(m.id, m.direction, m.sender, m.content) for m in stored] == [
        (ack["message_id"], "incoming", "citizen", FRENCH)
    ]
    assert stored[0].language == "fr"
    fake_rasa.release()
    assert await client.next("bot_uttered") == {"text": f"echo: {FRENCH}"}

    await gateway.settle()  # the reply is emitted while it is being stored
    stored = await all_messages(gateway)
    assert [(m.direction, m.sender, m.content) for m in stored] == [
        ("incoming", "citizen", FRENCH),
        ("outgoing", "bot", f"echo: {FRENCH}"),
    ]
    async with gateway.sessionmaker() as session:
        conversation = await session.scalar(select(Conversation))
        contact = await session.scalar(select(Contact))
    assert conversation is not None and contact is not None
    assert (conversation.channel, conversation.status, conversation.language) == (
        "web",
        "bot",
        "fr",
    )
    assert contact.web_session_id == client.session_id
    assert fake_rasa.received == [
        {
            "sender": conversation.public_id.hex,
            "message": FRENCH,
            "metadata": {
                "session_id": client.session_id,
                "channel": "web",
                "conversation_id": conversation.public_id.hex,
                "language": "fr",
            },
        }
    ]


async def test_buttons_become_quick_replies(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter("/buttons")
    assert await client.next("bot_uttered") == {
        "text": "Voulez-vous continuer?",
        "quick_replies": [
            {"content_type": "text", "title": "Oui", "payload": "/affirm"},
            {"content_type": "text", "title": "Non", "payload": "/deny"},
        ],
    }
    await gateway.settle()
    bot = (await all_messages(gateway))[-1]
    assert bot.payload == {
        "buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
    }


async def test_image_custom_and_split_paragraphs_in_rasa_format(
    gateway: Gateway, make_client: Any
) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter("/image")
    assert await client.next("bot_uttered") == {
        "attachment": {"type": "image", "payload": {"src": "https://city.example/pothole.png"}}
    }
    await client.utter("/custom")
    assert await client.next("bot_uttered") == {"kind": "map", "lat": 46.49}
    await client.utter("/paragraphs")
    assert await client.take("bot_uttered", 2) == [{"text": "one"}, {"text": "two"}]


async def test_reconnecting_with_the_same_session_resumes_the_conversation(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    first = await open_chat(gateway, make_client)
    await first.utter("first visit")
    await first.next("bot_uttered")
    await first.close()

    again = await open_chat(gateway, make_client, first.session_id)
    assert again.session_id == first.session_id
    await again.utter("second visit")
    assert await again.next("bot_uttered") == {"text": "echo: second visit"}

    assert await count(gateway, Conversation) == 1
    assert await count(gateway, Contact) == 1
    senders = {body["sender"] for body in fake_rasa.received}
    assert len(senders) == 1
    history = await again.call("history_request", {"session_id": again.session_id})
    assert [(m["sender"], m["text"]) for m in history["messages"]] == [
        ("citizen", "first visit"),
        ("bot", "echo: first visit"),
        ("citizen", "second visit"),
        ("bot", "echo: second visit"),
    ]


async def test_replies_keep_the_order_of_quick_messages(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    texts = ["/slow 0.3 un", "/slow 0.1 deux", "trois", "/slow 0.2 quatre", "cinq"]
    for text in texts:
        assert (await client.utter(text))["ok"] is True

    replies = await client.take("bot_uttered", len(texts))

    assert [r["text"] for r in replies] == [
        "echo: un",
        "echo: deux",
        "echo: trois",
        "echo: quatre",
        "echo: cinq",
    ]
    assert [body["message"] for body in fake_rasa.received] == texts
    assert fake_rasa.max_in_flight == 1  # one conversation is never sent two at once
    await gateway.settle()
    stored = await all_messages(gateway)
    assert [m.content for m in stored if m.sender == "citizen"] == texts
    assert [m.content for m in stored if m.sender == "bot"] == [r["text"] for r in replies]


async def test_history_request_and_http_history(gateway: Gateway, make_client: Any) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter("/buttons")
    await client.next("bot_uttered")

    await client.sio.emit("history_request", {"session_id": client.session_id})
    event = await client.next("history")
    messages = event["messages"]
    assert event["session_id"] == client.session_id
    assert [(m["sender"], m["text"]) for m in messages] == [
        ("citizen", "/buttons"),
        ("bot", "Voulez-vous continuer?"),
    ]
    assert messages[1]["quick_replies"][0] == {
        "content_type": "text",
        "title": "Oui",
        "payload": "/affirm",
    }
    assert set(messages[0]) == {"id", "sender", "text", "created_at"}

    url = f"/api/v1/sessions/{client.session_id}/messages"
    async with _http(gateway) as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert await response.json() == event


def _http(gateway: Gateway) -> Any:
    from aiohttp import ClientSession

    return ClientSession(base_url=gateway.url)


async def test_http_history_unknown_and_invalid_sessions(gateway: Gateway) -> None:
    async with _http(gateway) as http:
        async with http.get("/api/v1/sessions/nobody-here/messages") as response:
            assert response.status == 404
            assert await response.json() == {"error": "not_found"}
        async with http.get("/api/v1/sessions/bad.id/messages") as response:
            assert response.status == 400


async def test_another_session_cannot_see_or_write_this_conversation(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    alice = await open_chat(gateway, make_client)
    mallory = await open_chat(gateway, make_client)
    assert alice.session_id != mallory.session_id

    await alice.utter("private matter")
    assert await alice.next("bot_uttered") == {"text": "echo: private matter"}
    # Mallory's own reply arrives after Alice's was emitted: had she been in Alice's room,
    # Alice's reply would be queued before it.
    await mallory.utter("hello")
    assert await mallory.next("bot_uttered") == {"text": "echo: hello"}
    assert mallory.pending("bot_uttered") == []

    ack = await mallory.sio.call(
        "user_uttered", {"message": "spoof", "session_id": alice.session_id}
    )
    assert ack["ok"] is False and ack["error"] == "session_mismatch"
    assert (await mallory.next("chat_error"))["code"] == "session_mismatch"
    refused = await mallory.call("history_request", {"session_id": alice.session_id})
    assert refused["error"] == "session_mismatch"
    own = await mallory.call("history_request", {})
    assert [m["text"] for m in own["messages"]] == ["hello", "echo: hello"]
    assert "spoof" not in [m.content for m in await all_messages(gateway)]
    assert alice.pending("bot_uttered") == []


LIMIT = 2000

BAD_INPUT = [
    pytest.param("just a string", "invalid_payload", None, id="not-a-dict"),
    pytest.param(["a", "list"], "invalid_payload", None, id="list"),
    pytest.param({}, "missing_message", None, id="no-message"),
    pytest.param({"message": None}, "missing_message", None, id="null-message"),
    pytest.param({"message": 42}, "not_a_string", None, id="number"),
    pytest.param({"message": {"text": "hi"}}, "not_a_string", None, id="object"),
    pytest.param({"message": ""}, "empty_message", None, id="empty"),
    pytest.param({"message": " \n\t "}, "empty_message", None, id="whitespace"),
    pytest.param({"message": "Bonjour tout le monde. " * 100}, "too_long", "fr", id="too-long"),
    pytest.param({"message": "Hello everyone. " * 200}, "too_long", "en", id="too-long-en"),
    pytest.param(
        {"message": FRENCH, "session_id": "not valid!"}, "invalid_session_id", "fr", id="bad-id"
    ),
    pytest.param(
        {"message": ENGLISH, "session_id": "x" * 65}, "invalid_session_id", "en", id="long-id"
    ),
    pytest.param(
        {"message": ENGLISH, "session_id": "someone-else"}, "session_mismatch", "en", id="other"
    ),
]


@pytest.mark.parametrize(("data", "code", "language"), BAD_INPUT)
async def test_bad_input_gets_a_bilingual_error_and_nothing_is_stored(
    gateway: Gateway, make_client: Any, data: Any, code: str, language: str | None
) -> None:
    client = await open_chat(gateway, make_client)
    if isinstance(data, dict):
        data = {"session_id": client.session_id, **data}

    ack = await client.call("user_uttered", data)

    params = {"limit": LIMIT} if code == "too_long" else {}
    expected_text = (
        i18n.translate(code, language, **params) if language else i18n.bilingual(code, **params)
    )
    event = await client.next("chat_error")
    assert event == {
        "code": code,
        "text": expected_text,
        "fr": i18n.translate(code, "fr", **params),
        "en": i18n.translate(code, "en", **params),
    }
    assert ack == {"ok": False, "error": code, **{k: event[k] for k in ("text", "fr", "en")}}
    if code == "too_long":
        assert "2000" in event["text"]
    assert await count(gateway, Message) == 0
    # The connection stays up and usable.
    assert client.sio.connected
    assert (await client.utter("still here"))["ok"] is True
    assert await client.next("bot_uttered") == {"text": "echo: still here"}


async def test_message_at_the_limit_is_accepted(gateway: Gateway, make_client: Any) -> None:
    client = await open_chat(gateway, make_client)
    assert (await client.utter("a" * LIMIT))["ok"] is True


async def test_user_uttered_before_session_request_is_refused(
    gateway: Gateway, make_client: Any
) -> None:
    client: ChatClient = await make_client(gateway)
    ack = await client.call("user_uttered", {"message": "hello", "session_id": "abc"})
    assert ack["ok"] is False and ack["error"] == "no_session"
    assert (await client.next("chat_error"))["code"] == "no_session"
    assert await count(gateway, Message) == 0


async def test_session_request_with_invalid_id_is_refused(
    gateway: Gateway, make_client: Any
) -> None:
    client: ChatClient = await make_client(gateway)
    for bad in ("../../etc", "", 42, "é"):
        await client.sio.emit("session_request", {"session_id": bad})
        assert (await client.next("chat_error"))["code"] == "invalid_session_id"
    await client.sio.emit("session_request", "not a dict")
    assert (await client.next("chat_error"))["code"] == "invalid_payload"
    assert client.pending("session_confirm") == []
    assert await count(gateway, Contact) == 0


async def test_rate_limit(make_gateway: GatewayFactory, make_client: Any) -> None:
    gateway = await make_gateway(rate_limit_burst=2, rate_limit_per_minute=1)
    client = await open_chat(gateway, make_client)
    assert (await client.utter("one"))["ok"] is True
    assert (await client.utter("two"))["ok"] is True
    ack = await client.utter("Trop de messages d'un coup, désolé")
    assert ack["error"] == "rate_limited"
    assert (await client.next("chat_error"))["text"] == i18n.translate("rate_limited", "fr")
    assert [m.content for m in await all_messages(gateway) if m.sender == "citizen"] == [
        "one",
        "two",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(FRENCH, [i18n.translate("bot_unavailable", "fr")], id="french"),
        pytest.param(ENGLISH, [i18n.translate("bot_unavailable", "en")], id="english"),
        pytest.param(
            "12345",
            [i18n.translate("bot_unavailable", "fr"), i18n.translate("bot_unavailable", "en")],
            id="unknown-language",
        ),
    ],
)
async def test_rasa_down_gives_a_polite_unavailable_reply(
    make_gateway: GatewayFactory,
    make_client: Any,
    closed_url: str,
    text: str,
    expected: list[str],
) -> None:
    gateway = await make_gateway(rasa_url=closed_url)
    client = await open_chat(gateway, make_client)

    assert (await client.utter(text))["ok"] is True

    replies = await client.take("bot_uttered", len(expected))
    assert [r["text"] for r in replies] == expected
    stored = await all_messages(gateway)
    assert [(m.direction, m.sender, m.content) for m in stored] == [
        ("incoming", "citizen", text),
        ("outgoing", "system", "\n\n".join(expected)),
    ]


async def test_rasa_error_status_gives_the_unavailable_reply_in_the_conversation_language(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter(ENGLISH)
    await client.next("bot_uttered")
    fake_rasa.fail_status = 500
    await client.utter("ok")  # not a clear language: the conversation's (English) is kept
    assert await client.next("bot_uttered") == {"text": i18n.translate("bot_unavailable", "en")}
    assert fake_rasa.received[-1]["metadata"]["language"] == "en"


async def test_widget_language_hint_is_used_when_the_text_is_not_clear(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter("👍", metadata={"language": "fr"})
    await client.next("bot_uttered")
    assert fake_rasa.received[0]["metadata"]["language"] == "fr"
    other = await open_chat(gateway, make_client)
    await other.utter("42", metadata='{"language": "en"}')  # Rasa widgets may send a string
    await other.next("bot_uttered")
    assert fake_rasa.received[1]["metadata"]["language"] == "en"


async def test_database_down_refuses_politely_and_keeps_the_connection(
    make_gateway: GatewayFactory, make_client: Any, closed_url: str, fake_rasa: FakeRasa
) -> None:
    port = closed_url.rsplit(":", 1)[1]
    gateway = await make_gateway(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    client: ChatClient = await make_client(gateway)
    assert await client.request_session("still-works")  # confirmed despite the outage

    ack = await client.utter(FRENCH)

    assert ack["ok"] is False and ack["error"] == "storage_unavailable"
    assert ack["text"] == i18n.translate("storage_unavailable", "fr")
    assert (await client.next("chat_error"))["code"] == "storage_unavailable"
    assert fake_rasa.received == []  # nothing unstored goes to the bot
    assert client.sio.connected


async def test_two_tabs_of_one_session_both_see_the_replies(
    gateway: Gateway, make_client: Any
) -> None:
    first = await open_chat(gateway, make_client)
    await first.utter("hello")  # creates the conversation
    assert await first.next("bot_uttered") == {"text": "echo: hello"}
    second = await open_chat(gateway, make_client, first.session_id)

    await second.utter("from the second tab")

    assert await second.next("bot_uttered") == {"text": "echo: from the second tab"}
    assert await first.next("bot_uttered") == {"text": "echo: from the second tab"}
    assert await count(gateway, Conversation) == 1


async def test_a_burst_of_first_messages_from_new_sessions_is_all_stored(
    gateway: Gateway, make_client: Any
) -> None:
    """Many citizens opening the chat at once (e.g. after a storm warning): every first message
    opens its own conversation and is stored; none is refused as "database is locked"."""
    clients = [await open_chat(gateway, make_client) for _ in range(25)]

    acks = await asyncio.gather(*(c.utter(f"first words {i}") for i, c in enumerate(clients)))

    assert all(ack["ok"] for ack in acks), acks
    replies = await asyncio.gather(*(c.next("bot_uttered") for c in clients))
    assert sorted(r["text"] for r in replies) == sorted(f"echo: first words {i}" for i in range(25))
    await gateway.settle()
    assert await count(gateway, Conversation) == 25
    assert await count(gateway, Message) == 50
