from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("phone", sa.String(20), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("phone_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("password_trusted", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("pending_phone", sa.String(20), nullable=True),
    sa.Column("deleted_at", UtcDateTime(), nullable=True),
    # Registration relies on these, never on reading users first.
    sa.UniqueConstraint("email"),
    sa.UniqueConstraint("phone"),
    sa.Index("ix_users_created_at_id", "created_at", "id"),  # the admin list, newest first
)

otp_codes = sa.Table(
    "otp_codes",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("destination", sa.String(254), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("consumed_at", UtcDateTime(), nullable=True),
    # Serves latest(destination) and count_since(destination, t).
    sa.Index("ix_otp_codes_destination_created_at", "destination", "created_at"),
)
