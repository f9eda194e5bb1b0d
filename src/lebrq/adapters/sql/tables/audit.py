from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    # No foreign key: an entry outlives the account that made it (deleted or anonymised).
    sa.Column("actor_id", Id, nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target_type", sa.String(32), nullable=False),
    sa.Column("target_id", Id, nullable=True),
    sa.Column("details", sa.JSON(), nullable=False),
    # The list (newest first) and its filters by actor and by target.
    sa.Index("ix_audit_log_at_id", "at", "id"),
    sa.Index("ix_audit_log_actor_id_at", "actor_id", "at"),
    sa.Index("ix_audit_log_target_type_target_id_at", "target_type", "target_id", "at"),
)
