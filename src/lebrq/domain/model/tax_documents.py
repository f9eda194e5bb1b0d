"""GST tax invoices and credit notes: immutable snapshots issued inside the booking's
own transaction.

An invoice is issued once, when a booking is confirmed, and holds copies of everything
it shows (seller, buyer, venue, slot, lines, tax split, totals, amount in words), so a
later change to a venue, a price or a user's name never changes an issued document.
Cancelling a confirmed booking records a refund by the cancellation policy and, when
anything is refunded, issues a credit note from its own gapless series that refers to
the invoice.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

import msgspec

from lebrq.domain.model.amount_in_words import amount_in_words, format_inr
from lebrq.domain.model.bookings import Booking
from lebrq.domain.model.cancellation import percent_of
from lebrq.domain.model.catalog import CURRENCY, Venue
from lebrq.domain.model.document_numbers import DocumentSeries, FinancialYear, document_date
from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.pricing import GstSplit
from lebrq.domain.model.users import User

# SAC 997212: rental or leasing services involving own or leased non-residential property.
DEFAULT_SAC_CODE = "997212"


class DocumentKind(str, enum.Enum):
    TAX_INVOICE = "tax_invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def series(self) -> DocumentSeries:
        return DocumentSeries.INVOICE if self is DocumentKind.TAX_INVOICE else DocumentSeries.CREDIT_NOTE


class Seller(msgspec.Struct, frozen=True, gc=False):
    """The business issuing documents (from settings). Supplies are intra-state, so GST
    is charged as CGST + SGST of the seller's state."""

    name: str
    gstin: str
    address: str
    state: str
    state_code: str
    sac_code: str = DEFAULT_SAC_CODE


class Buyer(msgspec.Struct, frozen=True, gc=False):
    name: str
    email: str | None


class VenueSnapshot(msgspec.Struct, frozen=True, gc=False):
    id: int
    name: str
    timezone: str


class DocumentLine(msgspec.Struct, frozen=True, gc=False):
    description: str
    quantity: int
    unit_price_paise: int
    amount_paise: int


class TaxDocument(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Everything a tax invoice or credit note shows, exactly as issued."""

    kind: DocumentKind
    number: str
    financial_year: str
    issued_at: datetime
    # The Indian calendar day of `issued_at`; it picked the financial year.
    issue_date: date
    booking_id: int
    seller: Seller
    buyer: Buyer
    venue: VenueSnapshot
    slot_start: datetime
    slot_end: datetime
    lines: tuple[DocumentLine, ...]
    taxable_paise: int
    gst_rate_basis_points: int
    cgst_paise: int
    sgst_paise: int
    total_paise: int
    amount_in_words: str
    currency: str = CURRENCY
    payment_reference: str | None = None
    # Credit notes only: the invoice they reverse, the share refunded and why.
    original_invoice_number: str | None = None
    original_invoice_date: date | None = None
    refund_percent: int | None = None
    reason: str | None = None

    @property
    def tax_paise(self) -> int:
        return self.cgst_paise + self.sgst_paise


class PdfFile(msgspec.Struct, frozen=True, gc=False):
    """Where the rendered PDF of a document is kept, once rendered."""

    key: str
    size: int
    sha256: str


class NewTaxDocument(msgspec.Struct, frozen=True, gc=False):
    user_id: int
    sequence: int
    document: TaxDocument


class IssuedDocument(msgspec.Struct, frozen=True, gc=False):
    id: int
    user_id: int
    document: TaxDocument
    pdf: PdfFile | None = None

    @property
    def kind(self) -> DocumentKind:
        return self.document.kind

    @property
    def number(self) -> str:
        return self.document.number


class NewRefund(msgspec.Struct, frozen=True, gc=False):
    booking_id: int
    invoice_number: str
    percent: int
    amount_paise: int
    credit_note_number: str | None
    reason: str | None
    created_at: datetime


class RefundRecord(msgspec.Struct, frozen=True, gc=False):
    id: int
    booking_id: int
    invoice_number: str
    percent: int
    amount_paise: int
    credit_note_number: str | None
    reason: str | None
    created_at: datetime
    currency: str = CURRENCY


class BillableBooking(msgspec.Struct, frozen=True, gc=False):
    """What an invoice needs from a booking being confirmed."""

    booking_id: int
    user_id: int
    buyer: Buyer
    venue: VenueSnapshot
    start: datetime
    end: datetime
    lines: tuple[DocumentLine, ...]
    gst: GstSplit
    payment_reference: str | None = None

    @property
    def taxable_paise(self) -> int:
        return sum(line.amount_paise for line in self.lines)


def invoice_document(
    seller: Seller, booking: BillableBooking, number: str, year: FinancialYear, at: datetime
) -> TaxDocument:
    """The tax invoice for a booking being confirmed, numbered `number` in `year`."""
    if not booking.lines:
        raise InvalidInput("an invoice needs at least one line")
    taxable = booking.taxable_paise
    return TaxDocument(
        kind=DocumentKind.TAX_INVOICE,
        number=number,
        financial_year=year.label,
        issued_at=at,
        issue_date=document_date(at),
        booking_id=booking.booking_id,
        seller=seller,
        buyer=booking.buyer,
        venue=booking.venue,
        slot_start=booking.start,
        slot_end=booking.end,
        lines=booking.lines,
        taxable_paise=taxable,
        gst_rate_basis_points=booking.gst.rate_basis_points,
        cgst_paise=booking.gst.cgst_paise,
        sgst_paise=booking.gst.sgst_paise,
        total_paise=taxable + booking.gst.total_paise,
        amount_in_words=amount_in_words(taxable + booking.gst.total_paise),
        payment_reference=booking.payment_reference,
    )


def credit_note_document(
    original: TaxDocument, percent: int, number: str, year: FinancialYear, at: datetime, reason: str | None
) -> TaxDocument:
    """The credit note refunding `percent` of the invoice `original`: every amount is that
    share of the invoice's, and it refers to the invoice by number and date."""
    taxable, cgst, sgst = (
        percent_of(v, percent) for v in (original.taxable_paise, original.cgst_paise, original.sgst_paise)
    )
    lines = (
        DocumentLine(
            description=f"Refund of {percent}% of invoice {original.number} (cancellation policy)",
            quantity=1,
            unit_price_paise=taxable,
            amount_paise=taxable,
        ),
    )
    return msgspec.structs.replace(
        original,
        kind=DocumentKind.CREDIT_NOTE,
        number=number,
        financial_year=year.label,
        issued_at=at,
        issue_date=document_date(at),
        lines=lines,
        taxable_paise=taxable,
        cgst_paise=cgst,
        sgst_paise=sgst,
        total_paise=taxable + cgst + sgst,
        amount_in_words=amount_in_words(taxable + cgst + sgst),
        original_invoice_number=original.number,
        original_invoice_date=original.issue_date,
        refund_percent=percent,
        reason=reason,
    )


def billable_booking(booking: Booking, user: User, venue: Venue) -> BillableBooking:
    """The invoice's view of a booking: the amounts are the booking's own snapshot (rate
    and item prices as booked), names are copied as they are at confirmation."""
    zone = ZoneInfo(venue.timezone)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    hours = booking.slot.minutes / 60
    venue_line = DocumentLine(
        description=(
            f"Venue hire: {venue.name}, {start:%d %b %Y %H:%M}-{end:%H:%M} {zone.key} "
            f"({hours:g} h at Rs. {format_inr(booking.hourly_rate_paise)}/h)"
        ),
        quantity=1,
        unit_price_paise=booking.venue_amount_paise,
        amount_paise=booking.venue_amount_paise,
    )
    item_lines = tuple(
        DocumentLine(
            description=item.name,
            quantity=item.quantity,
            unit_price_paise=item.unit_price_paise,
            amount_paise=item.amount_paise,
        )
        for item in booking.items
    )
    half = booking.tax_paise // 2
    return BillableBooking(
        booking_id=booking.id,
        user_id=booking.user_id,
        buyer=Buyer(name=user.name, email=user.email),
        venue=VenueSnapshot(id=venue.id, name=venue.name, timezone=venue.timezone),
        start=booking.start,
        end=booking.end,
        lines=(venue_line, *item_lines),
        gst=GstSplit(
            rate_basis_points=booking.tax_rate_basis_points, cgst_paise=booking.tax_paise - half, sgst_paise=half
        ),
        payment_reference=booking.payment_reference,
    )
