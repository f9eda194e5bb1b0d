"""One page of rows plus the total, the way every SQL list answers the pagination contract."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.domain.pagination import PageRequest


async def fetch_page(
    connection: AsyncConnection,
    columns: Sequence[sa.ColumnElement] | Sequence[sa.Column],
    table: sa.FromClause,
    conditions: Sequence[sa.ColumnElement[bool]],
    order_by: Sequence[sa.ColumnElement],
    page: PageRequest,
) -> tuple[Sequence[sa.Row], int]:
    """The page's rows and the total number of matching rows.

    The COUNT is skipped when the page itself proves the total (a short, non-empty page,
    or a short first page): InnoDB keeps no row count, so COUNT(*) scans an index."""
    query = (
        sa.select(*columns).select_from(table).where(*conditions).order_by(*order_by)
        .limit(page.page_size).offset(page.offset)
    )
    rows = (await connection.execute(query)).all()
    if len(rows) < page.page_size and (rows or page.offset == 0):
        return rows, page.offset + len(rows)
    count = sa.select(sa.func.count()).select_from(table).where(*conditions)
    return rows, int((await connection.execute(count)).scalar_one())
