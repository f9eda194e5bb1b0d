from __future__ import annotations

import pytest

from lebrq.domain.errors import InvalidInput
from lebrq.domain.pagination import Page, PageRequest


@pytest.mark.parametrize(("page", "page_size", "field"), [(0, 50, "page"), (1, 0, "page_size"), (1, 101, "page_size")])
def test_out_of_bounds_requests_name_the_parameter(page: int, page_size: int, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        PageRequest.of(page, page_size)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("total", "page", "pages", "has_next", "has_prev"),
    [
        (0, 1, 0, False, False),
        (137, 1, 3, True, False),
        (137, 2, 3, True, True),
        (137, 3, 3, False, True),
        (137, 4, 3, False, True),
    ],
)
def test_page_metadata(total: int, page: int, pages: int, has_next: bool, has_prev: bool) -> None:
    result = Page(items=[], total=total, request=PageRequest.of(page, 50))
    assert (result.total_pages, result.has_next, result.has_prev) == (pages, has_next, has_prev)
    assert result.request.offset == (page - 1) * 50
