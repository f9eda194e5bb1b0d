"""All tables, so that `metadata` is complete wherever it is imported (Alembic, tests)."""

from lebrq.adapters.sql.tables import (  # noqa: F401  # noqa: F401
    bookings,
    catalog,
    media,  # noqa: F401
    programs,
    tax_documents,
    users,  # noqa: F401
)
from lebrq.adapters.sql.tables.base import metadata

__all__ = ["metadata"]
