"""The pagination contract on the wire: `page`/`page_size` (or `cursor`) query
parameters in, and `{"items": [...], "pagination": {...}}` out.

A cursor is the next page's position (`lebrq.domain.model.pagination.PagePosition`) as
base64url msgpack: opaque to clients, who only copy `pagination.next_cursor` into the
next request. It carries no filter and grants nothing: the filters and the caller's
rights come from the request as always, so an edited cursor only moves the starting
point. Whatever does not decode to a well-formed position is a 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, Page, PagePosition, PageRequest

D = TypeVar("D")
R = TypeVar("R")

MAX_CURSOR_LENGTH = 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CURSOR_VERSION = 1
_BIGINT = 2**63 - 1
_LAST_MICROSECOND = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // _MICROSECOND


class _WireCursor(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    version: Annotated[int, msgspec.Meta(ge=_CURSOR_VERSION, le=_CURSOR_VERSION)]
    page: Annotated[int, msgspec.Meta(ge=2, le=MAX_PAGE)]
    id: Annotated[int, msgspec.Meta(ge=0, le=_BIGINT)]
    created_at_us: Annotated[int, msgspec.Meta(ge=0, le=_LAST_MICROSECOND)] | None


_encode_cursor = msgspec.msgpack.Encoder().encode
_decode_cursor = msgspec.msgpack.Decoder(_WireCursor).decode

CURSOR_DESCRIPTION = (
    "Opaque position of a page: copy `pagination.next_cursor` of the previous page. With it, `page` is "
    "ignored and the page is found by key (as fast at any depth). Invalid or edited: 400."
)
CursorQuery = Annotated[
    str | None, QueryParameter(description=CURSOR_DESCRIPTION, max_length=MAX_CURSOR_LENGTH, required=False)
]


def encode_cursor(position: PagePosition) -> str:
    created_at_us = None if position.created_at is None else (position.created_at - _EPOCH) // _MICROSECOND
    raw = _encode_cursor(_WireCursor(_CURSOR_VERSION, position.page, position.id, created_at_us))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> PagePosition | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        wire = _decode_cursor(raw)
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise InvalidInput(
            "cursor is not a cursor this API gave out: copy pagination.next_cursor unchanged", field="cursor"
        ) from None
    created_at = None if wire.created_at_us is None else _EPOCH + wire.created_at_us * _MICROSECOND
    return PagePosition(page=wire.page, id=wire.id, created_at=created_at)


TOTAL_DESCRIPTION = (
    "Rows matching the filters. Exact below 10,000; a larger total is counted at most once per "
    "5 seconds per filter and server process, so it may be up to 5 s old (has_next and next_cursor never are)."
)


class PaginationInfo(msgspec.Struct, frozen=True, gc=False):
    page: int
    page_size: int
    total: Annotated[int, msgspec.Meta(description=TOTAL_DESCRIPTION)]
    total_pages: int
    has_next: bool
    has_prev: bool
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(
            description="Pass as `cursor` to get the next page (found by key, not offset); null on the last page."
        ),
    ]


class Paginated(msgspec.Struct, Generic[R], frozen=True):
    items: list[R]
    pagination: PaginationInfo


def provide_page_request(
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
    page_size: Annotated[
        int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, 1 to {MAX_PAGE_SIZE}")
    ] = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> PageRequest:
    """The bounds are stated here for the OpenAPI document (Litestar answers 400 naming the
    parameter) and checked again by the domain's PageRequest for callers outside HTTP."""
    return PageRequest.of(page, page_size, decode_cursor(cursor))


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
            next_cursor=None if page.next is None else encode_cursor(page.next),
        ),
    )
