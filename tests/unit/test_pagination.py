from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.pagination import (
    Page,
    PagePosition,
    PageRequest,
    highest_id_first,
    newest_first,
    page_of_sorted,
)
from lebrq.http.pagination import decode_cursor, encode_cursor
from tests.support.booking_factories import NOW


class Row:
    def __init__(self, row_id: int, created_at: datetime) -> None:
        self.id, self.created_at = row_id, created_at


@pytest.mark.parametrize(("page", "page_size", "field"), [(0, 50, "page"), (1, 0, "page_size"), (1, 101, "page_size")])
def test_out_of_bounds_requests_name_the_parameter(page: int, page_size: int, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        PageRequest.of(page, page_size)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("total", "page", "pages", "has_prev"),
    [(0, 1, 0, False), (137, 1, 3, False), (137, 2, 3, True), (137, 3, 3, True), (137, 4, 3, True)],
)
def test_page_metadata(total: int, page: int, pages: int, has_prev: bool) -> None:
    result = Page(items=[], total=total, request=PageRequest.of(page, 50))
    assert (result.total_pages, result.has_next, result.has_prev) == (pages, False, has_prev)
    assert result.request.offset == (page - 1) * 50
    following = Page(items=[], total=total, request=PageRequest.of(page, 50), next=PagePosition(page=page + 1, id=1))
    assert following.has_next


def test_walking_by_position_gives_the_same_rows_as_by_page_even_with_equal_times() -> None:
    # Three rows share each created_at: the id breaks the tie, so no row is lost or repeated.
    rows = [Row(row_id, NOW + timedelta(seconds=row_id // 3)) for row_id in range(1, 24)]
    by_number = [
        row.id for page in range(1, 6) for row in page_of_sorted(rows, PageRequest.of(page, 5), newest_first).items
    ]
    by_position, request = [], PageRequest.of(1, 5)
    while True:
        found = page_of_sorted(rows, request, newest_first)
        assert found.request.page == len(by_position) // 5 + 1
        by_position += [row.id for row in found.items]
        if found.next is None:
            break
        request = PageRequest.of(page_size=5, after=found.next)
    assert by_position == by_number == list(range(23, 0, -1))


def test_an_id_only_order_walks_too() -> None:
    rows = [Row(row_id, NOW) for row_id in (5, 9, 2, 7)]
    first = page_of_sorted(rows, PageRequest.of(1, 3), highest_id_first)
    assert [row.id for row in first.items] == [9, 7, 5]
    assert first.next == PagePosition(page=2, id=5)
    second = page_of_sorted(rows, PageRequest.of(page_size=3, after=first.next), highest_id_first)
    assert [row.id for row in second.items] == [2]
    assert second.next is None


@pytest.mark.parametrize(
    "position",
    [
        PagePosition(page=2, id=1, created_at=datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=UTC)),
        PagePosition(page=2_001, id=2**63 - 1),
        PagePosition(page=9, id=0, created_at=datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_cursor_round_trips_and_is_short(position: PagePosition) -> None:
    cursor = encode_cursor(position)
    assert len(cursor) <= 40
    assert cursor.isascii()
    assert "=" not in cursor
    assert decode_cursor(cursor) == position


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "x" * 65,
        "lAEBAcA",  # page 1: a cursor always points past the first page
        encode_cursor(PagePosition(page=2, id=1))[:-2],
        "kwIBAQ",  # too few fields
        "%%%%",
    ],
)
def test_a_cursor_that_was_not_given_out_is_invalid_input_naming_cursor(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor)
    assert refused.value.field == "cursor"
