"""Requests wing: service requests, history, photos, subscriptions, outbox, surveys.

Revision ID: 0002_requests
Revises: 0001_core
Create Date: 2025-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_requests"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
LANGUAGE = "language IN ('fr', 'en')"


def _request_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["request_id"],
        ["service_requests.id"],
        name=op.f(f"fk_{table}_request_id_service_requests"),
        ondelete=ondelete,
    )


def _conversation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_public_id"],
        ["conversations.public_id"],
        name=op.f(f"fk_{table}_conversation_public_id_conversations"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    op.create_table(
        "service_requests",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("service_request_id", sa.String(20), nullable=False),
        sa.Column("service_code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_notes", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("attributes", JSONType, nullable=False),
        sa.Column("address", sa.String(255), nullable=True),
        sa.Column("address_id", sa.String(64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("media_urls", JSONType, nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("conversation_public_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("requested_datetime", UTC, nullable=False),
        sa.Column("updated_datetime", UTC, nullable=False),
        sa.Column("expected_datetime", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint(
            "service_request_id", name=op.f("uq_service_requests_service_request_id")
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_service_requests_idempotency_key")),
        _conversation_fk("service_requests"),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'closed')", name=op.f("ck_service_requests_status")
        ),
        sa.CheckConstraint(
            "channel IN ('web', 'sms', 'open311', 'phone', 'email', 'agent')",
            name=op.f("ck_service_requests_channel"),
        ),
        sa.CheckConstraint(LANGUAGE, name=op.f("ck_service_requests_language")),
        sa.CheckConstraint(
            "lat IS NULL OR (lat >= -90 AND lat <= 90)", name=op.f("ck_service_requests_lat")
        ),
        sa.CheckConstraint(
            '"long" IS NULL OR ("long" >= -180 AND "long" <= 180)',
            name=op.f("ck_service_requests_long"),
        ),
    )
    op.create_index(
        "ix_service_requests_requested_datetime", "service_requests", ["requested_datetime"]
    )
    op.create_index(
        "ix_service_requests_service_code_status", "service_requests", ["service_code", "status"]
    )

    op.create_table(
        "service_request_events",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("request_id", BigIntPK, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status_from", sa.String(16), nullable=True),
        sa.Column("status_to", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_request_events")),
        _request_fk("service_request_events", "CASCADE"),
        sa.CheckConstraint(
            "kind IN ('created', 'status_change', 'note')",
            name=op.f("ck_service_request_events_kind"),
        ),
        sa.CheckConstraint(LANGUAGE, name=op.f("ck_service_request_events_language")),
    )
    op.create_index(
        "ix_service_request_events_request_id", "service_request_events", ["request_id"]
    )

    op.create_table(
        "photos",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("request_id", BigIntPK, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        _request_fk("photos", "CASCADE"),
        sa.CheckConstraint("size >= 0", name=op.f("ck_photos_size")),
    )
    op.create_index("ix_photos_request_id", "photos", ["request_id"])

    op.create_table(
        "subscriptions",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("request_id", BigIntPK, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        _request_fk("subscriptions", "CASCADE"),
        sa.UniqueConstraint("request_id", "channel", "address", name="uq_subscriptions_target"),
        sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f("ck_subscriptions_channel")),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'stopped')", name=op.f("ck_subscriptions_status")
        ),
        sa.CheckConstraint(LANGUAGE, name=op.f("ck_subscriptions_language")),
    )
    op.create_index("ix_subscriptions_address_status", "subscriptions", ["address", "status"])

    op.create_table(
        "outbox",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("request_id", BigIntPK, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_dedup_key")),
        _request_fk("outbox", "SET NULL"),
        sa.CheckConstraint("kind IN ('email', 'sms')", name=op.f("ck_outbox_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts")),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "survey_responses",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("request_id", BigIntPK, nullable=True),
        sa.Column("conversation_public_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        _request_fk("survey_responses", "SET NULL"),
        _conversation_fk("survey_responses"),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_survey_responses_rating")),
        sa.CheckConstraint(LANGUAGE, name=op.f("ck_survey_responses_language")),
    )


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_subscriptions_address_status", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index("ix_photos_request_id", table_name="photos")
    op.drop_table("photos")
    op.drop_index("ix_service_request_events_request_id", table_name="service_request_events")
    op.drop_table("service_request_events")
    op.drop_index("ix_service_requests_service_code_status", table_name="service_requests")
    op.drop_index("ix_service_requests_requested_datetime", table_name="service_requests")
    op.drop_table("service_requests")
