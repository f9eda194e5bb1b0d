"""The PDF of an issued invoice or credit note: rendered once, on first download, kept in
blob storage, and streamed from there on every later download.

An issued document never changes, and renders to the same bytes every time, so the
stored file never goes stale; if it goes missing (storage wiped) it is rendered again.
Within one worker concurrent first downloads of a document wait for a single render;
across workers a second render writes the same bytes under the same key.

`prepare_soon` renders right after the document is issued (in the background, so the
confirmation answers at once and the first download is a plain file read); if that
render fails it is only logged: the download path renders on demand as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import msgspec

from lebrq.domain.model.access import owner_or_admin
from lebrq.domain.model.errors import NotFound
from lebrq.domain.model.tax_documents import DocumentKind, IssuedDocument, PdfFile
from lebrq.ports.blob_storage import BlobStorage
from lebrq.ports.documents import DocumentRenderer
from lebrq.ports.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger("lebrq.documents")

_NAMES = {DocumentKind.TAX_INVOICE: "invoice", DocumentKind.CREDIT_NOTE: "credit note"}


class DocumentFile(msgspec.Struct, frozen=True, gc=False):
    key: str
    size: int
    sha256: str
    filename: str
    modified_at: datetime


def pdf_key(issued: IssuedDocument) -> str:
    """`documents/tax_invoice/2026-27/LEBRQ_2026-27_000042.pdf`"""
    doc = issued.document
    return f"documents/{doc.kind.value}/{doc.financial_year}/{doc.number.replace('/', '_')}.pdf"


class TaxDocumentFiles:
    def __init__(self, uow: UnitOfWorkFactory, renderer: DocumentRenderer, storage: BlobStorage) -> None:
        self._uow = uow
        self._renderer = renderer
        self._storage = storage
        self._renders: dict[int, asyncio.Lock] = {}
        self._background: set[asyncio.Task[None]] = set()

    def prepare_soon(self, booking_id: int, kind: DocumentKind) -> None:
        """Render and store the booking's document in the background, if it has one and
        it is not stored yet. Failures are logged; nothing is raised to the caller."""
        task = asyncio.get_running_loop().create_task(
            self._prepare(booking_id, kind), name=f"prepare-{kind.value}-{booking_id}"
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for background renders still running (at shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _prepare(self, booking_id: int, kind: DocumentKind) -> None:
        try:
            issued = await self._find(booking_id, kind)
            if issued is not None:
                await self._stored_or_rendered(issued, booking_id, kind)
        except Exception:
            logger.exception("background render of booking %d's %s failed", booking_id, _NAMES[kind])

    async def pdf_for_booking(
        self, booking_id: int, kind: DocumentKind, *, caller_id: int, caller_is_admin: bool = False
    ) -> DocumentFile:
        """The stored PDF of the booking's invoice or credit note, rendering it first if
        needed. NotFound when the booking has none or is not the caller's (same answer,
        so other users' bookings are not revealed)."""
        issued = await self._find(booking_id, kind)
        if issued is None or not owner_or_admin(issued.user_id, caller_id, caller_is_admin):
            raise NotFound(f"booking {booking_id} has no {_NAMES[kind]}", field="booking_id")
        return await self._stored_or_rendered(issued, booking_id, kind)

    async def _stored_or_rendered(self, issued: IssuedDocument, booking_id: int, kind: DocumentKind) -> DocumentFile:
        stored = await self._stored(issued)
        if stored is not None:
            return stored
        lock = self._renders.setdefault(issued.id, asyncio.Lock())
        try:
            async with lock:
                # Another request may have rendered it while this one waited.
                issued = await self._find(booking_id, kind) or issued
                return await self._stored(issued) or await self._render(issued)
        finally:
            if not lock.locked() and self._renders.get(issued.id) is lock:
                del self._renders[issued.id]

    async def _find(self, booking_id: int, kind: DocumentKind) -> IssuedDocument | None:
        async with self._uow(read_only=True) as uow:
            return await uow.tax_documents.for_booking(kind, booking_id)

    async def _stored(self, issued: IssuedDocument) -> DocumentFile | None:
        if issued.pdf is None:
            return None
        info = await self._storage.stat(issued.pdf.key)
        if info is None or info.size != issued.pdf.size:
            return None
        return _file(issued, issued.pdf, info.modified_at)

    async def _render(self, issued: IssuedDocument) -> DocumentFile:
        content = await self._renderer.render(issued.document)
        blob = await self._storage.write(pdf_key(issued), _one_chunk(content))
        pdf = PdfFile(key=blob.key, size=blob.size, sha256=blob.sha256)
        async with self._uow() as uow:
            await uow.tax_documents.set_pdf(issued.id, pdf)
            await uow.commit()
        info = await self._storage.stat(blob.key)
        return _file(issued, pdf, info.modified_at if info is not None else issued.document.issued_at)


def _file(issued: IssuedDocument, pdf: PdfFile, modified_at: datetime) -> DocumentFile:
    return DocumentFile(
        key=pdf.key,
        size=pdf.size,
        sha256=pdf.sha256,
        filename=f"{issued.number.replace('/', '-')}.pdf",
        modified_at=modified_at,
    )


async def _one_chunk(content: bytes) -> AsyncIterator[bytes]:
    yield content
