"""polyfactory factories and a small world for catalog and booking tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.domain.model.bookings import BookingRequest, ItemRequest
from lebrq.domain.model.catalog import ItemFields, VenueFields
from lebrq.domain.model.media import MediaKind, NewMedia
from lebrq.domain.model.users import NewUser, Role

_serial = itertools.count(1)
# A fixed "now" for tests with a hand-moved clock; slots are booked after it.
NOW = datetime(2026, 12, 1, 9, 7, 13, tzinfo=UTC)
TOMORROW_10 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


class VenueFieldsFactory(MsgspecFactory[VenueFields]):
    name = Use(lambda: f"{MsgspecFactory.__faker__.city()} Hall {next(_serial)}")
    description = Use(lambda: MsgspecFactory.__faker__.sentence())
    capacity = Use(lambda: MsgspecFactory.__random__.randint(10, 500))
    hourly_rate_paise = Use(lambda: MsgspecFactory.__random__.randint(500, 5000) * 100)
    timezone = "Asia/Kolkata"
    poster_url = None


class ItemFieldsFactory(MsgspecFactory[ItemFields]):
    name = Use(lambda: f"{MsgspecFactory.__faker__.word().title()} {next(_serial)}")
    price_paise = Use(lambda: MsgspecFactory.__random__.randint(1, 500) * 100)
    unit = Use(lambda: MsgspecFactory.__random__.choice(["each", "set", "hour"]))


class NewUserFactory(MsgspecFactory[NewUser]):
    email = Use(lambda: f"booker{next(_serial)}@example.com")
    name = Use(lambda: MsgspecFactory.__faker__.name())
    phone = None
    role = Role.USER
    created_at = NOW
    password_hash = None


class NewMediaFactory(MsgspecFactory[NewMedia]):
    """A media record (its blob is not stored: for tests of records alone)."""

    kind = MediaKind.IMAGE
    content_type = "image/png"
    size = Use(lambda: MsgspecFactory.__random__.randint(1, 10_000_000))
    sha256 = Use(lambda: MsgspecFactory.__random__.randbytes(32).hex())
    storage_key = Use(lambda: f"media/2026/12/{next(_serial):032x}")
    is_public = True
    created_at = NOW
    booking_id = None
    program_id = None


class BookingRequestFactory(MsgspecFactory[BookingRequest]):
    """A valid request for a venue id given by the test: tomorrow 10:00-12:00 UTC."""

    start = TOMORROW_10
    end = TOMORROW_10 + timedelta(hours=2)
    items = ()
    notes = Use(lambda: MsgspecFactory.__faker__.sentence())


def slot(start_hour: float, end_hour: float, day: datetime = TOMORROW_10) -> dict[str, datetime]:
    """start/end on `day`'s date at the given UTC hours (10.5 = 10:30)."""
    midnight = day.replace(hour=0, minute=0)
    return {"start": midnight + timedelta(hours=start_hour), "end": midnight + timedelta(hours=end_hour)}


def booking_request(venue_id: int, items: dict[int, int] | None = None, **overrides: Any) -> BookingRequest:
    lines = tuple(ItemRequest(item_id=item_id, quantity=quantity) for item_id, quantity in (items or {}).items())
    return BookingRequestFactory.build(venue_id=venue_id, items=lines, **overrides)


def venue_payload(**overrides: Any) -> dict[str, Any]:
    fields = msgspec.structs.asdict(VenueFieldsFactory.build())
    fields.pop("poster_url")
    return {**fields, **overrides}


# Programs made over HTTP start in two weeks (Mondays, Wednesdays, Fridays at 07:00).
PROGRAM_START = date.today() + timedelta(days=14)


def program_payload(venue_id: int, **overrides: object) -> dict[str, object]:
    payload = {
        "title": "Morning Yoga",
        "description": "Hatha basics",
        "venue_id": venue_id,
        "weekdays": [0, 2, 4],
        "start_time": "07:00",
        "duration_minutes": 60,
        "starts_on": PROGRAM_START.isoformat(),
        "ends_on": (PROGRAM_START + timedelta(days=60)).isoformat(),
        "capacity": 2,
        "fee_paise": 2_000_00,
    }
    return {**payload, **overrides}


def item_payload(**overrides: Any) -> dict[str, Any]:
    return {**msgspec.structs.asdict(ItemFieldsFactory.build()), **overrides}
