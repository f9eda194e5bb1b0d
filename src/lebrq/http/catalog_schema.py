"""Wire shapes of the catalog (API.md "Catalog")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from lebrq.domain.model.bookings import TimeSlot
from lebrq.domain.model.catalog import (
    CURRENCY,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PRICE_PAISE,
    MAX_UNIT_LENGTH,
    MAX_URL_LENGTH,
    MAX_VENUE_CAPACITY,
    Item,
    ItemFields,
    Venue,
    VenueFields,
)

# Required text must have a visible character (the domain strips blanks): `\S` says so.
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH, pattern=r"\S")]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_LENGTH)]
Paise = Annotated[int, msgspec.Meta(ge=0, le=MAX_PRICE_PAISE, description="an amount in paise (1 rupee = 100 paise)")]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=MAX_VENUE_CAPACITY)]
TimeZoneName = Annotated[str, msgspec.Meta(max_length=64, description="IANA time zone, e.g. Asia/Kolkata")]
Url = Annotated[str, msgspec.Meta(max_length=MAX_URL_LENGTH)]
Unit = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=MAX_UNIT_LENGTH, pattern=r"\S", description="display label: each, set, ..."),
]
Currency = Annotated[
    Literal["INR"], msgspec.Meta(description="accepted so a client may send a resource back as it read it; always INR")
]
assert CURRENCY == "INR"


def editable_fields(body: msgspec.Struct) -> dict[str, Any]:
    """A create/update body's fields for the domain: `currency` is not editable (always INR)."""
    fields = msgspec.structs.asdict(body)
    fields.pop("currency", None)
    return fields


class VenueOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    name: str
    description: str
    capacity: int
    hourly_rate_paise: int
    currency: str
    timezone: str
    poster_url: str | None

    @classmethod
    def of(cls, venue: Venue) -> VenueOut:
        return cls(
            id=venue.id,
            name=venue.name,
            description=venue.description,
            capacity=venue.capacity,
            hourly_rate_paise=venue.hourly_rate_paise,
            currency=venue.currency,
            timezone=venue.timezone,
            poster_url=venue.poster_url,
        )


class ItemOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    name: str
    price_paise: int
    currency: str
    unit: str

    @classmethod
    def of(cls, item: Item) -> ItemOut:
        return cls(id=item.id, name=item.name, price_paise=item.price_paise, currency=item.currency, unit=item.unit)


class VenueCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    capacity: Capacity
    hourly_rate_paise: Paise
    description: Description = ""
    timezone: TimeZoneName = "Asia/Kolkata"
    poster_url: Url | None = None
    currency: Currency = "INR"

    def fields(self) -> VenueFields:
        return VenueFields(**editable_fields(self))


class VenuePatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only the fields sent change; `poster_url: null` removes the poster."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | msgspec.UnsetType = msgspec.UNSET
    hourly_rate_paise: Paise | msgspec.UnsetType = msgspec.UNSET
    timezone: TimeZoneName | msgspec.UnsetType = msgspec.UNSET
    poster_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET

    def fields(self) -> VenueFields:
        return VenueFields(**editable_fields(self))


class ItemCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    price_paise: Paise
    unit: Unit = "each"
    currency: Currency = "INR"

    def fields(self) -> ItemFields:
        return ItemFields(**editable_fields(self))


class ItemPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    price_paise: Paise | msgspec.UnsetType = msgspec.UNSET
    unit: Unit | msgspec.UnsetType = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET

    def fields(self) -> ItemFields:
        return ItemFields(**editable_fields(self))


class BusySlot(msgspec.Struct, frozen=True, gc=False):
    start: datetime
    end: datetime


class Availability(msgspec.Struct, frozen=True, gc=False):
    busy: list[BusySlot]

    @classmethod
    def of(cls, slots: list[TimeSlot]) -> Availability:
        return cls(busy=[BusySlot(start=slot.start, end=slot.end) for slot in slots])
