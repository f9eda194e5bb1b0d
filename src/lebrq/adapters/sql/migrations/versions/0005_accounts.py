"""verified identifiers, disabled and deleted accounts, sessions with refresh tokens,
shared throttle counters (issue 11)

Revision ID: 0005_accounts
Revises: 0004_programs_invoices
"""

import sqlalchemy as sa
from alembic import op

from lebrq.adapters.sql.tables.base import Id, UtcDateTime

revision = "0005_accounts"
down_revision = "0004_programs_invoices"
branch_labels = None
depends_on = None

_USER_FLAGS = ("email_verified", "phone_verified", "disabled", "password_trusted")


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        for flag in _USER_FLAGS:
            users.add_column(sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))
        users.add_column(sa.Column("pending_phone", sa.String(20), nullable=True))
        users.add_column(sa.Column("deleted_at", UtcDateTime(), nullable=True))
    op.create_table(
        "sessions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("signed_in_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_sessions_user_id_users"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("session_id", Id, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name="fk_refresh_tokens_session_id_sessions", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])
    op.create_table(
        "throttles",
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("window_started_at", UtcDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "subject", name="pk_throttles"),
    )


def downgrade() -> None:
    op.drop_table("throttles")
    op.drop_table("refresh_tokens")
    op.drop_table("sessions")
    with op.batch_alter_table("users") as users:
        users.drop_column("deleted_at")
        users.drop_column("pending_phone")
        for flag in reversed(_USER_FLAGS):
            users.drop_column(flag)
