"""outbox of messages to customers (issue 12)

Revision ID: 0007_outbox
Revises: 0006_audit_log
"""

import sqlalchemy as sa
from alembic import op

from lebrq.adapters.sql.tables.base import Id, UtcDateTime

revision = "0007_outbox"
down_revision = "0006_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("params", sa.Text(), nullable=True),
        sa.Column("attachment_kind", sa.String(20), nullable=True),
        sa.Column("attachment_booking_id", Id, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
    )
    op.create_index("ix_outbox_messages_status_available_at", "outbox_messages", ["status", "available_at"])
    op.create_index("ix_outbox_messages_status_created_at_id", "outbox_messages", ["status", "created_at", "id"])
    op.create_index("ix_outbox_messages_created_at_id", "outbox_messages", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("outbox_messages")
