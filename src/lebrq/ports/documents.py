"""Turning an issued tax document into a printable file."""

from __future__ import annotations

from typing import Protocol

from lebrq.domain.model.tax_documents import TaxDocument

PDF_CONTENT_TYPE = "application/pdf"


class DocumentRenderer(Protocol):
    async def render(self, document: TaxDocument) -> bytes:
        """The document as a PDF. CPU-heavy: implementations run it off the event loop.
        The same document always renders to the same bytes (no clock, no randomness),
        so a file rendered twice by racing requests is the same file."""
        ...
