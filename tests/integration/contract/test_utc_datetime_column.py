"""UtcDateTime columns read back as the same instant, timezone-aware in UTC, to the
microsecond, on SQLite and MariaDB; naive values are refused on the way in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.tables.base import UtcDateTime

pytestmark = pytest.mark.anyio

probe = sa.Table(
    "utc_datetime_probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime(), nullable=True),
)
IST = timezone(timedelta(hours=5, minutes=30))
STORED = [
    datetime(2026, 11, 22, 19, 1, 2, 345678, tzinfo=UTC),
    datetime(2026, 11, 23, 0, 31, 2, 345678, tzinfo=IST),  # the same instant, given in India's time
    datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    None,
]


async def test_values_come_back_as_the_same_utc_instant(sql_database_url: str) -> None:
    engine = create_engine(sql_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(probe.create)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    sa.insert(probe), [{"id": i, "at": at} for i, at in enumerate(STORED, start=1)]
                )
                read = [row.at for row in await connection.execute(sa.select(probe.c.at).order_by(probe.c.id))]
            with pytest.raises(sa.exc.StatementError, match="naive datetime"):
                async with engine.begin() as connection:
                    await connection.execute(sa.insert(probe).values(id=99, at=datetime(2026, 1, 1)))
        finally:
            async with engine.begin() as connection:
                await connection.run_sync(probe.drop)
    finally:
        await engine.dispose()
    assert read == STORED
    assert all(at.tzinfo is UTC for at in read if at is not None)
