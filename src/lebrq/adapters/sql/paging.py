"""One page of rows plus the total, the way every SQL list answers the pagination contract."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.rows import AnyRow
from lebrq.domain.pagination import PageRequest

# Name of the extra column that carries the total on every row of a page.
TOTAL_COLUMN = "page_total"


async def fetch_page(
    connection: AsyncConnection,
    columns: Sequence[sa.ColumnElement[Any]] | Sequence[sa.Column[Any]],
    table: sa.FromClause,
    conditions: Sequence[sa.ColumnElement[bool]],
    order_by: Sequence[sa.ColumnElement[Any]],
    page: PageRequest,
) -> tuple[Sequence[AnyRow], int]:
    """The page's rows and the total number of matching rows, in one round trip.

    The COUNT rides along as an uncorrelated scalar subquery (evaluated once, in the same
    snapshot as the page), so each row ends with one more column, `page_total`, after
    `columns`. A round trip to the database costs more here than the count itself on an
    index (InnoDB keeps no row count, so COUNT(*) scans one). Only a page past the end,
    which has no row to carry it, counts separately."""
    count = sa.select(sa.func.count()).select_from(table).where(*conditions)
    query = (
        sa.select(*columns, count.scalar_subquery().label(TOTAL_COLUMN))
        .select_from(table)
        .where(*conditions)
        .order_by(*order_by)
        .limit(page.page_size)
        .offset(page.offset)
    )
    rows = (await connection.execute(query)).all()
    if rows:
        return rows, int(rows[0][-1])
    if page.offset == 0:
        return rows, 0
    return rows, int((await connection.execute(count)).scalar_one())
