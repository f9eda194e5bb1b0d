"""Shared table metadata and the column types every context uses."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# Named constraints so migrations and error translation can refer to them.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# BIGINT ids on MySQL; SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


_NAIVE_EPOCH = datetime(1970, 1, 1)
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Stored as naive UTC with microseconds (DATETIME(6) on MySQL); always read back
    timezone-aware. Naive values are refused rather than guessed."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[datetime]:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        # The same as value.replace(tzinfo=UTC), and much cheaper: a list page reads some
        # 300 of these (figures: docs/benchmarks.md, "Booking list").
        return None if value is None else _UTC_EPOCH + (value - _NAIVE_EPOCH)
