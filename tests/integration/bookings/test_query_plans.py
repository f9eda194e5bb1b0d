"""EXPLAIN on MariaDB for the statements the booking lists really send: each filter and
the newest-first order is served by an index (no filesort, no full scan), and a page's
item lines come from one indexed IN query. Statements are captured from the SQL
repository as it runs, so the plans follow any change to the queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.bookings import SqlBookingRepository
from lebrq.adapters.sql.demo_data import seed_demo
from lebrq.adapters.sql.engine import create_engine
from lebrq.domain.model.bookings import BookingFilter, BookingItemFilter, BookingStatus, TimeSlot
from lebrq.domain.model.pagination import PagePosition, PageRequest
from tests.support.booking_factories import NOW

pytestmark = pytest.mark.anyio

Call = Callable[[SqlBookingRepository, dict[str, Any]], Awaitable[Any]]
PAGE = PageRequest(page=1, page_size=20)


def deep(ids: dict[str, Any], name: str) -> PageRequest:
    """A page found by cursor, 10,000 rows deep in the list (see `seeded_mariadb`)."""
    return PageRequest(page=501, page_size=20, after=ids[name])


async def _plans(
    connection: AsyncConnection, call: Call, ids: dict[str, int]
) -> list[tuple[str, list[dict[str, Any]]]]:
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sync_engine = connection.sync_engine
    sa.event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        await call(SqlBookingRepository(connection), ids)
    finally:
        sa.event.remove(sync_engine, "before_cursor_execute", capture)
    plans = []
    for statement, parameters in statements:
        result = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        plans.append((statement, [dict(row._mapping) for row in result]))
    return plans


# name, repository call, index (or space-separated indexes) expected for its main query.
CASES: list[tuple[str, Call, str]] = [
    (
        "own bookings",
        lambda r, i: r.list(BookingFilter(user_id=i["user"]), PAGE, NOW),
        "ix_bookings_user_id_created_at_id",
    ),
    (
        "own bookings by status",
        lambda r, i: r.list(BookingFilter(user_id=i["user"], status=BookingStatus.CONFIRMED), PAGE, NOW),
        "ix_bookings_user_id_status_created_at_id",
    ),
    ("admin, no filter", lambda r, i: r.list(BookingFilter(), PAGE, NOW), "ix_bookings_created_at_id"),
    (
        "admin by status",
        lambda r, i: r.list(BookingFilter(status=BookingStatus.CANCELLED), PAGE, NOW),
        "ix_bookings_status_created_at_id",
    ),
    (
        "admin by venue",
        lambda r, i: r.list(BookingFilter(venue_id=i["venue"]), PAGE, NOW),
        "ix_bookings_venue_id_created_at_id",
    ),
    (
        "booking items by item",
        lambda r, i: r.list_items(BookingItemFilter(item_id=i["item"]), PAGE),
        "ix_booking_items_item_id_id",
    ),
    (
        "booking items by booking",
        lambda r, i: r.list_items(BookingItemFilter(booking_id=i["booking"]), PAGE),
        "ix_booking_items_booking_id_id",
    ),
    (
        "admin, no filter, by cursor 10,000 deep",
        lambda r, i: r.list(BookingFilter(), deep(i, "newest"), NOW),
        "ix_bookings_created_at_id",
    ),
    (
        "own bookings by cursor",
        lambda r, i: r.list(BookingFilter(user_id=i["user"]), deep(i, "newest_of_user"), NOW),
        "ix_bookings_user_id_created_at_id",
    ),
    (
        "admin by status by cursor",
        lambda r, i: r.list(BookingFilter(status=BookingStatus.CANCELLED), deep(i, "newest"), NOW),
        "ix_bookings_status_created_at_id",
    ),
    (
        "booking items by item by cursor",
        lambda r, i: r.list_items(BookingItemFilter(item_id=i["item"]), deep(i, "highest_line")),
        "ix_booking_items_item_id_id",
    ),
    (
        "venue busy slots",
        lambda r, i: r.busy(i["venue"], TimeSlot(NOW, NOW.replace(year=NOW.year + 1)), NOW),
        # Either bounds the range; MariaDB picks start_at when few slots lie ahead.
        "ix_bookings_venue_id_status_start_at ix_bookings_start_at",
    ),
]


@pytest.fixture(scope="module")
def seeded_mariadb(mariadb_session_url: str) -> tuple[str, dict[str, Any]]:
    """20,000 demo bookings, statistics refreshed, and real ids to filter by (the
    session database keeps counting ids across tests)."""
    import asyncio

    from tests.support.databases import empty_mariadb_tables

    empty_mariadb_tables(mariadb_session_url)

    async def seed() -> dict[str, Any]:
        engine = create_engine(mariadb_session_url)
        try:
            await seed_demo(engine, bookings_count=20_000, users_count=200, password_hash="x", batch_rows=5_000)
            async with engine.connect() as connection:
                await connection.exec_driver_sql("ANALYZE TABLE bookings, booking_items")
                one = lambda sql: connection.exec_driver_sql(sql)  # noqa: E731
                user = (await one("SELECT MIN(user_id) FROM bookings")).scalar_one()

                async def position(sql: str) -> PagePosition:
                    created_at, row_id = (await one(sql)).one()
                    return PagePosition(page=501, id=row_id, created_at=created_at.replace(tzinfo=UTC))

                return {
                    "newest": await position(
                        "SELECT created_at, id FROM bookings ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 10000"
                    ),
                    "newest_of_user": await position(
                        f"SELECT created_at, id FROM bookings WHERE user_id = {user} "
                        "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 40"
                    ),
                    "highest_line": PagePosition(
                        page=501,
                        id=(
                            await one("SELECT id FROM booking_items ORDER BY id DESC LIMIT 1 OFFSET 10000")
                        ).scalar_one(),
                    ),
                    "user": (await one("SELECT MIN(user_id) FROM bookings")).scalar_one(),
                    "venue": (await one("SELECT MIN(venue_id) FROM bookings")).scalar_one(),
                    "item": (await one("SELECT MIN(item_id) FROM booking_items")).scalar_one(),
                    "booking": (await one("SELECT MAX(booking_id) FROM booking_items")).scalar_one(),
                }
        finally:
            await engine.dispose()

    return mariadb_session_url, asyncio.run(seed())


@pytest.mark.mariadb
@pytest.mark.parametrize(("name", "call", "index"), CASES, ids=[case[0] for case in CASES])
async def test_list_queries_use_their_index(
    seeded_mariadb: tuple[str, dict[str, Any]], name: str, call: Call, index: str
) -> None:
    url, ids = seeded_mariadb
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            plans = await _plans(connection, call, ids)
    finally:
        await engine.dispose()
    assert plans, name
    main_statement, main_plan = plans[0]
    report = "\n".join(f"{statement}\n  {plan}" for statement, plan in plans)
    assert main_plan[0]["key"] in index.split(), report
    for _statement, plan in plans:
        for row in plan:
            assert row["type"] != "ALL", report  # never a full table scan
            assert "filesort" not in (row["Extra"] or ""), report
            if "by cursor" in name and row is main_plan[0]:
                assert row["type"] == "range", report  # found by key, not walked to from the start
    # A page of bookings loads all its item lines in one more query, by booking id:
    # page (its total counted inside it) + lines, never one per booking.
    if main_statement.lstrip().upper().startswith("SELECT BOOKINGS.ID") and "LIMIT" in main_statement:
        lines = [plan for statement, plan in plans if "FROM booking_items" in statement]
        assert len(lines) == 1 and len(plans) == 2, report
        assert lines[0][0]["key"] == "ix_booking_items_booking_id_id", report
