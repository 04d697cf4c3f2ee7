"""Stored messages as the web chat shows them (livechat.channels.web_events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from livechat.channels.web_events import bot_uttered_events, history_item, system_message_event
from livechat.conversations.store import MessageInfo

AT = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def message(
    sender: str, content: str | None, payload: dict[str, Any] | None = None, **extra: Any
) -> MessageInfo:
    direction = "incoming" if sender == "citizen" else "outgoing"
    return MessageInfo(
        id=7,
        conversation_id=1,
        direction=direction,
        sender=sender,
        content=content,
        payload=payload,
        language=None,
        private=False,
        created_at=AT,
        **extra,
    )


def test_paragraphs_become_events_and_buttons_quick_replies_on_the_last() -> None:
    buttons = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
    events = bot_uttered_events(message("bot", "Un\n\nDeux?", {"buttons": buttons}))
    assert events == [
        {"text": "Un"},
        {
            "text": "Deux?",
            "quick_replies": [
                {"content_type": "text", "title": "Oui", "payload": "/affirm"},
                {"content_type": "text", "title": "Non", "payload": "/deny"},
            ],
        },
    ]


def test_an_agent_is_shown_by_first_name_only() -> None:
    item = history_item(message("agent", "Bonjour", {"agent": {"name": "Marie Tremblay", "id": 3}}))
    assert item["agent_name"] == "Marie" and item["sender"] == "agent"
    assert "Tremblay" not in str({k: v for k, v in item.items() if k != "agent_name"})


def test_a_citizen_item_keeps_the_widget_fields() -> None:
    item = history_item(
        message(
            "citizen", "/report_pothole", {"display_text": "Nid-de-poule"}, client_message_id="c1"
        )
    )
    assert item == {
        "id": 7,
        "sender": "citizen",
        "text": "/report_pothole",
        "created_at": AT.isoformat(),
        "client_message_id": "c1",
        "display_text": "Nid-de-poule",
    }


def test_a_system_notice_has_both_languages_and_its_structured_event() -> None:
    notice = message(
        "system",
        "Un agent arrive.",
        {"system": {"kind": "queued", "fr": "Un agent arrive.", "en": "An agent is coming."}},
    )
    assert history_item(notice)["en"] == "An agent is coming."
    assert system_message_event(notice) == {
        "kind": "queued",
        "fr": "Un agent arrive.",
        "en": "An agent is coming.",
        "text": "Un agent arrive.",
    }
    assert system_message_event(message("bot", "hi")) is None
