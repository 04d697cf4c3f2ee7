"""The `/agent` hub's other events: filing a request for the citizen, canned responses,
refused inputs, and citizens never seeing another conversation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from livechat.agents.canned import load_canned
from livechat.errors import ConfigurationError
from livechat.requests.models import ServiceRequest
from tests.livechat.agents.conftest import AgentClient, LiveGateway
from tests.livechat.agents.test_flow import citizen_next
from tests.livechat.clients import ChatClient


async def open_chat(
    live: LiveGateway, words: str = "Bonjour"
) -> tuple[AgentClient, ChatClient, str]:
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    citizen, conversation_id = await live.citizen(words)
    await live.handoff(conversation_id, "request_human", "fr")
    await marie.next("assigned", by="auto")
    return marie, citizen, conversation_id


async def test_agent_files_a_request_for_the_citizen(live: LiveGateway) -> None:
    marie, citizen, conversation_id = await open_chat(live, "Il y a un nid-de-poule")
    refused = await marie.call(
        "file_request", {"conversation_id": conversation_id, "service_code": "report_unicorn"}
    )
    assert refused["ok"] is False and refused["error"] == "request_invalid"
    assert refused["message"]["fr"].startswith("La demande n'a pas pu être déposée")
    filed = await marie.call(
        "file_request",
        {
            "conversation_id": conversation_id,
            "service_code": "report_pothole",
            "address": "12 rue Notre-Dame",
            "description": "Gros trou devant l'école",
            "attributes": {"size": "large"},
        },
    )
    assert filed["ok"], filed
    reference = filed["service_request_id"]
    assert reference.startswith("311-") and filed["expected_datetime"]
    told = await citizen_next(citizen, "system_message", kind="request_filed")
    assert told["service_request_id"] == reference and reference in told["text"]
    async with live.sessionmaker() as session:
        row = await session.scalar(
            select(ServiceRequest).where(ServiceRequest.service_request_id == reference)
        )
    assert row is not None and row.channel == "web" and row.language == "fr"
    assert row.conversation_public_id is not None
    assert row.conversation_public_id.hex == conversation_id


async def test_canned_responses_and_refused_inputs(live: LiveGateway) -> None:
    marie, _, conversation_id = await open_chat(live)
    canned = await marie.call("canned_request")
    assert canned["ok"] and canned["canned"][0]["id"] == "greeting"
    assert all(set(c["text"]) == {"fr", "en"} for c in canned["canned"])
    call = marie.call
    assert (await call("reply", {"conversation_id": conversation_id, "text": "  "}))[
        "error"
    ] == "empty_message"
    too_long = await call("reply", {"conversation_id": conversation_id, "text": "x" * 2001})
    assert too_long["error"] == "too_long" and "2000" in too_long["message"]["en"]
    assert (await call("reply", {"conversation_id": 42, "text": "x"}))["error"] == "invalid_payload"
    assert (await call("reply", {"conversation_id": "f" * 32, "text": "x"}))["error"] == "not_found"
    assert (await call("claim", "not an object"))["error"] == "invalid_payload"
    assert (await call("claim", {"conversation_id": conversation_id}))["error"] == "already_claimed"
    assert (await call("transfer", {"conversation_id": conversation_id, "agent_id": 999}))[
        "error"
    ] == "agent_unavailable"
    detail = await call("conversation_request", {"conversation_id": conversation_id})
    assert detail["ok"] and detail["conversation"]["status"] == "open"


def test_canned_file_is_checked(tmp_path: Path) -> None:
    assert [c.id for c in load_canned()][:2] == ["greeting", "one_moment"]
    broken = tmp_path / "canned.json"
    broken.write_text(json.dumps({"responses": [{"id": "x", "title": {"fr": "X"}, "text": {}}]}))
    with pytest.raises(ConfigurationError, match="title needs fr and en"):
        load_canned(broken)
    broken.write_text("{not json")
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_canned(broken)


async def test_citizens_never_see_another_conversation(live: LiveGateway) -> None:
    marie, citizen, conversation_id = await open_chat(live, "Premier citoyen")
    bystander, bystander_id = await live.citizen("Autre citoyen")
    call = marie.call
    await call("reply", {"conversation_id": conversation_id, "text": "Pour le premier seulement"})
    await call("typing", {"conversation_id": conversation_id, "typing": True})
    await call("note", {"conversation_id": conversation_id, "text": "note privée"})
    await call("resolve", {"conversation_id": conversation_id})
    await citizen_next(citizen, "system_message", kind="survey")
    # The bystander only ever got its own bot reply, nothing of the other conversation.
    assert bystander.pending("system_message") == []
    assert bystander.pending("typing") == []
    assert bystander.pending("bot_uttered") == []
    history = await bystander.call("history_request", {})
    assert [m["text"] for m in history["messages"]] == ["Autre citoyen", "echo: Autre citoyen"]
    # A citizen socket cannot type into a conversation it does not have.
    intruder = await live.citizen_socket()
    assert (await intruder.call("typing", {"typing": True}))["error"] == "no_session"
    assert bystander_id != conversation_id
    # And the citizen's own history never holds notes or activity lines.
    own = await citizen.call("history_request", {})
    assert "note privée" not in [m["text"] for m in own["messages"]]
    assert all(m["sender"] != "system" or m.get("kind") for m in own["messages"])
