"""Requests wing: survey invitations (one per closed request, SMS reply or e-mailed link).

Revision ID: 0006_surveys
Revises: 0005_webchat
Create Date: 2025-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_surveys"
down_revision: str | None = "0005_webchat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "survey_invitations",
        sa.Column("id", BigIntPK, primary_key=True),
        sa.Column("request_id", BigIntPK, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("survey_response_id", BigIntPK, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("request_id", name=op.f("uq_survey_invitations_request_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitations_token_hash")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_survey_invitations_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_invitations_survey_response_id_survey_responses"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "channel IN ('sms', 'email')", name=op.f("ck_survey_invitations_channel")
        ),
        sa.CheckConstraint("language IN ('fr', 'en')", name=op.f("ck_survey_invitations_language")),
    )
    op.create_index(
        "ix_survey_invitations_channel_address", "survey_invitations", ["channel", "address"]
    )


def downgrade() -> None:
    op.drop_index("ix_survey_invitations_channel_address", table_name="survey_invitations")
    op.drop_table("survey_invitations")
