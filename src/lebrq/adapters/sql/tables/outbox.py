from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

outbox_messages = sa.Table(
    "outbox_messages",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    # JSON object of display strings; NULL once erased.
    sa.Column("params", sa.Text(), nullable=True),
    sa.Column("attachment_kind", sa.String(20), nullable=True),
    sa.Column("attachment_booking_id", Id, nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # Next due; while claimed, the end of the lease.
    sa.Column("available_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    # Claims: status = pending AND available_at <= now, oldest due first.
    sa.Index("ix_outbox_messages_status_available_at", "status", "available_at"),
    # The admin list (newest first, optionally by status) and the oldest pending message.
    sa.Index("ix_outbox_messages_status_created_at_id", "status", "created_at", "id"),
    sa.Index("ix_outbox_messages_created_at_id", "created_at", "id"),
)
