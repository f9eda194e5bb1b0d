"""media records (issue 5)

Revision ID: 0003_media
Revises: 0002_catalog_bookings
"""

import sqlalchemy as sa
from alembic import op

from lebrq.adapters.sql.tables.base import Id, UtcDateTime

revision = "0003_media"
down_revision = "0002_catalog_bookings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("owner_id", Id, nullable=False),
        sa.Column("booking_id", Id, nullable=True),
        sa.Column("program_id", Id, nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_media"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_media_owner_id_users"),
        sa.UniqueConstraint("storage_key", name="uq_media_storage_key"),
    )
    op.create_index("ix_media_kind_created_at_id", "media", ["kind", "created_at", "id"])
    op.create_index("ix_media_booking_id_created_at_id", "media", ["booking_id", "created_at", "id"])
    op.create_index("ix_media_program_id", "media", ["program_id"])


def downgrade() -> None:
    op.drop_table("media")
