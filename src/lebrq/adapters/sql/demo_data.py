"""Realistic demo data written straight into the tables in large batches: venues, items,
users and any number of bookings with item lines, priced by the domain's own rules.

Fast because rows are built in Python and sent as multi-row INSERTs of `batch_rows`
rows, with booking ids assigned here (from the current maximum) so item lines need no
read-back. Meant for an otherwise idle database: demos and benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lebrq.adapters.sql.rows import inserted_id
from lebrq.adapters.sql.tables.bookings import booking_items, bookings
from lebrq.adapters.sql.tables.catalog import items, venues
from lebrq.adapters.sql.tables.users import users
from lebrq.domain.model.bookings import BookingStatus
from lebrq.domain.model.catalog import CURRENCY
from lebrq.domain.model.pricing import DEFAULT_GST_RATE_BASIS_POINTS, gst_on, venue_charge

VENUE_NAMES = [
    "Banyan Hall",
    "Courtyard Stage",
    "Rooftop Terrace",
    "Studio A",
    "Studio B",
    "Lotus Room",
    "Music Room",
    "Black Box Theatre",
    "Garden Lawn",
    "Conference Room",
    "Dance Floor",
    "Gallery",
]
ITEMS = [
    ("Chair", 2_500, "each"),
    ("Round table", 15_000, "each"),
    ("Projector", 150_000, "each"),
    ("PA system", 300_000, "set"),
    ("Stage lights", 250_000, "set"),
    ("Microphone", 40_000, "each"),
    ("Tabla", 60_000, "set"),
    ("Harmonium", 80_000, "each"),
    ("Whiteboard", 20_000, "each"),
    ("Tea and snacks", 9_000, "each"),
    ("Extra cleaning", 100_000, "each"),
    ("Carpet", 50_000, "each"),
    ("Generator backup", 400_000, "hour"),
    ("Photographer", 500_000, "hour"),
    ("Flower decor", 350_000, "set"),
]
# Share of each status among seeded bookings (rest confirmed).
STATUS_WEIGHTS = [
    (BookingStatus.CONFIRMED, 55),
    (BookingStatus.CANCELLED, 15),
    (BookingStatus.EXPIRED, 20),
    (BookingStatus.PENDING, 10),
]


class SeedReport(msgspec.Struct, frozen=True):
    venues: int
    items: int
    users: int
    bookings: int
    booking_items: int
    first_user_email: str


async def seed_demo(
    engine: AsyncEngine,
    *,
    bookings_count: int,
    users_count: int,
    venues_count: int = 10,
    password_hash: str,
    batch_rows: int = 2_000,
    seed: int = 1,
    progress: Callable[[int], None] = lambda done: None,
) -> SeedReport:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    async with engine.begin() as connection:
        venue_rows = await _add_venues(connection, venues_count, now)
        item_rows = await _add_items(connection, now)
        first_user, user_ids = await _add_users(connection, users_count, password_hash, now, batch_rows)
    next_id = await _max_id(engine, bookings.c.id) + 1
    next_line_id = await _max_id(engine, booking_items.c.id) + 1
    # Each venue's bookings follow one another 3 h apart from about two years ago, so
    # active ones never overlap.
    cursors = {venue["id"]: now - timedelta(days=730) + timedelta(hours=rng.randrange(24)) for venue in venue_rows}
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    done = lines_done = 0
    while done < bookings_count:
        size = min(batch_rows, bookings_count - done)
        booking_batch: list[dict[str, Any]] = []
        line_batch: list[dict[str, Any]] = []
        for _ in range(size):
            venue = rng.choice(venue_rows)
            start = cursors[venue["id"]]
            hours = rng.choice((1, 1.5, 2, 2, 3))
            end = start + timedelta(hours=hours)
            cursors[venue["id"]] = start + timedelta(hours=3)
            status = rng.choices(statuses, weights)[0]
            created = min(start - timedelta(days=rng.randint(1, 30), minutes=rng.randrange(1440)), now)
            lines = []
            for item in rng.sample(item_rows, rng.choice((0, 0, 1, 1, 2, 3))):
                quantity = rng.randint(1, 20) if item["unit"] == "each" else 1
                lines.append(
                    {
                        "id": next_line_id,
                        "booking_id": next_id,
                        "item_id": item["id"],
                        "name": item["name"],
                        "quantity": quantity,
                        "unit_price_paise": item["price_paise"],
                        "amount_paise": item["price_paise"] * quantity,
                    }
                )
                next_line_id += 1
            venue_amount = venue_charge(venue["hourly_rate_paise"], int(hours * 60))
            subtotal = venue_amount + sum(line["amount_paise"] for line in lines)
            tax = gst_on(subtotal, DEFAULT_GST_RATE_BASIS_POINTS).total_paise
            booking_batch.append(
                {
                    "id": next_id,
                    "user_id": rng.choice(user_ids),
                    "venue_id": venue["id"],
                    "start_at": start,
                    "end_at": end,
                    "status": status.value,
                    "notes": rng.choice((None, None, "Birthday party", "Rehearsal", "Workshop for 30 people")),
                    "hourly_rate_paise": venue["hourly_rate_paise"],
                    "venue_amount_paise": venue_amount,
                    "subtotal_paise": subtotal,
                    "tax_rate_basis_points": DEFAULT_GST_RATE_BASIS_POINTS,
                    "tax_paise": tax,
                    "total_paise": subtotal + tax,
                    "currency": CURRENCY,
                    "hold_expires_at": now + timedelta(minutes=30)
                    if status is BookingStatus.PENDING
                    else created + timedelta(minutes=30),
                    "idempotency_key": None,
                    "request_fingerprint": None,
                    "payment_reference": f"UTR{next_id:010d}" if status is BookingStatus.CONFIRMED else None,
                    "confirmed_at": created + timedelta(minutes=10) if status is BookingStatus.CONFIRMED else None,
                    "cancelled_at": created + timedelta(days=1) if status is BookingStatus.CANCELLED else None,
                    "cancel_reason": None,
                    "invoice_number": None,
                    "refund_amount_paise": None,
                    "credit_note_number": None,
                    "refunded_at": None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            next_id += 1
            lines_done += len(lines)
            line_batch.extend(lines)
        async with engine.begin() as connection:
            await connection.execute(sa.insert(bookings), booking_batch)
            if line_batch:
                await connection.execute(sa.insert(booking_items), line_batch)
        done += size
        progress(done)
    return SeedReport(
        venues=len(venue_rows),
        items=len(item_rows),
        users=len(user_ids),
        bookings=done,
        booking_items=lines_done,
        first_user_email=first_user,
    )


async def _add_venues(connection: AsyncConnection, count: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        name = VENUE_NAMES[n % len(VENUE_NAMES)] + ("" if n < len(VENUE_NAMES) else f" {n // len(VENUE_NAMES) + 1}")
        row = {
            "name": name,
            "description": f"{name}: a demo venue",
            "capacity": 20 + 10 * (n % 15),
            "hourly_rate_paise": (800 + 200 * (n % 10)) * 100,
            "currency": CURRENCY,
            "timezone": "Asia/Kolkata",
            "poster_url": None,
            "created_at": now,
            "updated_at": now,
        }
        result = await connection.execute(sa.insert(venues).values(**row))
        rows.append({**row, "id": inserted_id(result)})
    return rows


async def _add_items(connection: AsyncConnection, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for name, price, unit in ITEMS:
        row = {
            "name": name,
            "price_paise": price,
            "currency": CURRENCY,
            "unit": unit,
            "created_at": now,
            "updated_at": now,
        }
        result = await connection.execute(sa.insert(items).values(**row))
        rows.append({**row, "id": inserted_id(result)})
    return rows


async def _add_users(
    connection: AsyncConnection, count: int, password_hash: str, now: datetime, batch_rows: int
) -> tuple[str, list[int]]:
    first = int((await connection.execute(sa.select(sa.func.coalesce(sa.func.max(users.c.id), 0)))).scalar_one()) + 1
    ids = list(range(first, first + count))
    rows = [
        {
            "id": user_id,
            "email": f"demo{user_id}@lebrq.test",
            "phone": None,
            "name": f"Demo User {user_id}",
            "password_hash": password_hash,
            "role": "user",
            "created_at": now,
        }
        for user_id in ids
    ]
    for start in range(0, len(rows), batch_rows):
        await connection.execute(sa.insert(users), rows[start : start + batch_rows])
    return f"demo{first}@lebrq.test", ids


async def _max_id(engine: AsyncEngine, column: sa.Column[Any]) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(sa.select(sa.func.coalesce(sa.func.max(column), 0)))).scalar_one())
