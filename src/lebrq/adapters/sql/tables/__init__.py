"""All tables, so that `metadata` is complete wherever it is imported (Alembic, tests)."""

from lebrq.adapters.sql.tables import (
    audit,
    bookings,
    catalog,
    media,
    outbox,
    programs,
    sessions,
    tax_documents,
    users,
)
from lebrq.adapters.sql.tables.base import metadata

# The table modules are listed so that importing this package defines every table.
__all__ = [
    "audit",
    "bookings",
    "catalog",
    "media",
    "metadata",
    "outbox",
    "programs",
    "sessions",
    "tax_documents",
    "users",
]
