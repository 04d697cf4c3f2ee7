"""Stored messages as the web chat shows them: Rasa's `bot_uttered` events and history items.

No contact details leave through here: only what the citizen wrote, what the bot or an agent
(first name only) said, and system notices in both languages.
"""

from __future__ import annotations

from typing import Any

from livechat import i18n
from livechat.conversations.store import ConversationInfo, MessageInfo
from livechat.models import Direction, Sender


def first_name(name: Any) -> str | None:
    """An agent's first name only (what the citizen sees of an agent)."""
    if not isinstance(name, str) or not name.strip():
        return None
    return name.split()[0]


def conversation_room(conversation: ConversationInfo) -> str:
    """The Socket.IO room of a conversation."""
    return f"conversation:{conversation.public_id.hex}"


def bot_uttered_events(message: MessageInfo) -> list[dict[str, Any]]:
    """A stored outgoing message as Rasa's SocketIOOutput would emit it (one or more events)."""
    payload = message.payload or {}
    events: list[dict[str, Any]] = []
    buttons = payload.get("buttons") or []
    if message.content is not None or buttons:
        parts = (message.content or "").strip().split("\n\n")
        events.extend({"text": part} for part in parts)
        if buttons:
            events[-1]["quick_replies"] = [
                {"content_type": "text", "title": b["title"], "payload": b["payload"]}
                for b in buttons
            ]
    if payload.get("image") is not None:
        events.append({"attachment": {"type": "image", "payload": {"src": payload["image"]}}})
    if payload.get("attachment") is not None:
        events.append({"attachment": payload["attachment"]})
    if payload.get("custom") is not None:
        events.append(payload["custom"])
    return events


def history_item(message: MessageInfo) -> dict[str, Any]:
    """A message for `history` / the messages API: no contact details, no internal fields."""
    item: dict[str, Any] = {
        "id": message.id,
        "sender": message.sender,
        "text": message.content,
        "created_at": message.created_at.isoformat(),
    }
    if message.direction == Direction.OUTGOING:
        for event in bot_uttered_events(message):
            for key in ("quick_replies", "attachment"):
                if key in event:
                    item[key] = event[key]
        if (message.payload or {}).get("custom") is not None:
            item["custom"] = message.payload["custom"]  # type: ignore[index]
        item.update(speaker_fields(message))
    item.update(widget_fields(message))
    return item


def widget_fields(message: MessageInfo) -> dict[str, Any]:
    """History extras for widgets: the citizen's display text, client id, photo and location;
    an agent's first name; a system notice in both languages (so it follows the UI)."""
    payload = message.payload or {}
    fields: dict[str, Any] = {}
    if message.sender == Sender.CITIZEN.value:
        if message.client_message_id is not None:
            fields["client_message_id"] = message.client_message_id
        for key in ("display_text", "photo_url", "location"):
            if payload.get(key) is not None:
                fields[key] = payload[key]
    elif message.sender == Sender.AGENT.value:
        agent = payload.get("agent")
        name = first_name(agent.get("name")) if isinstance(agent, dict) else None
        if name is not None:
            fields["agent_name"] = name
    elif message.sender == Sender.SYSTEM.value:
        system = payload.get("system")
        if isinstance(system, dict) and all(isinstance(system.get(k), str) for k in ("fr", "en")):
            fields.update(fr=system["fr"], en=system["en"])
        elif (text_key := i18n.find_key(message.content)) is not None:
            fields.update(i18n.both(text_key))
    return fields


def speaker_fields(message: MessageInfo) -> dict[str, Any]:
    """Who wrote an outgoing message, for widgets: an agent (name) or a system notice (kind)."""
    payload = message.payload or {}
    agent = payload.get("agent")
    if message.sender == Sender.AGENT.value and isinstance(agent, dict):
        return {"sender": "agent", "agent_name": agent.get("name")}
    system = payload.get("system")
    if isinstance(system, dict):
        return {"sender": "system", "kind": system.get("kind")}
    return {}


def system_message_event(message: MessageInfo) -> dict[str, Any] | None:
    """The structured `system_message` of a stored notice (payload["system"]), else None."""
    system = (message.payload or {}).get("system")
    if not isinstance(system, dict):
        return None
    event: dict[str, Any] = {**system, "text": message.content}
    buttons = (message.payload or {}).get("buttons") or []
    if buttons:
        event["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
    return event
