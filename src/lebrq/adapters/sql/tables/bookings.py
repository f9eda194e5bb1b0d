from __future__ import annotations

import sqlalchemy as sa

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("venue_id", Id, sa.ForeignKey("venues.id"), nullable=False),
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
    # One booking per (user, key); NULL keys never collide. Concurrent retries rely on it.
    sa.UniqueConstraint("user_id", "idempotency_key"),
    sa.UniqueConstraint("invoice_number"),
    sa.UniqueConstraint("credit_note_number"),
    # Each index serves one list filter plus the order (created_at DESC, id DESC):
    sa.Index("ix_bookings_created_at_id", "created_at", "id"),  # admin list, no filter
    sa.Index("ix_bookings_user_id_created_at_id", "user_id", "created_at", "id"),  # own bookings
    sa.Index("ix_bookings_user_id_status_created_at_id", "user_id", "status", "created_at", "id"),  # own + status
    sa.Index("ix_bookings_status_created_at_id", "status", "created_at", "id"),  # admin status filter
    sa.Index("ix_bookings_venue_id_created_at_id", "venue_id", "created_at", "id"),  # admin venue filter
    # Overlap check and availability: active bookings of a venue by slot start.
    sa.Index("ix_bookings_venue_id_status_start_at", "venue_id", "status", "start_at"),
    # Admin from/to filter on the slot start.
    sa.Index("ix_bookings_start_at", "start_at"),
    # The expiry sweep: pending rows by hold end.
    sa.Index("ix_bookings_status_hold_expires_at", "status", "hold_expires_at"),
)

booking_items = sa.Table(
    "booking_items",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("booking_id", Id, sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("item_id", Id, sa.ForeignKey("items.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False),
    sa.Column("unit_price_paise", sa.BigInteger(), nullable=False),
    sa.Column("amount_paise", sa.BigInteger(), nullable=False),
    # A page of bookings loads its lines with booking_id IN (...); the admin lists filter
    # by booking or item and order by id DESC (the id is the index's last column).
    sa.Index("ix_booking_items_booking_id_id", "booking_id", "id"),
    sa.Index("ix_booking_items_item_id_id", "item_id", "id"),
)
