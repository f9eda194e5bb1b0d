"""media records (issue 5)

Revision ID: 0003_media
Revises: 0002_catalog_bookings
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from lebrq.adapters.sql.tables.base import Id, UtcDateTime  # noqa: F401

revision = "0003_media"
down_revision = "0002_catalog_bookings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
