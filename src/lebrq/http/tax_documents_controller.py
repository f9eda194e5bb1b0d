"""PDF downloads of invoices and credit notes, streamed from blob storage with ETag,
Last-Modified and Range support (rendered on the first download)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from lebrq.domain.model.tax_documents import DocumentKind
from lebrq.http.access_tokens import AccessClaims
from lebrq.http.contract import ResourceId, declare
from lebrq.http.downloads import BlobDownload, blob_response, strong_etag
from lebrq.http.security import AuthUser, admin_only
from lebrq.http.services import Services
from lebrq.ports.documents import PDF_CONTENT_TYPE

Caller = Request[AuthUser, AccessClaims, Any]


async def _serve(request: Caller, services: Services, booking_id: int, kind: DocumentKind) -> Response[Any]:
    document = await services.tax_documents.pdf_for_booking(
        booking_id, kind, caller_id=request.user.id, caller_is_admin=request.user.is_admin
    )
    download = BlobDownload(
        key=document.key,
        content_type=PDF_CONTENT_TYPE,
        etag=strong_etag(document.sha256),
        last_modified=document.modified_at,
        filename=document.filename,
    )
    return await blob_response(request, services.blob_storage, download)


class TaxDocumentController(Controller):
    path = "/api/bookings/{booking_id:int}"
    tags = ["bookings", "invoices"]

    @get(
        "/invoice",
        opt=declare(download=True),
        media_type=PDF_CONTENT_TYPE,
        description="The tax invoice (PDF); 404 until the booking is confirmed.",
        operation_id="downloadInvoice",
    )
    async def invoice(
        self, request: Caller, services: NamedDependency[Services], booking_id: ResourceId
    ) -> Response[Any]:
        return await _serve(request, services, booking_id, DocumentKind.TAX_INVOICE)

    @get(
        "/refund-invoice",
        opt=declare(download=True),
        media_type=PDF_CONTENT_TYPE,
        description="The credit note of the refund (PDF); 404 if there is none.",
        operation_id="downloadCreditNote",
    )
    async def credit_note(
        self, request: Caller, services: NamedDependency[Services], booking_id: ResourceId
    ) -> Response[Any]:
        return await _serve(request, services, booking_id, DocumentKind.CREDIT_NOTE)


class AdminTaxDocumentController(Controller):
    path = "/api/admin/bookings/{booking_id:int}"
    tags = ["admin", "invoices"]
    guards = [admin_only]

    @get(
        "/invoice",
        opt=declare(download=True),
        media_type=PDF_CONTENT_TYPE,
        description="Any booking's tax invoice (PDF).",
        operation_id="downloadAnyInvoice",
    )
    async def invoice(
        self, request: Caller, services: NamedDependency[Services], booking_id: ResourceId
    ) -> Response[Any]:
        return await _serve(request, services, booking_id, DocumentKind.TAX_INVOICE)


TAX_DOCUMENT_CONTROLLERS = [TaxDocumentController, AdminTaxDocumentController]
