"""Fuzzing the citizen's Socket.IO events over a real connection to a real gateway.

Invariants, for any JSON a client can send: the server answers (an ack or an event), the
connection stays up, a refusal is a `chat_error` in French and English and stores nothing,
and an accepted message is stored exactly as sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import func, select

from livechat.models import Message
from livechat.storable import storable_text
from tests.livechat.badinput.fuzz import HOSTILE_STRINGS, any_text, fuzz, json_values
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway, GatewayFactory

OPEN_LIMITS = {"rate_limit_burst": 10_000, "rate_limit_per_minute": 100_000}


async def citizen_messages(gateway: Gateway) -> int:
    async with gateway.sessionmaker() as session:
        query = select(func.count()).select_from(Message).where(Message.sender == "citizen")
        return int(await session.scalar(query) or 0)


async def stored_content(gateway: Gateway, message_id: int) -> str | None:
    async with gateway.sessionmaker() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message.content


def assert_bilingual_refusal(ack: Any, event: Any) -> None:
    assert ack["ok"] is False and isinstance(ack["error"], str)
    assert event["code"] == ack["error"]
    assert event["fr"] and event["en"] and event["fr"] != event["en"]
    assert event["text"] in (event["fr"], event["en"], f"{event['fr']}\n{event['en']}") or (
        event["fr"] in event["text"] and event["en"] in event["text"]
    )


def utterances(session_id: str) -> st.SearchStrategy[Any]:
    """Whole payloads of any shape, and well-formed ones with a hostile field."""
    well_formed = st.fixed_dictionaries(
        {"message": st.one_of(any_text, json_values), "session_id": st.just(session_id)},
        optional={"metadata": json_values},
    )
    return st.one_of(json_values, well_formed)


async def test_user_uttered_with_any_json(make_gateway: GatewayFactory, make_client: Any) -> None:
    gateway = await make_gateway(**OPEN_LIMITS)
    client: ChatClient = await make_client(gateway)
    session_id = await client.request_session()

    async def one(data: Any) -> None:
        before = await citizen_messages(gateway)
        client.pending("chat_error")
        ack = await client.call("user_uttered", data)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
        if ack["ok"]:
            assert await citizen_messages(gateway) == before + 1
            # Verbatim, but for what no database can hold (lone surrogates, NUL: U+FFFD).
            stored = await stored_content(gateway, ack["message_id"])
            # As JSON carried it: "\ud800\udc00" arrives as one character, a pair.
            assert stored == storable_text(json.loads(json.dumps(data["message"])))
        else:
            assert_bilingual_refusal(ack, await client.next("chat_error"))
            assert await citizen_messages(gateway) == before
        assert client.sio.connected

    await fuzz(utterances(session_id), one)
    # Still a working conversation afterwards.
    assert (await client.utter("Encore là"))["ok"] is True


async def test_session_request_with_any_json(
    make_gateway: GatewayFactory, make_client: Any
) -> None:
    gateway = await make_gateway(**OPEN_LIMITS)
    client: ChatClient = await make_client(gateway)

    async def one(data: Any) -> None:
        await client.sio.emit("session_request", data)
        confirm = asyncio.ensure_future(client.next("session_confirm"))
        error = asyncio.ensure_future(client.next("chat_error"))
        done, pending = await asyncio.wait({confirm, error}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if confirm in done:
            assert isinstance(confirm.result(), str) and confirm.result()
        else:
            event = error.result()
            assert event["code"] in ("invalid_payload", "invalid_session_id")
            assert event["fr"] and event["en"]
        assert client.sio.connected

    await fuzz(st.one_of(json_values, st.fixed_dictionaries({"session_id": json_values})), one)
    assert await client.request_session() is not None


async def test_hostile_strings_are_stored_verbatim_and_echoed_as_text(
    make_gateway: GatewayFactory, make_client: Any
) -> None:
    """SQL-looking strings, markup, control characters: stored and sent back unchanged (the
    widget and the console escape them when they show them; see tests/widget, tests/console)."""
    gateway = await make_gateway(**OPEN_LIMITS)
    client: ChatClient = await make_client(gateway)
    await client.request_session()
    for text in HOSTILE_STRINGS:
        ack = await client.utter(text)
        assert ack["ok"] is True, (text, ack)
        assert await stored_content(gateway, ack["message_id"]) == storable_text(text)
        assert await client.next("bot_uttered") == {"text": f"echo: {storable_text(text)}"}
    history = await client.call("history_request", {})
    citizen = [m["text"] for m in history["messages"] if m["sender"] == "citizen"]
    assert citizen == [storable_text(text) for text in HOSTILE_STRINGS]
    # Only NUL and the lone surrogate changed; SQL, markup and control characters did not.
    assert [t for t in HOSTILE_STRINGS if storable_text(t) != t] == [
        "\x00nul\x00",
        "\ud800 lone surrogate",
    ]


async def test_an_oversized_message_is_refused_and_the_connection_stays(
    gateway: Gateway, make_client: Any
) -> None:
    client: ChatClient = await make_client(gateway)
    await client.request_session()
    ack = await client.utter("a" * 900_000)  # under Engine.IO's 1 MB frame limit
    assert ack["error"] == "too_long"
    assert_bilingual_refusal(ack, await client.next("chat_error"))
    assert await citizen_messages(gateway) == 0
    assert client.sio.connected and (await client.utter("court"))["ok"] is True


async def test_a_frame_over_the_limit_closes_only_that_socket(
    gateway: Gateway, make_client: Any
) -> None:
    """Over 1 MB (Engine.IO's max_http_buffer_size) the frame is not even read: that socket is
    closed, nothing is stored, and the gateway serves everyone else (and a reconnection)."""
    bystander: ChatClient = await make_client(gateway)
    await bystander.request_session()
    flooder: ChatClient = await make_client(gateway)
    await flooder.request_session()
    await flooder.sio.emit("user_uttered", {"message": "é" * 400_000})  # 2.4 MB as JSON
    for _ in range(100):
        if not flooder.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not flooder.sio.connected
    assert await citizen_messages(gateway) == 0
    assert (await bystander.utter("toujours là"))["ok"] is True
    again: ChatClient = await make_client(gateway)
    await again.request_session(flooder.session_id)
    assert (await again.utter("me revoilà"))["ok"] is True
