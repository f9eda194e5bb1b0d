from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

media = sa.Table(
    "media",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    # Who may see it when private: the uploader, or for an audio note the booking's owner.
    sa.Column("owner_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("booking_id", Id, nullable=True),
    sa.Column("program_id", Id, nullable=True),
    sa.Column("is_public", sa.Boolean(), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("original_name", sa.String(255), nullable=False),
    sa.Column("storage_key", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("storage_key"),
    # The gallery: one kind, newest first.
    sa.Index("ix_media_kind_created_at_id", "kind", "created_at", "id"),
    # A booking's audio notes, newest first; and the media of a deleted booking/program.
    sa.Index("ix_media_booking_id_created_at_id", "booking_id", "created_at", "id"),
    sa.Index("ix_media_program_id", "program_id"),
)
