"""What the city311 widget adds to Rasa's protocol, over real Socket.IO on SQLite and PostgreSQL:
metadata (display text, location, photo, agent request), exactly-once messages, history
extras, `end_conversation` and `satisfaction`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from livechat import i18n, keys
from livechat.conversations.store import ConversationInfo
from livechat.models import Conversation, Direction, Message, Sender
from livechat.requests.models import SurveyResponse
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway, GatewayFactory
from tests.livechat.fakes import FakeRasa


async def rows(gateway: Gateway, model: Any) -> list[Any]:
    await gateway.settle()
    async with gateway.sessionmaker() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


async def count(gateway: Gateway, model: Any) -> int:
    await gateway.settle()
    async with gateway.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def open_chat(
    gateway: Gateway, make_client: Any, session_id: str | None = None
) -> ChatClient:
    client: ChatClient = await make_client(gateway)
    await client.request_session(session_id)
    return client


def client_id() -> str:
    return uuid.uuid4().hex


def refusal(code: str, language: str | None) -> dict[str, Any]:
    text = i18n.text_for(code, language)
    return {"ok": False, "error": code, "text": text, **i18n.both(code)}


# --- item 2: metadata ------------------------------------------------------------------------


async def test_widget_metadata_is_forwarded_to_rasa_and_stored(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    cid = client_id()
    metadata = {
        "language": "fr",
        "client_message_id": cid,
        "display_text": "Je voudrais parler à un agent.",
        "location": {"lat": 46.49, "long": -80.99},
        "photo_url": "http://127.0.0.1:8080/uploads/abcdefgh12345678.jpg",
        "request_human": True,
        "unknown": "dropped",
    }

    ack = await client.utter("/request_human", metadata=metadata)

    assert ack == {"ok": True, "message_id": ack["message_id"]}
    assert await client.next("bot_uttered") == {"text": "echo: /request_human"}
    [message, _reply] = await rows(gateway, Message)
    assert (message.id, message.content, message.client_message_id) == (
        ack["message_id"],
        "/request_human",
        cid,
    )
    assert message.payload == {
        "display_text": "Je voudrais parler à un agent.",
        "location": {"lat": 46.49, "long": -80.99},
        "photo_url": "http://127.0.0.1:8080/uploads/abcdefgh12345678.jpg",
    }
    [conversation] = await rows(gateway, Conversation)
    assert fake_rasa.received == [
        {
            "sender": conversation.public_id.hex,
            "message": "/request_human",
            "metadata": {
                "session_id": client.session_id,
                "display_text": "Je voudrais parler à un agent.",
                "location": {"lat": 46.49, "long": -80.99},
                "photo_url": "http://127.0.0.1:8080/uploads/abcdefgh12345678.jpg",
                "request_human": True,
                "channel": "web",
                "conversation_id": conversation.public_id.hex,
                "language": "fr",
            },
        }
    ]


async def test_metadata_as_a_json_string_and_relative_photo_url(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    text = "📷 Photo jointe : /uploads/abcdefgh12345678.png"
    ack = await client.utter(text, metadata='{"photo_url": "/uploads/abcdefgh12345678.png"}')
    assert ack["ok"] is True
    await client.next("bot_uttered")
    [message, _reply] = await rows(gateway, Message)
    assert message.payload == {"photo_url": "/uploads/abcdefgh12345678.png"}
    assert message.client_message_id is None
    assert fake_rasa.received[0]["metadata"]["photo_url"] == "/uploads/abcdefgh12345678.png"


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(
            {
                "client_message_id": "not a valid id!",
                "display_text": 42,
                "location": {"lat": "46.49", "long": -80.99},
                "photo_url": "javascript:alert(1)",
                "request_human": "yes",
            },
            id="wrong-types",
        ),
        pytest.param(
            {
                "client_message_id": "x" * 65,
                "display_text": "   ",
                "location": {"lat": 91, "long": 0},
                "photo_url": "/elsewhere/file.jpg",
            },
            id="out-of-range",
        ),
        pytest.param(
            {"location": {"lat": True, "long": 1}, "photo_url": "https://" + "a" * 2050},
            id="bool-and-long-url",
        ),
        pytest.param("{not json", id="bad-json-string"),
        pytest.param(["a", "list"], id="list"),
    ],
)
async def test_malformed_metadata_fields_are_left_out_and_the_text_is_kept(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa, metadata: Any
) -> None:
    client = await open_chat(gateway, make_client)

    ack = await client.utter("Bonjour, un nid-de-poule rue Principale", metadata=metadata)

    assert ack["ok"] is True
    await client.next("bot_uttered")
    [message, _reply] = await rows(gateway, Message)
    assert (message.payload, message.client_message_id) == (None, None)
    assert set(fake_rasa.received[0]["metadata"]) == {
        "session_id",
        "channel",
        "conversation_id",
        "language",
    }


# --- item 3: exactly once ---------------------------------------------------------------------


async def test_a_resent_message_is_acked_as_duplicate_and_not_routed_again(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    first = await open_chat(gateway, make_client)
    cid = client_id()
    ack = await first.utter("Bonjour", metadata={"client_message_id": cid})
    assert await first.next("bot_uttered") == {"text": "echo: Bonjour"}
    await first.close()  # the ack was "lost": the widget resends after reconnecting

    again = await open_chat(gateway, make_client, first.session_id)
    resent = await again.utter("Bonjour", metadata={"client_message_id": cid})
    assert resent == {"ok": True, "message_id": ack["message_id"], "duplicate": True}
    # The next new message is answered; the duplicate got no answer of its own.
    assert (await again.utter("Merci", metadata={"client_message_id": client_id()}))["ok"]
    assert await again.next("bot_uttered") == {"text": "echo: Merci"}
    assert again.pending("bot_uttered") == []

    citizen = [m for m in await rows(gateway, Message) if m.sender == "citizen"]
    assert [(m.content, m.client_message_id) for m in citizen] == [
        ("Bonjour", cid),
        ("Merci", citizen[1].client_message_id),
    ]
    assert [body["message"] for body in fake_rasa.received] == ["Bonjour", "Merci"]


async def test_concurrent_copies_from_two_tabs_are_stored_once(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    first = await open_chat(gateway, make_client)
    assert (await first.utter("hello"))["ok"]  # creates the conversation
    await first.next("bot_uttered")
    second = await open_chat(gateway, make_client, first.session_id)
    ids = [client_id() for _ in range(5)]

    for cid in ids:
        acks = await asyncio.gather(
            first.utter(f"copy {cid}", metadata={"client_message_id": cid}),
            second.utter(f"copy {cid}", metadata={"client_message_id": cid}),
        )
        assert len({a["message_id"] for a in acks}) == 1
        assert sorted(a.get("duplicate", False) for a in acks) == [False, True]

    await gateway.app[keys.ROUTER].join()
    citizen = [m for m in await rows(gateway, Message) if m.sender == "citizen"]
    assert [m.client_message_id for m in citizen] == [None, *ids]
    assert [body["message"] for body in fake_rasa.received] == [
        "hello",
        *(f"copy {cid}" for cid in ids),
    ]


async def test_the_same_client_id_in_a_new_conversation_is_a_new_message(
    gateway: Gateway, make_client: Any
) -> None:
    client = await open_chat(gateway, make_client)
    cid = client_id()
    first = await client.utter("Bonjour", metadata={"client_message_id": cid})
    await client.next("bot_uttered")
    assert (await client.call("end_conversation", {}))["ok"] is True

    second = await client.utter("Bonjour", metadata={"client_message_id": cid})

    assert second == {"ok": True, "message_id": second["message_id"]}
    assert second["message_id"] != first["message_id"]
    assert await count(gateway, Conversation) == 2


# --- item 4: history --------------------------------------------------------------------------


async def test_history_items_carry_the_widget_fields(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await open_chat(gateway, make_client)
    cid = client_id()
    await client.utter(
        "/report_pothole",
        metadata={
            "client_message_id": cid,
            "display_text": "Nid-de-poule",
            "photo_url": "/uploads/abcdefgh12345678.jpg",
            "location": {"lat": 46.5, "long": -81},
        },
    )
    await client.next("bot_uttered")
    conversation = await gateway.app[keys.STORE].find_web_conversation(str(client.session_id))
    assert conversation is not None
    await _store_agent_and_notice(gateway, conversation)
    fake_rasa.fail_status = 500
    await client.utter("ok")  # the conversation's language (French, from the display text)
    assert await client.next("bot_uttered") == {"text": i18n.translate("bot_unavailable", "fr")}

    history = await client.call("history_request", {})

    items = history["messages"]
    assert [item["sender"] for item in items] == [
        "citizen",
        "bot",
        "agent",
        "system",
        "citizen",
        "system",
    ]
    assert {k: v for k, v in items[0].items() if k not in ("id", "created_at")} == {
        "sender": "citizen",
        "text": "/report_pothole",
        "client_message_id": cid,
        "display_text": "Nid-de-poule",
        "photo_url": "/uploads/abcdefgh12345678.jpg",
        "location": {"lat": 46.5, "long": -81.0},
    }
    assert "agent_name" not in items[1] and "client_message_id" not in items[1]
    assert items[2]["agent_name"] == "Marie-Ève"  # first name only
    assert "Tremblay" not in str(items[2]) and "marie@" not in str(items[2])
    assert (items[3]["fr"], items[3]["en"]) == ("Une agente arrive.", "An agent is coming.")
    assert set(items[4]) == {"id", "sender", "text", "created_at"}
    assert items[5]["text"] == i18n.translate("bot_unavailable", "fr")
    assert (items[5]["fr"], items[5]["en"]) == (
        i18n.translate("bot_unavailable", "fr"),
        i18n.translate("bot_unavailable", "en"),
    )


async def _store_agent_and_notice(gateway: Gateway, conversation: ConversationInfo) -> None:
    store = gateway.app[keys.STORE]
    await store.append_message(
        conversation.id,
        direction=Direction.OUTGOING,
        sender=Sender.AGENT,
        content="Bonjour, ici Marie-Ève.",
        payload={"agent": {"id": 7, "name": "Marie-Ève Tremblay", "email": "marie@city.example"}},
    )
    await store.append_message(
        conversation.id,
        direction=Direction.OUTGOING,
        sender=Sender.SYSTEM,
        content="Une agente arrive.",
        payload={
            "system": {
                "kind": "agent_joined",
                "fr": "Une agente arrive.",
                "en": "An agent is coming.",
            }
        },
    )


# --- item 7: end_conversation and satisfaction ------------------------------------------------


async def test_end_conversation_resolves_it_and_the_next_message_opens_a_new_one(
    gateway: Gateway, make_client: Any, fake_rasa: FakeRasa
) -> None:
    ended: list[ConversationInfo] = []

    async def agent_hub_told(conversation: ConversationInfo) -> None:
        ended.append(conversation)

    gateway.app[keys.WEB_CHAT].end_listener = agent_hub_told
    client = await open_chat(gateway, make_client)
    await client.utter("Bonjour")
    await client.next("bot_uttered")
    [conversation] = await rows(gateway, Conversation)

    ack = await client.call("end_conversation", {"session_id": client.session_id})

    assert ack == {"ok": True, "conversation_id": conversation.public_id.hex}
    [resolved] = await rows(gateway, Conversation)
    assert resolved.status == "resolved"
    assert [c.id for c in ended] == [conversation.id]
    # Ending again is harmless and tells nobody twice.
    assert await client.call("end_conversation", {}) == ack
    assert len(ended) == 1

    await client.utter("Encore une question")
    await client.next("bot_uttered")
    first, second = await rows(gateway, Conversation)
    assert (first.status, second.status) == ("resolved", "bot")
    assert first.contact_id == second.contact_id
    assert fake_rasa.received[-1]["sender"] == second.public_id.hex != first.public_id.hex

    # "Nouvelle conversation": a new session, a new contact and conversation.
    old_session = client.session_id
    assert await client.request_session(None) != old_session
    await client.utter("Bonjour de nouveau")
    await client.next("bot_uttered")
    assert await count(gateway, Conversation) == 3


async def test_end_conversation_before_any_message_and_refusals(
    gateway: Gateway, make_client: Any
) -> None:
    fresh: ChatClient = await make_client(gateway)
    assert await fresh.call("end_conversation", {}) == refusal("no_session", None)
    await fresh.request_session(None)
    assert await fresh.call("end_conversation", {}) == {"ok": True}
    assert await fresh.call("end_conversation", ["x"]) == refusal("invalid_payload", None)
    assert await fresh.call("end_conversation", {"session_id": "someone-else"}) == refusal(
        "session_mismatch", None
    )
    assert await count(gateway, Conversation) == 0
    assert fresh.pending("chat_error") == []


async def test_satisfaction_is_stored_on_the_conversation(
    gateway: Gateway, make_client: Any
) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter("Hello, my garbage was not collected this week")
    await client.next("bot_uttered")
    await client.call("end_conversation", {})

    ack = await client.call(
        "satisfaction", {"session_id": client.session_id, "rating": 4, "language": "en"}
    )
    assert ack == {"ok": True}
    # A changed (or resent) vote replaces the first one.
    ack = await client.call(
        "satisfaction", {"rating": 5, "language": "fr", "comment": "  Très rapide!  "}
    )
    assert ack == {"ok": True}

    [conversation] = await rows(gateway, Conversation)
    [survey] = await rows(gateway, SurveyResponse)
    assert (
        survey.rating,
        survey.language,
        survey.comment,
        survey.channel,
        survey.conversation_public_id,
        survey.request_id,
    ) == (5, "fr", "Très rapide!", "web", conversation.public_id, None)


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True, None, -1])
async def test_invalid_ratings_are_refused_in_the_citizen_language(
    gateway: Gateway, make_client: Any, rating: Any
) -> None:
    client = await open_chat(gateway, make_client)
    await client.utter("Hello, my garbage was not collected this week")
    await client.next("bot_uttered")

    ack = await client.call("satisfaction", {"rating": rating, "language": "en"})

    assert ack == refusal("invalid_rating", "en")
    assert await count(gateway, SurveyResponse) == 0


async def test_satisfaction_refusals(gateway: Gateway, make_client: Any) -> None:
    client = await open_chat(gateway, make_client)
    # Nothing written yet: nothing to rate.
    assert await client.call("satisfaction", {"rating": 3, "language": "fr"}) == refusal(
        "no_conversation", "fr"
    )
    await client.utter("Bonjour, une question sur les collectes")
    await client.next("bot_uttered")
    assert await client.call("satisfaction", {"rating": 3, "comment": 12}) == refusal(
        "invalid_payload", "fr"
    )
    assert await client.call(
        "satisfaction", {"rating": 3, "session_id": "someone-else"}
    ) == refusal("session_mismatch", "fr")
    assert await count(gateway, SurveyResponse) == 0


async def test_database_down_end_and_rating_refuse_politely(
    make_gateway: GatewayFactory, make_client: Any, closed_url: str
) -> None:
    port = closed_url.rsplit(":", 1)[1]
    gateway = await make_gateway(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    client = await open_chat(gateway, make_client)

    assert await client.call("end_conversation", {}) == refusal("storage_unavailable", None)
    assert await client.call("satisfaction", {"rating": 4, "language": "en"}) == refusal(
        "storage_unavailable", "en"
    )
    assert client.sio.connected
