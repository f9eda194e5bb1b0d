"""All tables, so that `metadata` is complete wherever it is imported (Alembic, tests)."""

from lebrq.adapters.sql.tables import users  # noqa: F401
from lebrq.adapters.sql.tables import media  # noqa: F401
from lebrq.adapters.sql.tables import bookings, catalog  # noqa: F401
from lebrq.adapters.sql.tables import programs, tax_documents  # noqa: F401
from lebrq.adapters.sql.tables.base import metadata

__all__ = ["metadata"]
