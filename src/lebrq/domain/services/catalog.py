"""Catalog use cases: public reads, admin create and update of venues and items."""

from __future__ import annotations

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
from lebrq.ports.unit_of_work import UnitOfWorkFactory


class CatalogService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def list_venues(self, page: PageRequest) -> Page[Venue]:
        async with self._uow(read_only=True) as uow:
            return await uow.venues.list(page)

    async def get_venue(self, venue_id: int) -> Venue:
        async with self._uow(read_only=True) as uow:
            venue = await uow.venues.get(venue_id)
        if venue is None:
            raise NotFound(f"venue {venue_id} not found", field="venue_id")
        return venue

    async def create_venue(self, fields: VenueFields, *, actor_id: int | None = None) -> Venue:
        venue = new_venue(fields, self._clock.now())
        async with self._uow() as uow:
            stored = await uow.venues.add(venue)
            await record(
                uow,
                at=venue.created_at,
                actor_id=actor_id,
                action=AuditAction.VENUE_CREATE,
                target_id=stored.id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return stored

    async def update_venue(self, venue_id: int, fields: VenueFields, *, actor_id: int | None = None) -> Venue:
        async with self._uow() as uow:
            current = await uow.venues.get_for_update(venue_id)
            if current is None:
                raise NotFound(f"venue {venue_id} not found", field="venue_id")
            updated = apply_venue_fields(current, fields, self._clock.now())
            await uow.venues.save(updated)
            await record(
                uow,
                at=updated.updated_at,
                actor_id=actor_id,
                action=AuditAction.VENUE_UPDATE,
                target_id=venue_id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return updated

    async def list_items(self, page: PageRequest) -> Page[Item]:
        async with self._uow(read_only=True) as uow:
            return await uow.items.list(page)

    async def get_item(self, item_id: int) -> Item:
        async with self._uow(read_only=True) as uow:
            item = await uow.items.get(item_id)
        if item is None:
            raise NotFound(f"item {item_id} not found", field="item_id")
        return item

    async def create_item(self, fields: ItemFields, *, actor_id: int | None = None) -> Item:
        item = new_item(fields, self._clock.now())
        async with self._uow() as uow:
            stored = await uow.items.add(item)
            await record(
                uow,
                at=item.created_at,
                actor_id=actor_id,
                action=AuditAction.ITEM_CREATE,
                target_id=stored.id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return stored

    async def update_item(self, item_id: int, fields: ItemFields, *, actor_id: int | None = None) -> Item:
        async with self._uow() as uow:
            current = await uow.items.get(item_id)
            if current is None:
                raise NotFound(f"item {item_id} not found", field="item_id")
            updated = apply_item_fields(current, fields, self._clock.now())
            await uow.items.save(updated)
            await record(
                uow,
                at=updated.updated_at,
                actor_id=actor_id,
                action=AuditAction.ITEM_UPDATE,
                target_id=item_id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return updated
