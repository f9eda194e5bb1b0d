"""Admin views of every booking: lists with filters, confirm, and the CSV export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, QueryParameter

from lebrq.domain.model.bookings import BookingExportRow, BookingFilter, BookingItemFilter, BookingStatus
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.tax_documents import DocumentKind
from lebrq.http.bookings_schema import AdminBookingLineOut, BookingOut, ConfirmIn
from lebrq.http.contract import DATE_TIME, IdFilter, ResourceId, declare, parse_time
from lebrq.http.csv_export import ClosingStream, csv_chunks
from lebrq.http.pagination import CursorQuery, Paginated, decode_cursor, paginated, provide_page_request
from lebrq.http.security import AuthUser, admin_only
from lebrq.http.services import Services

_SlotFrom = Annotated[
    str | None,
    QueryParameter(name="from", description="slot start at or after (ISO 8601 with offset)", schema_extra=DATE_TIME),
]
_SlotTo = Annotated[
    str | None,
    QueryParameter(
        name="to", description="slot start before, after `from` (ISO 8601 with offset)", schema_extra=DATE_TIME
    ),
]

EXPORT_HEADER = [field for field in BookingExportRow.__struct_fields__]


def _export_cells(row: BookingExportRow) -> list[object]:
    cells: list[object] = []
    for value in msgspec.structs.astuple(row):
        if isinstance(value, datetime):
            value = value.isoformat().replace("+00:00", "Z")
        elif isinstance(value, BookingStatus):
            value = value.value
        cells.append(value)
    return cells


class AdminBookingController(Controller):
    path = "/api/admin"
    tags = ["admin", "bookings"]
    guards = [admin_only]
    dependencies = {"page_request": Provide(provide_page_request, sync_to_thread=False)}

    @get(
        "/bookings",
        summary="Every booking, newest first",
        description="`from`/`to` bound the slot start.",
        operation_id="listAllBookings",
    )
    async def list_bookings(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
        status: FromQuery[BookingStatus | None] = None,
        venue_id: IdFilter = None,
        user_id: IdFilter = None,
        starts_from: _SlotFrom = None,
        starts_before: _SlotTo = None,
    ) -> Paginated[BookingOut]:
        filters = BookingFilter(
            user_id=user_id,
            status=status,
            venue_id=venue_id,
            starts_from=parse_time(starts_from, "from"),
            starts_before=parse_time(starts_before, "to"),
        )
        return paginated(await services.bookings.list(filters, page_request), BookingOut.of)

    @get("/booking-items", summary="Booking item lines, newest (highest id) first", operation_id="listBookingItems")
    async def list_booking_items(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
        booking_id: IdFilter = None,
        item_id: IdFilter = None,
    ) -> Paginated[AdminBookingLineOut]:
        page = await services.bookings.list_items(
            BookingItemFilter(booking_id=booking_id, item_id=item_id), page_request
        )
        return paginated(page, AdminBookingLineOut.of)

    @post(
        "/bookings/{booking_id:int}/confirm",
        status_code=200,
        description="409 unless the booking is pending.",
        operation_id="confirmBooking",
        opt=declare(errors=(409,)),
    )
    async def confirm(
        self,
        request: Request[AuthUser, Any, Any],
        services: NamedDependency[Services],
        booking_id: ResourceId,
        data: JSONBody[ConfirmIn],
    ) -> BookingOut:
        booking = await services.bookings.confirm(booking_id, data.payment_reference, actor_id=request.user.id)
        # Rendered now, in the background, so the customer's first download is a file read.
        services.tax_documents.prepare_soon(booking.id, DocumentKind.TAX_INVOICE)
        return BookingOut.of(booking)

    @get(
        "/bookings/export.csv",
        media_type="text/csv",
        description="Every matching booking as CSV, newest first, streamed row by row from a "
        "server-side cursor. `from`/`to` bound the slot start; `cursor` (a `next_cursor` of "
        "GET /api/admin/bookings with the same filters) starts after that list page's rows.",
        operation_id="exportBookingsCsv",
    )
    async def export_csv(
        self,
        services: NamedDependency[Services],
        status: FromQuery[BookingStatus | None] = None,
        starts_from: _SlotFrom = None,
        starts_before: _SlotTo = None,
        cursor: CursorQuery = None,
    ) -> ClosingStream:
        filters = BookingFilter(
            status=status, starts_from=parse_time(starts_from, "from"), starts_before=parse_time(starts_before, "to")
        )
        # Filters and cursor are checked here, before the 200 and the first byte go out.
        rows = services.bookings.export(filters, decode_cursor(cursor))
        return ClosingStream(
            csv_chunks(EXPORT_HEADER, rows, _export_cells),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="bookings.csv"'},
        )
