"""The pagination contract shared by every list: bounds, offsets and page metadata."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from lebrq.domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Far beyond any real list, and small enough that the row offset always fits a 64-bit integer.
MAX_PAGE = 2**31 - 1


class PageRequest(msgspec.Struct, frozen=True, gc=False):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def of(cls, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> PageRequest:
        if not 1 <= page <= MAX_PAGE:
            raise InvalidInput(f"page must be an integer from 1 to {MAX_PAGE}", field="page")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}", field="page_size")
        return cls(page=page, page_size=page_size)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    total: int
    request: PageRequest

    @property
    def total_pages(self) -> int:
        return -(-self.total // self.request.page_size)

    @property
    def has_next(self) -> bool:
        return self.request.page < self.total_pages

    @property
    def has_prev(self) -> bool:
        return self.request.page > 1
