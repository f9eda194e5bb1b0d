"""The catalog: venues that can be booked by the hour and add-on items priced per unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import msgspec

from lebrq.domain.model.errors import InvalidInput

CURRENCY = "INR"
DEFAULT_TIMEZONE = "Asia/Kolkata"
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_UNIT_LENGTH = 32
MAX_URL_LENGTH = 500
# Ten crore rupees in paise: far above any real price, far below integer overflow in
# `rate x hours + items x quantity` even for the longest booking.
MAX_PRICE_PAISE = 10_000_000_00
MAX_VENUE_CAPACITY = 1_000_000


class Venue(msgspec.Struct, frozen=True, gc=False):
    id: int
    name: str
    description: str
    capacity: int
    hourly_rate_paise: int
    timezone: str
    poster_url: str | None
    created_at: datetime
    updated_at: datetime
    currency: str = CURRENCY


class Item(msgspec.Struct, frozen=True, gc=False):
    """A bookable add-on (chairs, projector...). `unit` is only a display label."""

    id: int
    name: str
    price_paise: int
    unit: str
    created_at: datetime
    updated_at: datetime
    currency: str = CURRENCY


class VenueFields(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """The editable fields of a venue. On update, `UNSET` fields are left as they are."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType = msgspec.UNSET
    hourly_rate_paise: int | msgspec.UnsetType = msgspec.UNSET
    timezone: str | msgspec.UnsetType = msgspec.UNSET
    poster_url: str | msgspec.UnsetType | None = msgspec.UNSET


class ItemFields(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    price_paise: int | msgspec.UnsetType = msgspec.UNSET
    unit: str | msgspec.UnsetType = msgspec.UNSET


def new_venue(fields: VenueFields, now: datetime) -> Venue:
    """A venue to insert (id 0 until stored). Name, capacity and rate are required."""
    missing = [f for f in ("name", "capacity", "hourly_rate_paise") if getattr(fields, f) is msgspec.UNSET]
    if missing:
        raise InvalidInput(f"{missing[0]} is required", field=missing[0])
    blank = Venue(
        id=0,
        name="",
        description="",
        capacity=1,
        hourly_rate_paise=0,
        timezone=DEFAULT_TIMEZONE,
        poster_url=None,
        created_at=now,
        updated_at=now,
    )
    return apply_venue_fields(blank, fields, now)


def apply_venue_fields(venue: Venue, fields: VenueFields, now: datetime) -> Venue:
    changes: dict[str, Any] = {}
    if fields.name is not msgspec.UNSET:
        changes["name"] = _text(fields.name, "name", MAX_NAME_LENGTH, required=True)
    if fields.description is not msgspec.UNSET:
        changes["description"] = _text(fields.description, "description", MAX_DESCRIPTION_LENGTH)
    if fields.capacity is not msgspec.UNSET:
        changes["capacity"] = _bounded(fields.capacity, "capacity", 1, MAX_VENUE_CAPACITY)
    if fields.hourly_rate_paise is not msgspec.UNSET:
        changes["hourly_rate_paise"] = _bounded(fields.hourly_rate_paise, "hourly_rate_paise", 0, MAX_PRICE_PAISE)
    if fields.timezone is not msgspec.UNSET:
        changes["timezone"] = check_timezone(fields.timezone)
    if fields.poster_url is not msgspec.UNSET:
        changes["poster_url"] = (
            None if fields.poster_url is None else _text(fields.poster_url, "poster_url", MAX_URL_LENGTH)
        )
    return msgspec.structs.replace(venue, **changes, updated_at=now)


def new_item(fields: ItemFields, now: datetime) -> Item:
    missing = [f for f in ("name", "price_paise") if getattr(fields, f) is msgspec.UNSET]
    if missing:
        raise InvalidInput(f"{missing[0]} is required", field=missing[0])
    blank = Item(id=0, name="", price_paise=0, unit="each", created_at=now, updated_at=now)
    return apply_item_fields(blank, fields, now)


def apply_item_fields(item: Item, fields: ItemFields, now: datetime) -> Item:
    changes: dict[str, Any] = {}
    if fields.name is not msgspec.UNSET:
        changes["name"] = _text(fields.name, "name", MAX_NAME_LENGTH, required=True)
    if fields.price_paise is not msgspec.UNSET:
        changes["price_paise"] = _bounded(fields.price_paise, "price_paise", 0, MAX_PRICE_PAISE)
    if fields.unit is not msgspec.UNSET:
        changes["unit"] = _text(fields.unit, "unit", MAX_UNIT_LENGTH, required=True)
    return msgspec.structs.replace(item, **changes, updated_at=now)


def check_timezone(name: str) -> str:
    """An IANA zone name such as `Asia/Kolkata`; abbreviations like `IST` and fixed
    offsets are refused because they are ambiguous or ignore daylight saving."""
    name = name.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"timezone {name!r} is not an IANA time zone such as Asia/Kolkata", field="timezone"
        ) from None
    if name not in _iana_names():
        raise InvalidInput(f"timezone {name!r} is not an IANA time zone such as Asia/Kolkata", field="timezone")
    return name


_IANA: set[str] = set()


def _iana_names() -> set[str]:
    # Legacy aliases like "EST" load as ZoneInfo too; the canonical list excludes most.
    if not _IANA:
        _IANA.update(available_timezones() - {"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"})
    return _IANA


def _text(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} must have at most {max_length} characters", field=field)
    return value


def _bounded(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{field} must be an integer from {low} to {high}", field=field)
    return value
