"""Storage of venues and add-on items."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from lebrq.domain.model.catalog import Item, Venue
from lebrq.domain.model.pagination import Page, PageRequest


class VenueRepository(Protocol):
    async def add(self, venue: Venue) -> Venue:
        """Insert (the given id is ignored); returns the stored venue with its id."""
        ...

    async def get(self, venue_id: int) -> Venue | None: ...

    async def get_for_update(self, venue_id: int) -> Venue | None:
        """Reads and locks the venue row until the unit of work ends (MySQL
        `SELECT ... FOR UPDATE`; SQLite writers are already serialised). Booking a slot
        of this venue happens under this lock, so overlap checks cannot race. Make it
        the first read of the unit of work: on MySQL's REPEATABLE READ a plain read
        before it would pin an older snapshot."""
        ...

    async def save(self, venue: Venue) -> None:
        """Write every editable field of an existing venue."""
        ...

    async def list(self, page: PageRequest) -> Page[Venue]:
        """Newest first, ties by higher id."""
        ...


class ItemRepository(Protocol):
    async def add(self, item: Item) -> Item: ...

    async def get(self, item_id: int) -> Item | None: ...

    async def get_many(self, item_ids: Iterable[int]) -> dict[int, Item]:
        """The items among `item_ids` that exist, by id, in one query."""
        ...

    async def save(self, item: Item) -> None: ...

    async def list(self, page: PageRequest) -> Page[Item]:
        """Newest first, ties by higher id."""
        ...
