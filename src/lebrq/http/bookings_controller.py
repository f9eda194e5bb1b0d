"""A signed-in user's bookings: create, list, read, cancel."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, HeaderParameter, JSONBody

from lebrq.domain.model.bookings import IDEMPOTENCY_KEY_PATTERN, MAX_IDEMPOTENCY_KEY_LENGTH, BookingStatus
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.tax_documents import DocumentKind
from lebrq.http.access_tokens import AccessClaims
from lebrq.http.bookings_schema import BookingOut, CancelIn, CreateBookingIn
from lebrq.http.contract import ResourceId, declare
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import AuthUser
from lebrq.http.services import Services

Caller = Request[AuthUser, AccessClaims, Any]


class BookingController(Controller):
    path = "/api/bookings"
    tags = ["bookings"]
    dependencies = {"page_request": Provide(provide_page_request, sync_to_thread=False)}

    @post(
        "/",
        status_code=201,
        description=(
            "Creates a pending booking that holds the slot for BOOKING_HOLD_MINUTES. "
            "With an `Idempotency-Key` header, repeating the same request returns the first "
            "booking (201, header `Idempotent-Replayed: true`); the same key with a different "
            "body is 409. 404 for an unknown venue; 409 when the slot overlaps another booking, "
            "or when the caller already holds QUOTA_PENDING_BOOKINGS_PER_USER pending bookings "
            '(default 3; `extra`: `{"quota": "pending_bookings_per_user", "limit": 3}`).'
        ),
        operation_id="createBooking",
        opt=declare(errors=(404, 409)),
    )
    async def create(
        self,
        request: Caller,
        services: NamedDependency[Services],
        data: JSONBody[CreateBookingIn],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                min_length=1,
                max_length=MAX_IDEMPOTENCY_KEY_LENGTH,
                pattern=IDEMPOTENCY_KEY_PATTERN,
                description="any client-chosen printable ASCII key; a retry with the same key returns the first answer",
            ),
        ] = None,
    ) -> Response[BookingOut]:
        created = await services.bookings.create(request.user.id, data.request(), idempotency_key)
        headers = {"Idempotent-Replayed": "true"} if created.replayed else {}
        return Response(BookingOut.of(created.booking), status_code=201, headers=headers)

    @get("/", summary="The caller's bookings, newest first", operation_id="listBookings")
    async def list_mine(
        self,
        request: Caller,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
        status: FromQuery[BookingStatus | None] = None,
    ) -> Paginated[BookingOut]:
        page = await services.bookings.list_for_user(request.user.id, page_request, status)
        return paginated(page, BookingOut.of)

    @get(
        "/{booking_id:int}",
        description="Own booking; an admin may read any. Others' bookings are 404.",
        operation_id="getBooking",
    )
    async def get_one(self, request: Caller, services: NamedDependency[Services], booking_id: ResourceId) -> BookingOut:
        booking = await services.bookings.get(
            booking_id, caller_id=request.user.id, caller_is_admin=request.user.is_admin
        )
        return BookingOut.of(booking)

    @post(
        "/{booking_id:int}/cancel",
        status_code=200,
        description="409 if the booking is already cancelled or expired.",
        operation_id="cancelBooking",
        opt=declare(errors=(409,)),
    )
    async def cancel(
        self,
        request: Caller,
        services: NamedDependency[Services],
        booking_id: ResourceId,
        data: JSONBody[CancelIn | None] = None,
    ) -> BookingOut:
        booking = await services.bookings.cancel(
            booking_id,
            caller_id=request.user.id,
            caller_is_admin=request.user.is_admin,
            reason=None if data is None else data.reason,
        )
        if booking.refund is not None and booking.refund.credit_note_number is not None:
            services.tax_documents.prepare_soon(booking.id, DocumentKind.CREDIT_NOTE)
        return BookingOut.of(booking)
