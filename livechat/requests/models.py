"""Models of the requests wing: ServiceRequest and its history, photos, subscriptions,
the notification outbox and satisfaction surveys.

Contact details (name, e-mail, phone, subscription addresses) live only in private columns;
the public views in ``livechat.requests.views`` never read them.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livechat.db import Base, BigIntPK, UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")


class RequestStatus(enum.StrEnum):
    """Internal status; Open311 shows ``in_progress`` as ``open``."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class RequestChannel(enum.StrEnum):
    """How a request was filed."""

    WEB = "web"
    SMS = "sms"
    OPEN311 = "open311"
    PHONE = "phone"
    EMAIL = "email"
    AGENT = "agent"


class EventKind(enum.StrEnum):
    CREATED = "created"
    STATUS_CHANGE = "status_change"
    NOTE = "note"


class SubscriptionChannel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


class SubscriptionStatus(enum.StrEnum):
    """SMS subscriptions wait for the citizen's "Oui"/"Yes" before any update is sent."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    STOPPED = "stopped"


class OutboxKind(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


def _one_of(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


_LANGUAGE_CHECK = "language IN ('fr', 'en')"


class ServiceRequest(Base):
    """A citizen's request; ``service_request_id`` is the reference number (Open311 id)."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(20), unique=True)
    service_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN.value)
    status_notes: Mapped[str | None] = mapped_column(Text())
    description: Mapped[str | None] = mapped_column(Text())
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    address: Mapped[str | None] = mapped_column(String(255))
    address_id: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float())
    long: Mapped[float | None] = mapped_column(Float())
    media_urls: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Private: never in a public response, never logged.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    conversation_public_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("conversations.public_id", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    requested_datetime: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_datetime: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expected_datetime: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[ServiceRequestEvent]] = relationship(
        back_populates="request", order_by="ServiceRequestEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="request", order_by="Photo.id", cascade="all, delete-orphan"
    )
    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="request", order_by="Subscription.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(_one_of("status", RequestStatus), name="status"),
        CheckConstraint(_one_of("channel", RequestChannel), name="channel"),
        CheckConstraint(_LANGUAGE_CHECK, name="language"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat"),
        CheckConstraint('"long" IS NULL OR ("long" >= -180 AND "long" <= 180)', name="long"),
        Index("ix_service_requests_requested_datetime", "requested_datetime"),
        Index("ix_service_requests_service_code_status", "service_code", "status"),
    )


class ServiceRequestEvent(Base):
    """One line of a request's history: creation, a status change or a note."""

    __tablename__ = "service_request_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text())
    language: Mapped[str | None] = mapped_column(String(2))
    # Who: "staff", "agent:<login>", "citizen", "system", "open311".
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")

    __table_args__ = (
        CheckConstraint(_one_of("kind", EventKind), name="kind"),
        CheckConstraint(_LANGUAGE_CHECK, name="language"),
        Index("ix_service_request_events_request_id", "request_id"),
    )


class Photo(Base):
    """A photo attached to a request, stored as a file under the media directory."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer())
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="photos")

    __table_args__ = (
        CheckConstraint("size >= 0", name="size"),
        Index("ix_photos_request_id", "request_id"),
    )


class Subscription(Base):
    """A citizen's wish to get a request's status updates by SMS or e-mail."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # Private: E.164 phone or e-mail address.
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.PENDING.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="subscriptions")

    __table_args__ = (
        CheckConstraint(_one_of("channel", SubscriptionChannel), name="channel"),
        CheckConstraint(_one_of("status", SubscriptionStatus), name="status"),
        CheckConstraint(_LANGUAGE_CHECK, name="language"),
        UniqueConstraint("request_id", "channel", "address", name="uq_subscriptions_target"),
        Index("ix_subscriptions_address_status", "address", "status"),
    )


class Outbox(Base):
    """A message to send (e-mail or SMS); ``dedup_key`` makes every send happen at most once."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A worker holds a row while sending until this instant; past it, another may retry.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    last_error: Mapped[str | None] = mapped_column(Text())
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(_one_of("kind", OutboxKind), name="kind"),
        CheckConstraint(_one_of("status", OutboxStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


class SurveyResponse(Base):
    """A satisfaction rating (1-5) after a request or a conversation."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    rating: Mapped[int] = mapped_column(SmallInteger())
    comment: Mapped[str | None] = mapped_column(Text())
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(2))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL")
    )
    conversation_public_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("conversations.public_id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating"),
        CheckConstraint(_LANGUAGE_CHECK, name="language"),
    )


class SurveyInvitation(Base):
    """The satisfaction survey offered once per closed request: by SMS (the citizen replies
    1-5) or by e-mail (a link to ``/survey/<token>``; only the token's SHA-256 is stored)."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    # Private: the E.164 phone or e-mail address the invitation went to.
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set once, when the rating is recorded: the invitation is single-use.
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    survey_response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint(_one_of("channel", SubscriptionChannel), name="channel"),
        CheckConstraint(_LANGUAGE_CHECK, name="language"),
        Index("ix_survey_invitations_channel_address", "channel", "address"),
    )
