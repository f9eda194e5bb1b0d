"""venues, items, bookings and booking items (issue 3)

Revision ID: 0002_catalog_bookings
Revises: 0001_users
"""

import sqlalchemy as sa
from alembic import op

from lebrq.adapters.sql.tables.base import Id, UtcDateTime

revision = "0002_catalog_bookings"
down_revision = "0001_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venues",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("hourly_rate_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("poster_url", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_venues"),
    )
    op.create_index("ix_venues_created_at_id", "venues", ["created_at", "id"])
    op.create_table(
        "items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
    )
    op.create_index("ix_items_created_at_id", "items", ["created_at", "id"])
    op.create_table(
        "bookings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("venue_id", Id, nullable=False),
        sa.Column("start_at", UtcDateTime(), nullable=False),
        sa.Column("end_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("hourly_rate_paise", sa.BigInteger(), nullable=False),
        sa.Column("venue_amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("subtotal_paise", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_basis_points", sa.Integer(), nullable=False),
        sa.Column("tax_paise", sa.BigInteger(), nullable=False),
        sa.Column("total_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hold_expires_at", UtcDateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=True),
        sa.Column("payment_reference", sa.String(100), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("invoice_number", sa.String(40), nullable=True),
        sa.Column("refund_amount_paise", sa.BigInteger(), nullable=True),
        sa.Column("credit_note_number", sa.String(40), nullable=True),
        sa.Column("refunded_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_bookings_user_id_users"),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name="fk_bookings_venue_id_venues"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_bookings_user_id_idempotency_key"),
        sa.UniqueConstraint("invoice_number", name="uq_bookings_invoice_number"),
        sa.UniqueConstraint("credit_note_number", name="uq_bookings_credit_note_number"),
    )
    for name, columns in BOOKING_INDEXES.items():
        op.create_index(name, "bookings", columns)
    op.create_table(
        "booking_items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_paise", sa.BigInteger(), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_booking_items"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_booking_items_booking_id_bookings"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_booking_items_item_id_items"),
    )
    op.create_index("ix_booking_items_booking_id_id", "booking_items", ["booking_id", "id"])
    op.create_index("ix_booking_items_item_id_id", "booking_items", ["item_id", "id"])


# Frozen copy of the indexes in tables/bookings.py at this revision.
BOOKING_INDEXES = {
    "ix_bookings_created_at_id": ["created_at", "id"],
    "ix_bookings_user_id_created_at_id": ["user_id", "created_at", "id"],
    "ix_bookings_user_id_status_created_at_id": ["user_id", "status", "created_at", "id"],
    "ix_bookings_status_created_at_id": ["status", "created_at", "id"],
    "ix_bookings_venue_id_created_at_id": ["venue_id", "created_at", "id"],
    "ix_bookings_venue_id_status_start_at": ["venue_id", "status", "start_at"],
    "ix_bookings_start_at": ["start_at"],
    "ix_bookings_status_hold_expires_at": ["status", "hold_expires_at"],
}


def downgrade() -> None:
    op.drop_table("booking_items")
    op.drop_table("bookings")
    op.drop_table("items")
    op.drop_table("venues")
