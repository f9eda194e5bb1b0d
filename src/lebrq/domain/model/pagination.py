"""The pagination contract shared by every list: bounds, offsets, keyset positions and
page metadata.

Every list is ordered newest first by a unique key, (created_at, id) or (id,) alone,
both descending. A page is found either by number (`page`: the storage skips the rows
before it, a cost that grows with the page number) or by position (`after`: the rows
that come after a given key, which an index finds directly at any depth). Every page
carries the position of the next one (`next`), None on the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Generic, TypeVar

import msgspec

from lebrq.domain.model.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Far beyond any real list, and small enough that the row offset always fits a 64-bit integer.
MAX_PAGE = 2**31 - 1

SortKey = tuple[datetime, int] | tuple[int]


class PagePosition(msgspec.Struct, frozen=True, gc=False):
    """The start of a page: just after the row whose sort key is (created_at, id), or
    (id,) when `created_at` is None; `page` is that page's number, for the metadata."""

    page: int
    id: int
    created_at: datetime | None = None

    @property
    def key(self) -> SortKey:
        return (self.id,) if self.created_at is None else (self.created_at, self.id)


class PageRequest(msgspec.Struct, frozen=True, gc=False):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    # Set: the page starts after this position and `page` is its page number.
    after: PagePosition | None = None

    @classmethod
    def of(cls, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE, after: PagePosition | None = None) -> PageRequest:
        if not 1 <= page <= MAX_PAGE:
            raise InvalidInput(f"page must be an integer from 1 to {MAX_PAGE}", field="page")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}", field="page_size")
        if after is not None:
            return cls(page=after.page, page_size=page_size, after=after)
        return cls(page=page, page_size=page_size)

    @property
    def offset(self) -> int:
        """Rows to skip before the page (0 for a page found by position)."""
        return 0 if self.after is not None else (self.page - 1) * self.page_size

    def next_position(self, last_key: SortKey) -> PagePosition:
        """Where the page after this one starts, given the sort key of this page's last row."""
        if len(last_key) == 1:
            return PagePosition(page=self.page + 1, id=last_key[0])
        created_at, row_id = last_key
        return PagePosition(page=self.page + 1, id=row_id, created_at=created_at)


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    # Matching rows in the whole list. May lag a few seconds behind on large lists (see
    # the SQL adapter's paging); `next` never does.
    total: int
    request: PageRequest
    next: PagePosition | None = None

    @property
    def total_pages(self) -> int:
        return -(-self.total // self.request.page_size)

    @property
    def has_next(self) -> bool:
        return self.next is not None

    @property
    def has_prev(self) -> bool:
        return self.request.page > 1


def page_of_sorted(rows: Iterable[T], request: PageRequest, key: Callable[[T], SortKey]) -> Page[T]:
    """A page over rows held in memory (the in-memory adapters), with the same order,
    offsets and positions as the SQL lists."""
    ordered = sorted(rows, key=key, reverse=True)
    start = request.offset
    if request.after is not None:
        after = request.after.key
        start = next((index for index, row in enumerate(ordered) if key(row) < after), len(ordered))
    items = ordered[start : start + request.page_size]
    more = start + request.page_size < len(ordered)
    return Page(
        items=items,
        total=len(ordered),
        request=request,
        next=request.next_position(key(items[-1])) if more and items else None,
    )


def newest_first(row: object) -> SortKey:
    """The sort key of a row with `created_at` and `id`."""
    return (row.created_at, row.id)  # type: ignore[attr-defined]


def highest_id_first(row: object) -> SortKey:
    return (row.id,)  # type: ignore[attr-defined]
