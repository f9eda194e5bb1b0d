"""Small helpers every SQL repository uses to turn results into domain values."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy.engine import CursorResult, Row


def inserted_id(result: CursorResult[Any]) -> int:
    """The id the database gave the row a single-row INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


# A result row of any width: repositories read columns by name.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
