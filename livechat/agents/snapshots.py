"""What the agents' side reads of the queue: a conversation with its hand-off state, a queued
entry with its place, an agent's load. Frozen snapshots of database rows."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from livechat.conversations.store import ConversationInfo
from livechat.models import Conversation, Presence


@dataclass(frozen=True)
class LiveConversation:
    """A conversation with its hand-off state."""

    id: int
    public_id: uuid.UUID
    contact_id: int
    channel: str
    status: str
    language: str | None
    assignee_id: int | None
    assignee_name: str | None
    handoff_reason: str | None
    handoff_summary: dict[str, Any] | None
    queued_at: dt.datetime | None
    assigned_at: dt.datetime | None
    resolved_at: dt.datetime | None

    @property
    def hex(self) -> str:
        """The public id as the protocol names it (also the Rasa sender id)."""
        return self.public_id.hex

    def info(self) -> ConversationInfo:
        """The core snapshot the router and channels take."""
        return ConversationInfo.of(self)

    @classmethod
    def of(cls, row: Conversation, assignee_name: str | None) -> LiveConversation:
        return cls(
            id=row.id,
            public_id=row.public_id,
            contact_id=row.contact_id,
            channel=row.channel,
            status=row.status,
            language=row.language,
            assignee_id=row.assignee_id,
            assignee_name=assignee_name,
            handoff_reason=row.handoff_reason,
            handoff_summary=row.handoff_summary,
            queued_at=row.queued_at,
            assigned_at=row.assigned_at,
            resolved_at=row.resolved_at,
        )


@dataclass(frozen=True)
class QueueEntry:
    """A queued conversation with its place (None for offline messages) and last words."""

    conversation: LiveConversation
    position: int | None
    preview: str | None


@dataclass(frozen=True)
class AgentLoad:
    """An agent's availability: chosen presence, connected or not, open chats."""

    id: int
    name: str
    presence: str
    connected: bool
    open_count: int
    max_concurrent: int
    active: bool

    @property
    def status(self) -> str:
        """ "online", "away" or "offline", as the console shows it."""
        return self.presence if self.connected else "offline"

    @property
    def available(self) -> bool:
        """Takes chats: active, connected and not away."""
        return self.active and self.connected and self.presence == Presence.ONLINE.value
