"""SMS channel: a contact's opt-out (STOP), delivery status of outgoing messages.

Revision ID: 0003_sms
Revises: 0002_requests
Create Date: 2025-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sms"
down_revision: str | None = "0002_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
DELIVERY_STATUSES = (
    "accepted",
    "scheduled",
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "undelivered",
    "failed",
    "canceled",
)


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("sms_opted_out_at", UTC, nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("delivery_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("delivery_error", sa.String(32), nullable=True))
        batch.create_check_constraint(
            op.f("ck_messages_delivery_status"),
            f"delivery_status IN ({', '.join(repr(s) for s in DELIVERY_STATUSES)})",
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("ck_messages_delivery_status"), type_="check")
        batch.drop_column("delivery_error")
        batch.drop_column("delivery_status")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("sms_opted_out_at")
