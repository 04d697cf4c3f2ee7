"""Agents: accounts, sessions, connections, login failures; conversation hand-off columns.

Revision ID: 0004_agents
Revises: 0003_sms
Create Date: 2025-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_agents"
down_revision: str | None = "0003_sms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
REASONS = "handoff_reason IN ('request_human', 'fallback', 'bot_unavailable', 'offline')"


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("max_concurrent", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("presence", sa.String(16), nullable=False),
        sa.Column("last_seen_at", UTC, nullable=True),
        sa.Column("last_assigned_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("email", name=op.f("uq_agents_email")),
        sa.CheckConstraint("role IN ('agent', 'admin')", name=op.f("ck_agents_role")),
        sa.CheckConstraint("presence IN ('online', 'away')", name=op.f("ck_agents_presence")),
        sa.CheckConstraint("language IN ('fr', 'en')", name=op.f("ck_agents_language")),
        sa.CheckConstraint("max_concurrent >= 0", name=op.f("ck_agents_max_concurrent")),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("agent_id", BigIntPK, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_sessions_token_hash")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_sessions_agent_id_agents"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_agent_sessions_agent_id"), "agent_sessions", ["agent_id"])
    op.create_table(
        "agent_connections",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("sid", sa.String(64), nullable=False),
        sa.Column("agent_id", BigIntPK, nullable=False),
        sa.Column("session_id", BigIntPK, nullable=False),
        sa.Column("connected_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_connections")),
        sa.UniqueConstraint("sid", name=op.f("uq_agent_connections_sid")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_connections_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["agent_sessions.id"],
            name=op.f("fk_agent_connections_session_id_agent_sessions"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_agent_connections_agent_id"), "agent_connections", ["agent_id"])
    op.create_index(op.f("ix_agent_connections_session_id"), "agent_connections", ["session_id"])
    op.create_table(
        "agent_login_failures",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_login_failures")),
    )
    op.create_index(op.f("ix_agent_login_failures_email"), "agent_login_failures", ["email"])
    op.create_index(op.f("ix_agent_login_failures_ip"), "agent_login_failures", ["ip"])
    op.create_index(
        op.f("ix_agent_login_failures_created_at"), "agent_login_failures", ["created_at"]
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("assignee_id", BigIntPK, nullable=True))
        batch.add_column(sa.Column("handoff_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("handoff_summary", JSONType, nullable=True))
        batch.add_column(sa.Column("queued_at", UTC, nullable=True))
        batch.add_column(sa.Column("assigned_at", UTC, nullable=True))
        batch.add_column(sa.Column("resolved_at", UTC, nullable=True))
        batch.add_column(sa.Column("announced_position", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_conversations_assignee_id_agents"),
            "agents",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(op.f("ck_conversations_handoff_reason"), REASONS)
        batch.create_index(op.f("ix_conversations_assignee_id"), ["assignee_id"])
        batch.create_index("ix_conversations_status_queued_at", ["status", "queued_at"])


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_status_queued_at")
        batch.drop_index(op.f("ix_conversations_assignee_id"))
        batch.drop_constraint(op.f("ck_conversations_handoff_reason"), type_="check")
        batch.drop_constraint(op.f("fk_conversations_assignee_id_agents"), type_="foreignkey")
        for column in (
            "announced_position",
            "resolved_at",
            "assigned_at",
            "queued_at",
            "handoff_summary",
            "assignee_id",
            "handoff_reason",
        ):
            batch.drop_column(column)
    op.drop_table("agent_login_failures")
    op.drop_table("agent_connections")
    op.drop_table("agent_sessions")
    op.drop_table("agents")
