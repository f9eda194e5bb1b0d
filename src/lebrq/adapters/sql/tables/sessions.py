"""Sign-in sessions, their refresh tokens (hashed) and the shared throttle counters."""

from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("signed_in_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    # Serves "revoke every session of this user".
    sa.Index("ix_sessions_user_id", "user_id"),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("session_id", Id, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    # SHA-256 of the token: a leaked table gives nobody a usable token.
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("token_hash"),
    sa.Index("ix_refresh_tokens_session_id", "session_id"),
)

throttles = sa.Table(
    "throttles",
    metadata,
    # What is counted (login per account, per address...) and a hash of whom.
    sa.Column("scope", sa.String(32), primary_key=True),
    sa.Column("subject", sa.String(64), primary_key=True),
    sa.Column("window_started_at", UtcDateTime(), nullable=False),
    sa.Column("hits", sa.Integer(), nullable=False),
    sa.Column("lockouts", sa.Integer(), nullable=False),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
)
