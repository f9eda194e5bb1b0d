"""Invoices and credit notes on in-memory adapters: numbering per financial year,
refund tiers at their exact edges, credit-note amounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.domain.model.amount_in_words import amount_in_words
from lebrq.domain.model.cancellation import CancellationPolicy, percent_of
from lebrq.domain.model.document_numbers import FinancialYear, NumberFormat
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.tax_documents import DocumentKind
from lebrq.domain.services.tax_document_issuer import TaxDocumentIssuer
from tests.support.invoicing import DocumentLineFactory, billable, make_issuer

pytestmark = pytest.mark.anyio

# 23:59:59.999999 on 31 March 2027 in India, and the next instant (00:00 on 1 April).
LAST_MOMENT_OF_FY_2026 = datetime(2027, 3, 31, 18, 29, 59, 999999, tzinfo=UTC)
FIRST_MOMENT_OF_FY_2027 = datetime(2027, 3, 31, 18, 30, tzinfo=UTC)


async def issue(uow_factory: MemoryUnitOfWorkFactory, issuer: TaxDocumentIssuer, at: datetime, **kwargs: object):
    async with uow_factory() as uow:
        issued = await issuer.issue_invoice(uow, billable(**kwargs), at)
        await uow.commit()
    return issued


def test_financial_year_runs_april_to_march() -> None:
    assert FinancialYear.of(datetime(2027, 3, 31).date()).label == "2026-27"
    assert FinancialYear.of(datetime(2027, 4, 1).date()).label == "2027-28"
    assert FinancialYear.of(datetime(2099, 12, 31).date()).label == "2099-00"
    assert NumberFormat("LEBRQ").format(FinancialYear(2026), 42) == "LEBRQ/2026-27/000042"
    assert NumberFormat("LEBRQ-CN").format(FinancialYear(2026), 7) == "LEBRQ-CN/2026-27/000007"


async def test_numbers_are_consecutive_and_restart_with_the_indian_financial_year() -> None:
    uow, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    first = await issue(uow, issuer, LAST_MOMENT_OF_FY_2026 - timedelta(days=1))
    second = await issue(uow, issuer, LAST_MOMENT_OF_FY_2026)
    third = await issue(uow, issuer, FIRST_MOMENT_OF_FY_2027)
    fourth = await issue(uow, issuer, FIRST_MOMENT_OF_FY_2027 + timedelta(days=200))

    assert [d.number for d in (first, second, third, fourth)] == [
        "LEBRQ/2026-27/000001",
        "LEBRQ/2026-27/000002",
        "LEBRQ/2027-28/000001",
        "LEBRQ/2027-28/000002",
    ]
    # Dated by the day in India: 18:30 UTC on 31 March is already 1 April there.
    assert second.document.issue_date.isoformat() == "2027-03-31"
    assert third.document.issue_date.isoformat() == "2027-04-01"


async def test_a_rolled_back_issue_gives_its_number_back() -> None:
    uow_factory, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    async with uow_factory() as uow:
        abandoned = await issuer.issue_invoice(uow, billable(), FIRST_MOMENT_OF_FY_2027)
        # no commit: the booking's confirmation failed after the invoice was issued
    kept = await issue(uow_factory, issuer, FIRST_MOMENT_OF_FY_2027)
    assert abandoned.number == kept.number == "LEBRQ/2027-28/000001"


async def test_invoice_snapshot_holds_lines_tax_split_and_words() -> None:
    lines = (
        DocumentLineFactory.build(quantity=1, unit_price_paise=4_500_00),
        DocumentLineFactory.build(quantity=3, unit_price_paise=333_33),
    )
    issued = await issue(MemoryUnitOfWorkFactory(), make_issuer(), FIRST_MOMENT_OF_FY_2027, lines=lines)
    doc = issued.document
    assert doc.taxable_paise == 4_500_00 + 999_99
    # 9% each of 5,499.99 = 494.9991 -> 494.999 rounds to 495.00 per half.
    assert (doc.cgst_paise, doc.sgst_paise) == (495_00, 495_00)
    assert doc.total_paise == 5_499_99 + 990_00
    assert doc.amount_in_words == "Rupees Six Thousand Four Hundred Eighty-Nine and Ninety-Nine Paise Only"
    assert doc.lines == lines
    assert doc.seller.gstin == "29ABCDE1234F1Z5"


async def test_a_booking_gets_one_invoice_only() -> None:
    uow_factory, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    await issue(uow_factory, issuer, FIRST_MOMENT_OF_FY_2027, booking_id=77)
    with pytest.raises(Conflict):
        await issue(uow_factory, issuer, FIRST_MOMENT_OF_FY_2027, booking_id=77)


START = datetime(2027, 6, 10, 4, 30, tzinfo=UTC)
EDGES = [
    (START - timedelta(days=30), 100),
    (START - timedelta(days=7), 100),
    (START - timedelta(days=7) + timedelta(microseconds=1), 50),
    (START - timedelta(hours=48), 50),
    (START - timedelta(hours=48) + timedelta(microseconds=1), 0),
    (START - timedelta(minutes=1), 0),
    (START + timedelta(hours=1), 0),
]


@pytest.mark.parametrize(("cancelled_at", "percent"), EDGES)
def test_default_policy_tiers_at_their_exact_edges(cancelled_at: datetime, percent: int) -> None:
    policy = CancellationPolicy.parse("7d:100,48h:50")
    assert policy.refund_percent(starts_at=START, cancelled_at=cancelled_at) == percent


def test_policy_is_configurable_and_refuses_nonsense() -> None:
    policy = CancellationPolicy.parse("24h:25, 3d:75, 90m:10")
    assert [t.percent for t in policy.tiers] == [75, 25, 10]
    assert policy.refund_percent(starts_at=START, cancelled_at=START - timedelta(minutes=90)) == 10
    assert CancellationPolicy.parse("").refund_percent(starts_at=START, cancelled_at=START - timedelta(days=99)) == 0
    for bad in ("7 days:100", "7d:150", "7d:100,7d:50", "48h"):
        with pytest.raises(ValueError, match=r"cancellation tier|refund percentage"):
            CancellationPolicy.parse(bad)


async def refund_at(cancelled_at: datetime, *, lines: tuple | None = None):
    uow_factory, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    invoice = await issue(uow_factory, issuer, START - timedelta(days=60), booking_id=5, start=START, lines=lines)
    async with uow_factory() as uow:
        record = await issuer.refund_cancellation(uow, 5, cancelled_at=cancelled_at)
        note = await uow.tax_documents.for_booking(DocumentKind.CREDIT_NOTE, 5)
        await uow.commit()
    return invoice, record, note


async def test_full_refund_credits_the_whole_invoice_in_its_own_series() -> None:
    invoice, record, note = await refund_at(START - timedelta(days=7))
    assert note is not None
    doc, original = note.document, invoice.document
    assert record.percent == 100
    assert note.number == "LEBRQ-CN/2027-28/000001"
    assert record.credit_note_number == note.number
    assert (doc.taxable_paise, doc.cgst_paise, doc.sgst_paise, doc.total_paise) == (
        original.taxable_paise,
        original.cgst_paise,
        original.sgst_paise,
        original.total_paise,
    )
    assert record.amount_paise == original.total_paise
    assert doc.original_invoice_number == original.number
    assert doc.original_invoice_date == original.issue_date
    assert doc.buyer == original.buyer


async def test_half_refund_rounds_each_component_half_up() -> None:
    lines = (DocumentLineFactory.build(quantity=1, unit_price_paise=1_001),)  # taxable 10.01
    invoice, record, note = await refund_at(START - timedelta(hours=48), lines=lines)
    original = invoice.document
    assert (original.cgst_paise, original.sgst_paise) == (90, 90)  # 9% of 10.01 = 0.9009
    assert note is not None
    doc = note.document
    assert doc.taxable_paise == 501  # 500.5 paise rounds up
    assert (doc.cgst_paise, doc.sgst_paise) == (45, 45)
    assert doc.total_paise == record.amount_paise == 591
    assert doc.amount_in_words == amount_in_words(591) == "Rupees Five and Ninety-One Paise Only"
    assert doc.refund_percent == 50
    assert percent_of(original.total_paise, 50) == 591  # here the parts add up to half the whole


async def test_late_cancellation_records_a_zero_refund_and_no_credit_note() -> None:
    _invoice, record, note = await refund_at(START - timedelta(hours=1))
    assert (record.percent, record.amount_paise, record.credit_note_number) == (0, 0, None)
    assert note is None


async def test_a_booking_is_refunded_once() -> None:
    uow_factory, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    await issue(uow_factory, issuer, START - timedelta(days=60), booking_id=9, start=START)
    async with uow_factory() as uow:
        await issuer.refund_cancellation(uow, 9, cancelled_at=START - timedelta(days=10))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await issuer.refund_cancellation(uow, 9, cancelled_at=START - timedelta(days=10))


@pytest.mark.parametrize(
    ("paise", "words"),
    [
        (0, "Rupees Zero Only"),
        (1, "One Paise Only"),
        (100, "Rupees One Only"),
        (1_00_000_00, "Rupees One Lakh Only"),
        (12_34_567_89, "Rupees Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven and Eighty-Nine Paise Only"),
        (1_00_00_000_00, "Rupees One Crore Only"),
        (5_02_01_00_000_00, "Rupees Five Hundred Two Crore One Lakh Only"),
        (21_50, "Rupees Twenty-One and Fifty Paise Only"),
    ],
)
def test_amount_in_words_uses_lakh_and_crore(paise: int, words: str) -> None:
    assert amount_in_words(paise) == words
