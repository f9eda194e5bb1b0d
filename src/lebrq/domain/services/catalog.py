"""Catalog use cases: public reads, admin create and update of venues and items."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

import msgspec

from lebrq.domain.model.audit import AuditAction, fields_sent
from lebrq.domain.model.catalog import (
    Item,
    ItemFields,
    Venue,
    VenueFields,
    apply_item_fields,
    apply_venue_fields,
    new_item,
    new_venue,
)
from lebrq.domain.model.errors import NotFound
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.services.audit import record
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

Entry = TypeVar("Entry", Venue, Item)
Fields = TypeVar("Fields", bound=msgspec.Struct)


class _Repository(Protocol[Entry]):
    """What the shared steps use of `VenueRepository` and `ItemRepository`."""

    async def add(self, entry: Entry, /) -> Entry: ...

    async def get(self, entry_id: int, /) -> Entry | None: ...

    async def save(self, entry: Entry, /) -> None: ...


@dataclass(frozen=True, slots=True)
class _Kind(Generic[Entry, Fields]):
    """Venues or items: what differs between them in get, create and update."""

    noun: str
    repository: Callable[[UnitOfWork], _Repository[Entry]]
    read_for_update: Callable[[UnitOfWork, int], Awaitable[Entry | None]]
    new: Callable[[Fields, datetime], Entry]
    apply: Callable[[Entry, Fields, datetime], Entry]
    create_action: str  # an AuditAction
    update_action: str  # an AuditAction


_VENUES: _Kind[Venue, VenueFields] = _Kind(
    noun="venue",
    repository=lambda uow: uow.venues,
    # Locks the venue row: bookings of the venue wait until the change is committed.
    read_for_update=lambda uow, venue_id: uow.venues.get_for_update(venue_id),
    new=new_venue,
    apply=apply_venue_fields,
    create_action=AuditAction.VENUE_CREATE,
    update_action=AuditAction.VENUE_UPDATE,
)
_ITEMS: _Kind[Item, ItemFields] = _Kind(
    noun="item",
    repository=lambda uow: uow.items,
    read_for_update=lambda uow, item_id: uow.items.get(item_id),
    new=new_item,
    apply=apply_item_fields,
    create_action=AuditAction.ITEM_CREATE,
    update_action=AuditAction.ITEM_UPDATE,
)


class CatalogService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def list_venues(self, page: PageRequest) -> Page[Venue]:
        async with self._uow(read_only=True) as uow:
            return await uow.venues.list(page)

    async def get_venue(self, venue_id: int) -> Venue:
        return await self._get(_VENUES, venue_id)

    async def create_venue(self, fields: VenueFields, *, actor_id: int | None = None) -> Venue:
        return await self._create(_VENUES, fields, actor_id)

    async def update_venue(self, venue_id: int, fields: VenueFields, *, actor_id: int | None = None) -> Venue:
        return await self._update(_VENUES, venue_id, fields, actor_id)

    async def list_items(self, page: PageRequest) -> Page[Item]:
        async with self._uow(read_only=True) as uow:
            return await uow.items.list(page)

    async def get_item(self, item_id: int) -> Item:
        return await self._get(_ITEMS, item_id)

    async def create_item(self, fields: ItemFields, *, actor_id: int | None = None) -> Item:
        return await self._create(_ITEMS, fields, actor_id)

    async def update_item(self, item_id: int, fields: ItemFields, *, actor_id: int | None = None) -> Item:
        return await self._update(_ITEMS, item_id, fields, actor_id)

    async def _get(self, kind: _Kind[Entry, Fields], entry_id: int) -> Entry:
        async with self._uow(read_only=True) as uow:
            entry = await kind.repository(uow).get(entry_id)
        if entry is None:
            raise _not_found(kind, entry_id)
        return entry

    async def _create(self, kind: _Kind[Entry, Fields], fields: Fields, actor_id: int | None) -> Entry:
        entry = kind.new(fields, self._clock.now())
        async with self._uow() as uow:
            stored = await kind.repository(uow).add(entry)
            await record(
                uow,
                at=entry.created_at,
                actor_id=actor_id,
                action=kind.create_action,
                target_id=stored.id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return stored

    async def _update(self, kind: _Kind[Entry, Fields], entry_id: int, fields: Fields, actor_id: int | None) -> Entry:
        async with self._uow() as uow:
            current = await kind.read_for_update(uow, entry_id)
            if current is None:
                raise _not_found(kind, entry_id)
            updated = kind.apply(current, fields, self._clock.now())
            await kind.repository(uow).save(updated)
            await record(
                uow,
                at=updated.updated_at,
                actor_id=actor_id,
                action=kind.update_action,
                target_id=entry_id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return updated


def _not_found(kind: _Kind[Entry, Fields], entry_id: int) -> NotFound:
    return NotFound(f"{kind.noun} {entry_id} not found", field=f"{kind.noun}_id")
