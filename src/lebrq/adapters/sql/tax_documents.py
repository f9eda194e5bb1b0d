"""SQL repositories for document counters, tax documents and refunds."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.rows import Part, StructColumns, inserted_id
from lebrq.adapters.sql.tables.tax_documents import document_counters, refunds, tax_documents
from lebrq.domain.model.catalog import CURRENCY
from lebrq.domain.model.document_numbers import DocumentSeries, FinancialYear
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.tax_documents import (
    DocumentKind,
    IssuedDocument,
    NewRefund,
    NewTaxDocument,
    PdfFile,
    RefundRecord,
    TaxDocument,
)

_encode = msgspec.json.Encoder().encode

# The document is the stored JSON snapshot; the PDF, once rendered, is three columns of
# the same row (NULL until then).
_PDF = StructColumns(
    PdfFile, {"key": tax_documents.c.pdf_key, "size": tax_documents.c.pdf_size, "sha256": tax_documents.c.pdf_sha256}
)
_DOCUMENT = StructColumns(
    IssuedDocument,
    {"id": tax_documents.c.id, "user_id": tax_documents.c.user_id, "document": tax_documents.c.document},
    convert={"document": msgspec.json.Decoder(TaxDocument).decode},
    parts={"pdf": Part(_PDF, present="key")},
)
# The currency is not stored: refunds are in the invoices' (CURRENCY).
_REFUND = StructColumns.same_named(RefundRecord, refunds, computed=("currency",))


class SqlDocumentCounterRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def next_number(self, series: DocumentSeries, year: FinancialYear) -> int:
        key = (document_counters.c.series == series.value, document_counters.c.financial_year == year.start_year)
        # Make sure the row exists first, taking its exclusive lock. Selecting a missing
        # row FOR UPDATE would take a gap lock instead, and two such transactions both
        # inserting the year's first counter would deadlock on InnoDB.
        await self._connection.execute(self._create_if_missing(series, year))
        query = sa.select(document_counters.c.next_number).where(*key).with_for_update()
        number = int((await self._connection.execute(query)).scalar_one())
        await self._connection.execute(sa.update(document_counters).where(*key).values(next_number=number + 1))
        return number

    def _create_if_missing(self, series: DocumentSeries, year: FinancialYear) -> sa.Executable:
        values = {"series": series.value, "financial_year": year.start_year, "next_number": 1}
        if self._connection.dialect.name == "mysql":
            insert = mysql.insert(document_counters).values(**values)
            # A no-op update: on a duplicate it only locks the existing row.
            return insert.on_duplicate_key_update(next_number=document_counters.c.next_number)
        # SQLite: this writer already holds the database's write lock (BEGIN IMMEDIATE).
        # Imported here: a worker on MariaDB never loads SQLite's dialect (~0.4 MiB, issue 14).
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(document_counters).values(**values).on_conflict_do_nothing()


class SqlTaxDocumentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, document: NewTaxDocument) -> IssuedDocument:
        doc = document.document
        try:
            async with self._connection.begin_nested():
                result = await self._connection.execute(
                    sa.insert(tax_documents).values(
                        kind=doc.kind.value,
                        booking_id=doc.booking_id,
                        user_id=document.user_id,
                        number=doc.number,
                        financial_year=doc.financial_year,
                        sequence=document.sequence,
                        issued_at=doc.issued_at,
                        total_paise=doc.total_paise,
                        document=_encode(doc).decode(),
                    )
                )
        except IntegrityError:
            raise Conflict(f"booking {doc.booking_id} already has a {doc.kind.value.replace('_', ' ')}") from None
        return IssuedDocument(id=inserted_id(result), user_id=document.user_id, document=doc)

    async def for_booking(self, kind: DocumentKind, booking_id: int) -> IssuedDocument | None:
        query = sa.select(*_DOCUMENT.select).where(
            tax_documents.c.booking_id == booking_id, tax_documents.c.kind == kind.value
        )
        row = (await self._connection.execute(query)).first()
        return None if row is None else _DOCUMENT.read(row)

    async def set_pdf(self, document_id: int, pdf: PdfFile) -> None:
        await self._connection.execute(
            sa.update(tax_documents).where(tax_documents.c.id == document_id).values(**_PDF.values(pdf))
        )


class SqlRefundRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, refund: NewRefund) -> RefundRecord:
        values = msgspec.structs.asdict(refund)
        try:
            async with self._connection.begin_nested():
                result = await self._connection.execute(sa.insert(refunds).values(**values))
        except IntegrityError:
            raise Conflict(f"booking {refund.booking_id} has already been refunded") from None
        return RefundRecord(id=inserted_id(result), **values)

    async def for_booking(self, booking_id: int) -> RefundRecord | None:
        row = (
            await self._connection.execute(sa.select(*_REFUND.select).where(refunds.c.booking_id == booking_id))
        ).first()
        return None if row is None else _REFUND.read(row, currency=CURRENCY)
