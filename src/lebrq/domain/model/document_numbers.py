"""Gapless numbering of tax documents per Indian financial year (April to March).

A number is taken from a counter row (series, financial year) locked in the same
transaction that stores the document, so a rolled-back transaction gives its number
back and no number is ever skipped or used twice.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

import msgspec

# Invoices are dated, and so assigned a financial year, by the Indian calendar day.
INVOICE_TIMEZONE = ZoneInfo("Asia/Kolkata")
NUMBER_DIGITS = 6


class DocumentSeries(str, enum.Enum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class FinancialYear(msgspec.Struct, frozen=True, gc=False, order=True):
    """The Indian financial year starting on 1 April of `start_year`."""

    start_year: int

    @classmethod
    def of(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        """'2026-27' for April 2026 to March 2027."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


def document_date(moment: datetime, tz: tzinfo = INVOICE_TIMEZONE) -> date:
    """The calendar day of `moment` in India, which dates the document."""
    if moment.tzinfo is None:
        raise ValueError("document_date needs a timezone-aware moment")
    return moment.astimezone(tz).date()


class NumberFormat(msgspec.Struct, frozen=True, gc=False):
    """`LEBRQ/2026-27/000042`: prefix, financial year, zero-padded sequence."""

    prefix: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,11}", self.prefix):
            raise ValueError("a document prefix is 1-12 capital letters, digits or '-'")

    def format(self, year: FinancialYear, sequence: int) -> str:
        if not 1 <= sequence < 10**NUMBER_DIGITS:
            raise ValueError(f"sequence {sequence} does not fit {NUMBER_DIGITS} digits")
        return f"{self.prefix}/{year.label}/{sequence:0{NUMBER_DIGITS}d}"
