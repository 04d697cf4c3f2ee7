"""Core live-chat models (Chatwoot vocabulary): Contact, Conversation, Message, Agent."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livechat.db import Base, BigIntPK, UTCDateTime, utcnow

# none_as_null: a missing payload is SQL NULL, not the JSON value null.
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Channel(enum.StrEnum):
    """Where a conversation happens."""

    WEB = "web"
    SMS = "sms"


class ConversationStatus(enum.StrEnum):
    """Who owns a conversation: the bot, the agents' queue, an agent, or nobody (resolved)."""

    BOT = "bot"
    QUEUED = "queued"
    OPEN = "open"
    RESOLVED = "resolved"


class Direction(enum.StrEnum):
    """Incoming from the citizen, outgoing to the citizen, or an activity note."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ACTIVITY = "activity"


class Sender(enum.StrEnum):
    """Who wrote a message."""

    CITIZEN = "citizen"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class AgentRole(enum.StrEnum):
    """What an agent may do: answer chats, or also administer."""

    AGENT = "agent"
    ADMIN = "admin"


class Presence(enum.StrEnum):
    """The availability an agent chose (being connected is tracked apart)."""

    ONLINE = "online"
    AWAY = "away"


class HandoffReason(enum.StrEnum):
    """Why a conversation left the bot for the agents' queue."""

    REQUEST_HUMAN = "request_human"
    FALLBACK = "fallback"
    BOT_UNAVAILABLE = "bot_unavailable"
    OFFLINE = "offline"


class DeliveryStatus(enum.StrEnum):
    """Where an outgoing SMS is, as Twilio's status callbacks tell (livechat.sms)."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELED = "canceled"


def _one_of(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Contact(Base):
    """A citizen, known by a web session id, a phone number (E.164) or an email."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    web_session_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the number texted STOP: no SMS of any kind goes to it until START.
    sms_opted_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (CheckConstraint("language IN ('fr', 'en')", name="language"),)


class Conversation(Base):
    """One thread between a contact and the city on one channel."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # Public id; its hex form is the Rasa sender id.
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True, default=uuid.uuid4)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ConversationStatus.BOT.value)
    language: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Live chat with agents (livechat.agents): who has it, since when, and why.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handoff_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The queue position the citizen was last told, so updates go out only when it changes.
    announced_position: Mapped[int | None] = mapped_column(Integer())

    contact: Mapped[Contact] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        order_by="Message.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        CheckConstraint(_one_of("channel", Channel), name="channel"),
        CheckConstraint(_one_of("status", ConversationStatus), name="status"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        CheckConstraint(_one_of("handoff_reason", HandoffReason), name="handoff_reason"),
        # At most one unresolved conversation per contact and channel.
        Index(
            "uq_conversations_unresolved",
            "contact_id",
            "channel",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_conversations_status_last_activity", "status", "last_activity_at"),
        Index("ix_conversations_status_queued_at", "status", "queued_at"),
    )


class Message(Base):
    """A message of a conversation; `payload` holds buttons, images, attachments, custom JSON."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))
    content: Mapped[str | None] = mapped_column(Text())
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Id at the channel's provider (Twilio MessageSid): makes webhook retries idempotent.
    source_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    language: Mapped[str | None] = mapped_column(String(2))
    # Internal notes between agents: never shown to the citizen.
    private: Mapped[bool] = mapped_column(Boolean(), default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Outgoing SMS: Twilio's latest delivery status and error code (status callbacks).
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_error: Mapped[str | None] = mapped_column(String(32))
    # The web widget's id of a citizen message: a resend after a lost ack is stored once.
    client_message_id: Mapped[str | None] = mapped_column(String(64))

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    __table_args__ = (
        CheckConstraint(_one_of("direction", Direction), name="direction"),
        CheckConstraint(_one_of("sender", Sender), name="sender"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        CheckConstraint(_one_of("delivery_status", DeliveryStatus), name="delivery_status"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        UniqueConstraint(
            "conversation_id",
            "client_message_id",
            name="uq_messages_conversation_id_client_message_id",
        ),
    )


class Agent(Base):
    """A city employee answering live chats in the console."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=AgentRole.AGENT.value)
    max_concurrent: Mapped[int] = mapped_column(Integer(), default=3)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    active: Mapped[bool] = mapped_column(Boolean(), default=True)
    presence: Mapped[str] = mapped_column(String(16), default=Presence.ONLINE.value)
    # When the agent's last socket went away (start of the grace period).
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint(_one_of("role", AgentRole), name="role"),
        CheckConstraint(_one_of("presence", Presence), name="presence"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        CheckConstraint("max_concurrent >= 0", name="max_concurrent"),
    )


class AgentSession(Base):
    """A login: only the SHA-256 of its random token is stored."""

    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AgentConnection(Base):
    """A connected `/agent` socket, on whichever gateway process; refreshed by heartbeats."""

    __tablename__ = "agent_connections"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("agent_sessions.id", ondelete="CASCADE"), index=True
    )
    connected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginFailure(Base):
    """A failed agent login, counted per email and per client address for rate limiting."""

    __tablename__ = "agent_login_failures"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
