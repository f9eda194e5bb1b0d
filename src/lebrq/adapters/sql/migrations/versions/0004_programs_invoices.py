"""regular programs, enrolments, invoices, credit notes (issue 4)

Revision ID: 0004_programs_invoices
Revises: 0003_media
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from lebrq.adapters.sql.tables.base import Id, UtcDateTime  # noqa: F401

revision = "0004_programs_invoices"
down_revision = "0003_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
