"""One page of rows plus the total, the way every SQL list answers the pagination contract.

Every list is ordered by a sort key, (created_at, id) or (id,), descending, each served
by an index that starts with the list's filter columns and ends with that key. A page is
found by OFFSET (`page`: the database walks the skipped index entries, so page 2,000 of
50 costs 100,000 entries) or by position (`after`: a range on the key, so any depth
costs one index descent). One row more than the page is read to know whether another
page follows, and the next page's position is taken from the page's last row.

The total: InnoDB keeps no row count, so COUNT(*) walks every matching index entry
(~15 ms per 100,000 here). A total under `EXACT_TOTAL_BELOW` is counted on every request,
riding along in the page query as an uncorrelated scalar subquery (same snapshot, no
extra round trip). A larger one is kept per filter in this process for
`TOTAL_REUSE_SECONDS` and reused meanwhile without counting: such a total may be that
many seconds old (API.md, "Pagination"); `has_next` and the positions never are.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.rows import AnyRow
from lebrq.domain.pagination import PagePosition, PageRequest

# Names of the extra columns a page query adds after the caller's columns.
TOTAL_COLUMN = "page_total"
KEY_COLUMNS = ("page_key_0", "page_key_1")
EXACT_TOTAL_BELOW = 10_000
TOTAL_REUSE_SECONDS = 5.0
_MAX_REMEMBERED_TOTALS = 1_000


class PageRows(NamedTuple):
    # The page's rows; each ends with extra columns after the caller's (ignore them).
    rows: Sequence[AnyRow]
    total: int
    next: PagePosition | None


def after_position(key: Sequence[sa.ColumnElement[Any]], position: PagePosition) -> sa.ColumnElement[bool]:
    """Rows after `position` in descending key order, written as ranges an index serves
    (a row-value comparison is not optimised into a range by MariaDB 10.11)."""
    if len(key) == 1:
        return key[0] < position.id
    created_at, row_id = key
    return sa.or_(created_at < position.created_at, sa.and_(created_at == position.created_at, row_id < position.id))


async def fetch_page(
    connection: AsyncConnection,
    columns: Sequence[sa.ColumnElement[Any]],
    table: sa.FromClause,
    conditions: Sequence[sa.ColumnElement[bool]],
    key: Sequence[sa.ColumnElement[Any]],
    page: PageRequest,
) -> PageRows:
    """The page's rows, the total number of matching rows and the next page's position,
    in one round trip (two for a page past the end, or a large total not counted lately)."""
    count = sa.select(sa.func.count()).select_from(table).where(*conditions)
    total_key = RECENT_TOTALS.key_of(connection, count)
    known_total = RECENT_TOTALS.get(total_key)
    page_conditions = list(conditions)
    if page.after is not None:
        page_conditions.append(after_position(key, page.after))
    extra = [column.label(name) for column, name in zip(key, KEY_COLUMNS, strict=False)]
    if known_total is None:
        extra.append(count.scalar_subquery().label(TOTAL_COLUMN))
    query = (
        sa.select(*columns, *extra)
        .select_from(table)
        .where(*page_conditions)
        .order_by(*(column.desc() for column in key))
        .limit(page.page_size + 1)
        .offset(page.offset)
    )
    rows = (await connection.execute(query)).all()
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    if known_total is not None:
        total = known_total
    elif rows:
        total = int(rows[0][-1])
    elif page.offset == 0 and page.after is None:
        total = 0
    else:
        total = int((await connection.execute(count)).scalar_one())
    if known_total is None and total >= EXACT_TOTAL_BELOW:
        RECENT_TOTALS.put(total_key, total)
    next_position = None
    if more:
        last = rows[-1]._mapping
        next_position = page.next_position(tuple(last[name] for name in KEY_COLUMNS[: len(key)]))
    return PageRows(rows, total, next_position)


class RecentTotals:
    """Large totals per (database, filter), each for `reuse_seconds`."""

    def __init__(self, reuse_seconds: float = TOTAL_REUSE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._reuse_seconds = reuse_seconds
        self._clock = clock
        self._totals: OrderedDict[Any, tuple[float, int]] = OrderedDict()

    @staticmethod
    def key_of(connection: AsyncConnection, count: sa.Select[Any]) -> Any:
        # SQLAlchemy's statement cache key: the statement's structure, then its values.
        cache_key = count._generate_cache_key()
        assert cache_key is not None
        values = tuple(_hashable(parameter.effective_value) for parameter in cache_key.bindparams)
        return (connection.engine.url, cache_key.key, values)

    def get(self, key: Any) -> int | None:
        found = self._totals.get(key)
        if found is None:
            return None
        expires_at, total = found
        if self._clock() >= expires_at:
            del self._totals[key]
            return None
        return total

    def clear(self) -> None:
        self._totals.clear()

    def put(self, key: Any, total: int) -> None:
        self._totals[key] = (self._clock() + self._reuse_seconds, total)
        self._totals.move_to_end(key)
        while len(self._totals) > _MAX_REMEMBERED_TOTALS:
            self._totals.popitem(last=False)


def forget_recent_totals() -> None:
    """Drop every kept total (tests that empty and refill a database within seconds)."""
    RECENT_TOTALS.clear()


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


RECENT_TOTALS = RecentTotals()
