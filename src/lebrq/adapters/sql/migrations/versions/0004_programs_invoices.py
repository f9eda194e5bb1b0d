"""regular programs, enrolments, invoices, credit notes (issue 4)

Revision ID: 0004_programs_invoices
Revises: 0003_media
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from lebrq.adapters.sql.tables.base import Id, UtcDateTime

revision = "0004_programs_invoices"
down_revision = "0003_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("venue_id", Id, nullable=False),
        sa.Column("weekdays", sa.String(13), nullable=False),
        sa.Column("start_time", sa.String(5), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("poster_url", sa.String(500), nullable=True),
        sa.Column("image_urls", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name="fk_programs_venue_id_venues"),
    )
    op.create_index("ix_programs_created_at_id", "programs", ["created_at", "id"])
    op.create_index("ix_programs_venue_id_ends_on", "programs", ["venue_id", "ends_on"])
    op.create_table(
        "program_enrolments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_program_enrolments"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_program_enrolments_program_id_programs"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_program_enrolments_user_id_users"),
    )
    op.create_index(
        "ix_program_enrolments_program_id_status_user_id", "program_enrolments", ["program_id", "status", "user_id"]
    )
    op.create_index(
        "ix_program_enrolments_user_id_created_at_id", "program_enrolments", ["user_id", "created_at", "id"]
    )
    op.create_table(
        "document_counters",
        sa.Column("series", sa.String(20), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "financial_year", name="pk_document_counters"),
    )
    op.create_table(
        "tax_documents",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("financial_year", sa.String(7), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("total_paise", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql"), nullable=False),
        sa.Column("pdf_key", sa.String(300), nullable=True),
        sa.Column("pdf_size", sa.BigInteger(), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tax_documents"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_tax_documents_booking_id_bookings"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_tax_documents_user_id_users"),
        sa.UniqueConstraint("number", name="uq_tax_documents_number"),
        sa.UniqueConstraint("booking_id", "kind", name="uq_tax_documents_booking_id_kind"),
    )
    op.create_table(
        "refunds",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("invoice_number", sa.String(40), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("credit_note_number", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_refunds_booking_id_bookings"),
        sa.UniqueConstraint("booking_id", name="uq_refunds_booking_id"),
    )


def downgrade() -> None:
    op.drop_table("refunds")
    op.drop_table("tax_documents")
    op.drop_table("document_counters")
    op.drop_table("program_enrolments")
    op.drop_table("programs")
