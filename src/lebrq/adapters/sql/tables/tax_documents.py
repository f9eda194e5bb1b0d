from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from lebrq.adapters.sql.tables.base import Id, UtcDateTime, metadata

# The next number of each series in each financial year; the row is locked while a
# document takes its number, which makes numbering gapless.
document_counters = sa.Table(
    "document_counters",
    metadata,
    sa.Column("series", sa.String(20), primary_key=True),
    sa.Column("financial_year", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("next_number", sa.Integer(), nullable=False),
)

# Invoices and credit notes. `document` is the immutable JSON snapshot; the columns
# beside it are copies for lookups and constraints. Only the pdf_* columns are ever updated.
tax_documents = sa.Table(
    "tax_documents",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("booking_id", Id, sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("financial_year", sa.String(7), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("total_paise", sa.BigInteger(), nullable=False),
    sa.Column("document", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql"), nullable=False),
    sa.Column("pdf_key", sa.String(300), nullable=True),
    sa.Column("pdf_size", sa.BigInteger(), nullable=True),
    sa.Column("pdf_sha256", sa.String(64), nullable=True),
    sa.UniqueConstraint("number"),
    # One invoice and at most one credit note per booking; also serves the lookups.
    sa.UniqueConstraint("booking_id", "kind"),
)

refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("booking_id", Id, sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("invoice_number", sa.String(40), nullable=False),
    sa.Column("percent", sa.Integer(), nullable=False),
    sa.Column("amount_paise", sa.BigInteger(), nullable=False),
    sa.Column("credit_note_number", sa.String(40), nullable=True),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("booking_id"),
)
