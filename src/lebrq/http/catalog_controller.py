"""Catalog routes: public venue and item reads, availability, admin create and update."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from lebrq.domain.pagination import PageRequest
from lebrq.http.catalog_schema import (
    Availability,
    ItemCreate,
    ItemOut,
    ItemPatch,
    VenueCreate,
    VenueOut,
    VenuePatch,
)
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import admin_only
from lebrq.http.services import Services

_PAGE = {"page_request": Provide(provide_page_request, sync_to_thread=False)}


class VenueController(Controller):
    path = "/api/venues"
    tags = ["catalog"]
    dependencies = _PAGE
    opt = {"exclude_from_auth": True}

    @get("/", summary="Venues, newest first")
    async def list_venues(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[VenueOut]:
        return paginated(await services.catalog.list_venues(page_request), VenueOut.of)

    @get("/{venue_id:int}")
    async def get_venue(self, services: NamedDependency[Services], venue_id: FromPath[int]) -> VenueOut:
        return VenueOut.of(await services.catalog.get_venue(venue_id))

    @get(
        "/{venue_id:int}/availability",
        description="Busy slots (pending holds and confirmed bookings) overlapping [from, to). "
        "`from` defaults to now, `to` to 7 days after `from`; the window is at most 92 days.",
    )
    async def availability(
        self,
        services: NamedDependency[Services],
        venue_id: FromPath[int],
        starts_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        ends_before: Annotated[datetime | None, QueryParameter(name="to")] = None,
    ) -> Availability:
        return Availability.of(await services.bookings.availability(venue_id, starts_from, ends_before))


class ItemController(Controller):
    path = "/api/items"
    tags = ["catalog"]
    dependencies = _PAGE
    opt = {"exclude_from_auth": True}

    @get("/", summary="Bookable add-on items, newest first")
    async def list_items(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[ItemOut]:
        return paginated(await services.catalog.list_items(page_request), ItemOut.of)

    @get("/{item_id:int}")
    async def get_item(self, services: NamedDependency[Services], item_id: FromPath[int]) -> ItemOut:
        return ItemOut.of(await services.catalog.get_item(item_id))


class AdminCatalogController(Controller):
    path = "/api/admin"
    tags = ["admin", "catalog"]
    guards = [admin_only]

    @post("/venues", status_code=201)
    async def create_venue(self, services: NamedDependency[Services], data: JSONBody[VenueCreate]) -> VenueOut:
        return VenueOut.of(await services.catalog.create_venue(data.fields()))

    @patch("/venues/{venue_id:int}", description="Changes only the fields sent.")
    async def update_venue(
        self,
        services: NamedDependency[Services],
        venue_id: FromPath[int],
        data: JSONBody[VenuePatch],
    ) -> VenueOut:
        return VenueOut.of(await services.catalog.update_venue(venue_id, data.fields()))

    @post("/items", status_code=201)
    async def create_item(self, services: NamedDependency[Services], data: JSONBody[ItemCreate]) -> ItemOut:
        return ItemOut.of(await services.catalog.create_item(data.fields()))

    @patch("/items/{item_id:int}", description="Changes only the fields sent.")
    async def update_item(
        self,
        services: NamedDependency[Services],
        item_id: FromPath[int],
        data: JSONBody[ItemPatch],
    ) -> ItemOut:
        return ItemOut.of(await services.catalog.update_item(item_id, data.fields()))
