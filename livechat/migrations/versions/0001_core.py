"""Core live chat: contacts, conversations, messages.

Revision ID: 0001_core
Revises:
Create Date: 2025-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("web_session_id", sa.String(64), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("web_session_id", name=op.f("uq_contacts_web_session_id")),
        sa.UniqueConstraint("phone", name=op.f("uq_contacts_phone")),
        sa.UniqueConstraint("email", name=op.f("uq_contacts_email")),
        sa.CheckConstraint("language IN ('fr', 'en')", name=op.f("ck_contacts_language")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", BigIntPK, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("last_activity_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_conversations_public_id")),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_conversations_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("channel IN ('web', 'sms')", name=op.f("ck_conversations_channel")),
        sa.CheckConstraint(
            "status IN ('bot', 'queued', 'open', 'resolved')", name=op.f("ck_conversations_status")
        ),
        sa.CheckConstraint("language IN ('fr', 'en')", name=op.f("ck_conversations_language")),
    )
    op.create_index(
        "uq_conversations_unresolved",
        "conversations",
        ["contact_id", "channel"],
        unique=True,
        sqlite_where=sa.text("status != 'resolved'"),
        postgresql_where=sa.text("status != 'resolved'"),
    )
    op.create_index(
        "ix_conversations_status_last_activity",
        "conversations",
        ["status", "last_activity_at"],
    )
    op.create_table(
        "messages",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("conversation_id", BigIntPK, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("payload", JSONType, nullable=True),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("source_id", name=op.f("uq_messages_source_id")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "direction IN ('incoming', 'outgoing', 'activity')", name=op.f("ck_messages_direction")
        ),
        sa.CheckConstraint(
            "sender IN ('citizen', 'bot', 'agent', 'system')", name=op.f("ck_messages_sender")
        ),
        sa.CheckConstraint("language IN ('fr', 'en')", name=op.f("ck_messages_language")),
    )
    op.create_index("ix_messages_conversation_id_id", "messages", ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_messages_conversation_id_id", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_conversations_status_last_activity", table_name="conversations")
    op.drop_index("uq_conversations_unresolved", table_name="conversations")
    op.drop_table("conversations")
    op.drop_table("contacts")
