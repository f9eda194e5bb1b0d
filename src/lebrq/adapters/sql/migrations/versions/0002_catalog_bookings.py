"""venues, items, bookings and booking items (issue 3)

Revision ID: 0002_catalog_bookings
Revises: 0001_users
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from lebrq.adapters.sql.tables.base import Id, UtcDateTime  # noqa: F401

revision = "0002_catalog_bookings"
down_revision = "0001_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
