"""Catalog routes: public venue and item reads, availability, admin create and update."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from lebrq.domain.model.pagination import PageRequest
from lebrq.http.catalog_schema import (
    Availability,
    ItemCreate,
    ItemOut,
    ItemPatch,
    VenueCreate,
    VenueOut,
    VenuePatch,
)
from lebrq.http.contract import DATE_TIME, ResourceId, parse_time
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import AuthUser, admin_only
from lebrq.http.services import Services

_WindowFrom = Annotated[
    str | None, QueryParameter(name="from", description="window start, ISO 8601 with offset", schema_extra=DATE_TIME)
]
_WindowTo = Annotated[
    str | None, QueryParameter(name="to", description="window end, after `from`", schema_extra=DATE_TIME)
]
Admin = Request[AuthUser, Any, Any]
_PAGE = {"page_request": Provide(provide_page_request, sync_to_thread=False)}


class VenueController(Controller):
    path = "/api/venues"
    tags = ["catalog"]
    dependencies = _PAGE
    opt = {"exclude_from_auth": True}

    @get("/", summary="Venues, newest first", operation_id="listVenues")
    async def list_venues(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[VenueOut]:
        return paginated(await services.catalog.list_venues(page_request), VenueOut.of)

    @get("/{venue_id:int}", operation_id="getVenue")
    async def get_venue(self, services: NamedDependency[Services], venue_id: ResourceId) -> VenueOut:
        return VenueOut.of(await services.catalog.get_venue(venue_id))

    @get(
        "/{venue_id:int}/availability",
        description="Busy slots (pending holds and confirmed bookings) overlapping [from, to). "
        "`from` defaults to now, `to` to 7 days after `from`; the window is at most 92 days.",
        operation_id="getVenueAvailability",
    )
    async def availability(
        self,
        services: NamedDependency[Services],
        venue_id: ResourceId,
        starts_from: _WindowFrom = None,
        ends_before: _WindowTo = None,
    ) -> Availability:
        window = parse_time(starts_from, "from"), parse_time(ends_before, "to")
        return Availability.of(await services.bookings.availability(venue_id, *window))


class ItemController(Controller):
    path = "/api/items"
    tags = ["catalog"]
    dependencies = _PAGE
    opt = {"exclude_from_auth": True}

    @get("/", summary="Bookable add-on items, newest first", operation_id="listItems")
    async def list_items(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[ItemOut]:
        return paginated(await services.catalog.list_items(page_request), ItemOut.of)

    @get("/{item_id:int}", operation_id="getItem")
    async def get_item(self, services: NamedDependency[Services], item_id: ResourceId) -> ItemOut:
        return ItemOut.of(await services.catalog.get_item(item_id))


class AdminCatalogController(Controller):
    path = "/api/admin"
    tags = ["admin", "catalog"]
    guards = [admin_only]

    @post("/venues", status_code=201, operation_id="createVenue")
    async def create_venue(
        self, request: Admin, services: NamedDependency[Services], data: JSONBody[VenueCreate]
    ) -> VenueOut:
        return VenueOut.of(await services.catalog.create_venue(data.fields(), actor_id=request.user.id))

    @patch("/venues/{venue_id:int}", description="Changes only the fields sent.", operation_id="updateVenue")
    async def update_venue(
        self,
        request: Admin,
        services: NamedDependency[Services],
        venue_id: ResourceId,
        data: JSONBody[VenuePatch],
    ) -> VenueOut:
        return VenueOut.of(await services.catalog.update_venue(venue_id, data.fields(), actor_id=request.user.id))

    @post("/items", status_code=201, operation_id="createItem")
    async def create_item(
        self, request: Admin, services: NamedDependency[Services], data: JSONBody[ItemCreate]
    ) -> ItemOut:
        return ItemOut.of(await services.catalog.create_item(data.fields(), actor_id=request.user.id))

    @patch("/items/{item_id:int}", description="Changes only the fields sent.", operation_id="updateItem")
    async def update_item(
        self,
        request: Admin,
        services: NamedDependency[Services],
        item_id: ResourceId,
        data: JSONBody[ItemPatch],
    ) -> ItemOut:
        return ItemOut.of(await services.catalog.update_item(item_id, data.fields(), actor_id=request.user.id))
