"""Test data for invoices, credit notes and programs (polyfactory) and a ready issuer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.domain.cancellation import DEFAULT_CANCELLATION_POLICY, CancellationPolicy
from lebrq.domain.document_numbers import NumberFormat
from lebrq.domain.pricing import gst_on
from lebrq.domain.tax_documents import BillableBooking, Buyer, DocumentLine, Seller, TaxDocumentIssuer, VenueSnapshot

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
        return DocumentLine(line.description, line.quantity, line.unit_price_paise, line.quantity * line.unit_price_paise)


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
