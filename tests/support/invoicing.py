"""Test data for invoices, credit notes and programs (polyfactory) and a ready issuer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.adapters.memory.health import MemoryDatabaseHealth
from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer
from lebrq.adapters.storage.memory import MemoryBlobStorage
from lebrq.bootstrap import Adapters, build_services
from lebrq.domain.model.cancellation import DEFAULT_CANCELLATION_POLICY, CancellationPolicy
from lebrq.domain.model.catalog import new_item, new_venue
from lebrq.domain.model.document_numbers import NumberFormat
from lebrq.domain.model.pricing import gst_on
from lebrq.domain.model.tax_documents import (
    BillableBooking,
    Buyer,
    DocumentLine,
    Seller,
    VenueSnapshot,
)
from lebrq.domain.services.tax_document_issuer import TaxDocumentIssuer
from lebrq.http.services import Services
from lebrq.ports.clock import Clock
from lebrq.ports.documents import DocumentRenderer
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from lebrq.settings import settings_from_env
from tests.support.apps import PER_ADDRESS_LIMITS_OFF, fast_hasher, recording_channels
from tests.support.booking_factories import NOW, ItemFieldsFactory, NewUserFactory, VenueFieldsFactory

_serial = itertools.count(1)
_faker = MsgspecFactory.__faker__

SELLER = Seller(
    name="LeBRQ Events LLP",
    gstin="29ABCDE1234F1Z5",
    address="12 MG Road, Bengaluru 560001",
    state="Karnataka",
    state_code="29",
)


def make_issuer(policy: str = DEFAULT_CANCELLATION_POLICY) -> TaxDocumentIssuer:
    return TaxDocumentIssuer(
        SELLER,
        invoice_format=NumberFormat("LEBRQ"),
        credit_note_format=NumberFormat("LEBRQ-CN"),
        cancellation_policy=CancellationPolicy.parse(policy),
    )


class BuyerFactory(MsgspecFactory[Buyer]):
    name = Use(lambda: _faker.name())
    email = Use(lambda: f"buyer{next(_serial)}@example.com")


class DocumentLineFactory(MsgspecFactory[DocumentLine]):
    """A consistent line: amount = quantity x unit price."""

    description = Use(lambda: _faker.catch_phrase())
    quantity = Use(lambda: _faker.random_int(1, 20))
    unit_price_paise = Use(lambda: _faker.random_int(1, 5_000_00))

    @classmethod
    def build(cls, **kwargs: object) -> DocumentLine:  # type: ignore[override]
        line = super().build(**kwargs)
        if "amount_paise" in kwargs:
            return line
        return DocumentLine(
            line.description, line.quantity, line.unit_price_paise, line.quantity * line.unit_price_paise
        )


def billable(
    *, booking_id: int | None = None, start: datetime | None = None, lines: tuple[DocumentLine, ...] | None = None
) -> BillableBooking:
    start = start or datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    lines = lines or tuple(DocumentLineFactory.build() for _ in range(3))
    return BillableBooking(
        booking_id=booking_id or next(_serial),
        user_id=1,
        buyer=BuyerFactory.build(),
        venue=VenueSnapshot(id=1, name="Banyan Hall", timezone="Asia/Kolkata"),
        start=start,
        end=start + timedelta(hours=3),
        lines=lines,
        gst=gst_on(sum(line.amount_paise for line in lines), 1800),
        payment_reference="UTR123",
    )


def services_on(
    uow: UnitOfWorkFactory, clock: Clock, *, renderer: DocumentRenderer | None = None, **settings_overrides: object
) -> Services:
    """The use cases wired exactly as bootstrap wires them (hooks, slot guard, issuer),
    on the given unit of work, with in-memory storage and PDFs rendered in a thread."""
    settings = settings_from_env(
        {},
        jwt_secret="test-" + "x" * 40,
        var_dir="var-unused",
        **{**PER_ADDRESS_LIMITS_OFF, **settings_overrides},
    )
    adapters = Adapters(
        uow=uow,
        database=MemoryDatabaseHealth(),
        password_hasher=fast_hasher(),
        channels=recording_channels(RecordingChannel()),
        clock=clock,
        blob_storage=MemoryBlobStorage(),
        document_renderer=renderer or _THREAD_RENDERER,
    )
    return build_services(settings, adapters)


# One renderer for the test session; its threads are idle between renders.
_THREAD_RENDERER = Fpdf2DocumentRenderer("thread")


async def booked_world(uow: UnitOfWorkFactory, *, hourly_rate_paise: int = 1_500_00) -> tuple[int, int, int]:
    """A user, a venue in India at the given rate and an item; returns their ids."""
    async with uow() as tx:
        user = await tx.users.add(NewUserFactory.build(name="Asha Rao"))
        venue = await tx.venues.add(
            new_venue(VenueFieldsFactory.build(name="Banyan Hall", hourly_rate_paise=hourly_rate_paise), NOW)
        )
        item = await tx.items.add(new_item(ItemFieldsFactory.build(name="Projector", price_paise=750_00), NOW))
        await tx.commit()
    return user.id, venue.id, item.id
