"""Web chat: the widget's client_message_id on messages (exactly-once citizen messages).

Revision ID: 0005_webchat
Revises: 0004_agents
Create Date: 2025-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_webchat"
down_revision: str | None = "0004_agents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIQUE = "uq_messages_conversation_id_client_message_id"


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("client_message_id", sa.String(64), nullable=True))
        # NULLs never collide (SQLite and PostgreSQL): messages without an id are not limited.
        batch.create_unique_constraint(UNIQUE, ["conversation_id", "client_message_id"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_column("client_message_id")
