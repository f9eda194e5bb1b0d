"""A list's total: counted exactly while small; when large, counted once and reused per
filter for a few seconds (documented freshness), while `has_next` stays exact."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lebrq.adapters.sql import paging
from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from lebrq.domain.model.catalog import new_venue
from lebrq.domain.model.pagination import PageRequest
from tests.support.booking_factories import NOW, VenueFieldsFactory

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def uow(sql_database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(sql_database_url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(paging, "RECENT_TOTALS", paging.RecentTotals(reuse_seconds=5.0, clock=clock))
    return clock


async def add_venues(uow: SqlUnitOfWorkFactory, count: int) -> None:
    async with uow() as tx:
        for _ in range(count):
            await tx.venues.add(new_venue(VenueFieldsFactory.build(), NOW))
        await tx.commit()


async def first_page(uow: SqlUnitOfWorkFactory, page_size: int = 2) -> tuple[int, bool, int]:
    async with uow(read_only=True) as tx:
        page = await tx.venues.list(PageRequest.of(1, page_size))
    return page.total, page.has_next, len(page.items)


async def test_a_large_total_is_reused_for_a_few_seconds_then_counted_again(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "EXACT_TOTAL_BELOW", 3)
    await add_venues(uow, 4)
    assert await first_page(uow) == (4, True, 2)
    await add_venues(uow, 1)
    clock.now += 4.9
    assert await first_page(uow) == (4, True, 2)  # reused: up to 5 s old
    assert await first_page(uow, page_size=10) == (4, False, 5)  # has_next and the rows are never stale
    clock.now += 0.2
    assert await first_page(uow) == (5, True, 2)


async def test_a_small_total_is_always_exact(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    await add_venues(uow, 4)
    assert await first_page(uow) == (4, True, 2)
    await add_venues(uow, 1)
    assert await first_page(uow) == (5, True, 2)


def test_an_expired_total_is_recounted_by_one_request_while_the_others_use_the_old_one() -> None:
    clock = FakeClock()
    totals = paging.RecentTotals(reuse_seconds=5.0, clock=clock)
    totals.counted("filter", 1_000_000)
    clock.now += 5.0
    assert totals.get("filter") is None  # this request counts again...
    assert totals.get("filter") == 1_000_000  # ...the ones meanwhile do not
    totals.counted("filter", 1_000_321)
    assert totals.get("filter") == 1_000_321
    clock.now += 5.0
    assert totals.get("filter") is None
    clock.now += 31.0  # that recount never reported back (its request failed): try again
    assert totals.get("filter") is None
    totals.counted("filter", 12)  # now small: counted on every request from here on
    assert totals.get("filter") is None
