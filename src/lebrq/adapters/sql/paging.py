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
`TOTAL_REUSE_SECONDS` and reused meanwhile without counting. When it expires, one
request counts again while the others keep answering with the old total (a count of 1M
rows takes ~0.3 s here; without this every request in that window counted too, and
page 1 at 1M bookings ran at half the throughput of 100k). Such a total may be that
many seconds old plus one count's time (docs/lists.md); `has_next` and the positions
never are.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.rows import AnyRow
from lebrq.domain.model.pagination import PagePosition, PageRequest

# Names of the extra columns a page query adds after the caller's columns.
TOTAL_COLUMN = "page_total"
KEY_COLUMNS = ("page_key_0", "page_key_1")
EXACT_TOTAL_BELOW = 10_000
TOTAL_REUSE_SECONDS = 5.0
_MAX_REMEMBERED_TOTALS = 1_000
# A recount that has not reported back after this long (its request failed) is retried.
_RECOUNT_GIVE_UP_SECONDS = 30.0


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
    if known_total is None:
        RECENT_TOTALS.counted(total_key, total)
    next_position = None
    if more:
        last = rows[-1]._mapping
        next_position = page.next_position(tuple(last[name] for name in KEY_COLUMNS[: len(key)]))
    return PageRows(rows, total, next_position)


class _Total(NamedTuple):
    value: int
    expires_at: float
    # When a request set out to count it again (None: nobody is counting).
    recount_since: float | None = None


class RecentTotals:
    """Large totals per (database, filter), each fresh for `reuse_seconds`; an expired
    one is recounted by a single request while the others go on using it."""

    def __init__(self, reuse_seconds: float = TOTAL_REUSE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._reuse_seconds = reuse_seconds
        self._clock = clock
        self._totals: OrderedDict[Any, _Total] = OrderedDict()

    @staticmethod
    def key_of(connection: AsyncConnection, count: sa.Select[Any]) -> Any:
        # SQLAlchemy's statement cache key: the statement's structure, then its values.
        cache_key = count._generate_cache_key()
        assert cache_key is not None
        values = tuple(_hashable(parameter.effective_value) for parameter in cache_key.bindparams)
        return (connection.engine.url, cache_key.key, values)

    def get(self, key: Any) -> int | None:
        """The total to use, or None when the caller must count (and report `counted`)."""
        found = self._totals.get(key)
        if found is None:
            return None
        now = self._clock()
        if now < found.expires_at:
            return found.value
        if found.recount_since is not None and now - found.recount_since < _RECOUNT_GIVE_UP_SECONDS:
            return found.value  # someone is counting it again: the old total meanwhile
        self._totals[key] = found._replace(recount_since=now)
        return None

    def counted(self, key: Any, total: int) -> None:
        """A fresh count: kept if large, forgotten if small (counted every time)."""
        if total >= EXACT_TOTAL_BELOW:
            self.put(key, total)
        else:
            self._totals.pop(key, None)

    def clear(self) -> None:
        self._totals.clear()

    def put(self, key: Any, total: int) -> None:
        self._totals[key] = _Total(total, self._clock() + self._reuse_seconds)
        self._totals.move_to_end(key)
        while len(self._totals) > _MAX_REMEMBERED_TOTALS:
            self._totals.popitem(last=False)


def forget_recent_totals() -> None:
    """Drop every kept total (tests that empty and refill a database within seconds)."""
    RECENT_TOTALS.clear()


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


RECENT_TOTALS = RecentTotals()
