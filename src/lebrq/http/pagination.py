"""The pagination contract on the wire: `page`/`page_size` query parameters in, and
`{"items": [...], "pagination": {...}}` out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from lebrq.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, Page, PageRequest

D = TypeVar("D")
R = TypeVar("R")


class PaginationInfo(msgspec.Struct, frozen=True, gc=False):
    page: int
    page_size: int
    total: int
    total_pages: int
    has_next: bool
    has_prev: bool


class Paginated(msgspec.Struct, Generic[R], frozen=True):
    items: list[R]
    pagination: PaginationInfo


def provide_page_request(
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
    page_size: Annotated[
        int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, 1 to {MAX_PAGE_SIZE}")
    ] = DEFAULT_PAGE_SIZE,
) -> PageRequest:
    """The bounds are stated here for the OpenAPI document (Litestar answers 400 naming the
    parameter) and checked again by the domain's PageRequest for callers outside HTTP."""
    return PageRequest.of(page, page_size)


def paginated(page: Page[D], convert: Callable[[D], R]) -> Paginated[R]:
    return Paginated(
        items=[convert(item) for item in page.items],
        pagination=PaginationInfo(
            page=page.request.page,
            page_size=page.request.page_size,
            total=page.total,
            total_pages=page.total_pages,
            has_next=page.has_next,
            has_prev=page.has_prev,
        ),
    )
