from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

programs = sa.Table(
    "programs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("venue_id", Id, sa.ForeignKey("venues.id"), nullable=False),
    # Sorted weekday numbers, comma-separated: "0,2,4" (Monday, Wednesday, Friday).
    sa.Column("weekdays", sa.String(13), nullable=False),
    sa.Column("start_time", sa.String(5), nullable=False),
    sa.Column("duration_minutes", sa.Integer(), nullable=False),
    sa.Column("starts_on", sa.Date(), nullable=False),
    sa.Column("ends_on", sa.Date(), nullable=False),
    sa.Column("capacity", sa.Integer(), nullable=False),
    sa.Column("fee_paise", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("poster_url", sa.String(500), nullable=True),
    # JSON array of image URLs (at most 10).
    sa.Column("image_urls", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_programs_created_at_id", "created_at", "id"),  # public list order
    sa.Index("ix_programs_venue_id_ends_on", "venue_id", "ends_on"),  # clash checks at a venue
)

program_enrolments = sa.Table(
    "program_enrolments",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("fee_paise", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # Seats taken (count by program and status) and "already enrolled?" (program, user).
    sa.Index("ix_program_enrolments_program_id_status_user_id", "program_id", "status", "user_id"),
    sa.Index("ix_program_enrolments_user_id_created_at_id", "user_id", "created_at", "id"),  # own list
)
