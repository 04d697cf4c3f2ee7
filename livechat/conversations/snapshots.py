"""Immutable snapshots of conversations and messages, safe to pass between tasks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Protocol, Unpack

from sqlalchemy import Row

from livechat.db import utcnow
from livechat.models import Conversation, Direction, Message, Sender


class ConversationColumns(Protocol):
    """What a conversation snapshot is taken from: a row, or a richer snapshot (the agents'
    `LiveConversation`)."""

    @property
    def id(self) -> int: ...
    @property
    def public_id(self) -> uuid.UUID: ...
    @property
    def contact_id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def language(self) -> str | None: ...


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation as it was when read; safe to pass between tasks."""

    id: int
    public_id: uuid.UUID
    contact_id: int
    channel: str
    status: str
    language: str | None

    @property
    def rasa_sender(self) -> str:
        """The Rasa sender id (conversation uuid as hex)."""
        return self.public_id.hex

    @classmethod
    def of(
        cls, row: Conversation | Row[Unpack[tuple[Any, ...]]] | ConversationColumns
    ) -> ConversationInfo:
        """From an ORM row, a Core row holding the same columns, or a richer snapshot."""
        return cls(
            id=row.id,
            public_id=row.public_id,
            contact_id=row.contact_id,
            channel=row.channel,
            status=row.status,
            language=row.language,
        )


@dataclass(frozen=True)
class MessageInfo:
    """A message as stored; `id` is None only for a reply that could not be stored."""

    id: int | None
    conversation_id: int
    direction: str
    sender: str
    content: str | None
    payload: dict[str, Any] | None
    language: str | None
    private: bool
    created_at: dt.datetime
    client_message_id: str | None = None

    @classmethod
    def unsaved(
        cls,
        conversation_id: int,
        sender: Sender,
        content: str | None,
        payload: dict[str, Any] | None,
        language: str | None,
    ) -> MessageInfo:
        """An outgoing message as it is being (or could not be) stored: no id yet."""
        return cls(
            id=None,
            conversation_id=conversation_id,
            direction=Direction.OUTGOING.value,
            sender=sender.value,
            content=content,
            payload=payload,
            language=language,
            private=False,
            created_at=utcnow(),
        )

    @classmethod
    def of(cls, row: Message | Row[Unpack[tuple[Any, ...]]]) -> MessageInfo:
        """From an ORM row, or a Core row holding the same columns."""
        return cls(
            id=row.id,
            conversation_id=row.conversation_id,
            direction=row.direction,
            sender=row.sender,
            content=row.content,
            payload=row.payload,
            language=row.language,
            private=row.private,
            created_at=row.created_at,
            client_message_id=row.client_message_id,
        )


# What ConversationInfo holds, for statements that return it (UPDATE ... RETURNING).
CONVERSATION_COLUMNS = (
    Conversation.id,
    Conversation.public_id,
    Conversation.contact_id,
    Conversation.channel,
    Conversation.status,
    Conversation.language,
)
