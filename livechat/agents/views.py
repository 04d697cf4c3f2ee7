"""The JSON shapes of docs/agent-protocol.md (QueueItem, Message, Conversation, ...)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from livechat.agents.snapshots import AgentLoad, LiveConversation, QueueEntry
from livechat.conversations.store import MessageInfo


def when(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def queue_item(entry: QueueEntry, now: dt.datetime) -> dict[str, Any]:
    """A `QueueItem`."""
    conversation = entry.conversation
    waited = (now - conversation.queued_at).total_seconds() if conversation.queued_at else 0
    return {
        "conversation_id": conversation.hex,
        "channel": conversation.channel,
        "language": conversation.language,
        "status": conversation.status,
        "reason": conversation.handoff_reason,
        "queued_at": when(conversation.queued_at),
        "waiting_seconds": max(0, int(waited)),
        "position": entry.position,
        "preview": entry.preview,
        "summary": conversation.handoff_summary or {},
    }


def message_item(message: MessageInfo) -> dict[str, Any]:
    """A `Message` as agents see it (notes and activity lines included)."""
    payload = message.payload or {}
    item: dict[str, Any] = {
        "id": message.id,
        "sender": message.sender,
        "direction": message.direction,
        "private": message.private,
        "text": message.content,
        "created_at": when(message.created_at),
    }
    agent = payload.get("agent")
    if isinstance(agent, dict):
        item["agent"] = {"id": agent.get("id"), "name": agent.get("name")}
    for key in ("system", "activity"):
        block = payload.get(key)
        if isinstance(block, dict):
            item["kind"] = block.get("kind")
            item["fr"], item["en"] = block.get("fr"), block.get("en")
    buttons = payload.get("buttons")
    if buttons:
        item["quick_replies"] = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
    return item


def conversation_detail(
    conversation: LiveConversation,
    messages: list[MessageInfo],
    collected: dict[str, Any] | None,
) -> dict[str, Any]:
    """A `Conversation` with its whole transcript and what the bot collected."""
    assignee = (
        None
        if conversation.assignee_id is None
        else {"id": conversation.assignee_id, "name": conversation.assignee_name}
    )
    return {
        "conversation_id": conversation.hex,
        "channel": conversation.channel,
        "language": conversation.language,
        "status": conversation.status,
        "reason": conversation.handoff_reason,
        "queued_at": when(conversation.queued_at),
        "assigned_at": when(conversation.assigned_at),
        "resolved_at": when(conversation.resolved_at),
        "assignee": assignee,
        "summary": conversation.handoff_summary or {},
        "collected": collected,
        "messages": [message_item(m) for m in messages],
    }


def agent_presence(load: AgentLoad) -> dict[str, Any]:
    """An `AgentPresence`."""
    return {
        "id": load.id,
        "name": load.name,
        "presence": load.status,
        "open_count": load.open_count,
        "max_concurrent": load.max_concurrent,
    }
