"""The A4 layout of a GST tax invoice and a credit note, drawn with fpdf2.

Runs inside the rendering pool (see `renderer`): `render_pdf` takes and returns bytes so
that it can cross a process boundary cheaply. Only plain cell()/multi_cell() calls are
used: fpdf2's table() is much slower per row (docs/benchmarks.md, "Invoice PDFs"). The
shipped DejaVu Sans font prints the rupee sign and non-Latin-1 names that fpdf2's core
fonts cannot.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lebrq.domain.model.amount_in_words import format_inr
from lebrq.domain.model.tax_documents import DocumentKind, TaxDocument

FONTS = Path(__file__).with_name("fonts")
FONT = "DejaVu"
RUPEE = "\u20b9"
PAGE_WIDTH = 180  # A4 210 mm less 15 mm margins each side
# Line table columns (mm): #, description, SAC, qty, rate, amount.
COLUMNS = (8, 88, 18, 12, 27, 27)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
SHADE = (241, 243, 245)

_decode = msgspec.json.Decoder(TaxDocument)


def render_pdf(encoded_document: bytes) -> bytes:
    """The PDF of a JSON-encoded `TaxDocument`."""
    return bytes(_draw(_decode.decode(encoded_document)).output())


class _PagedDocument(FPDF):
    """Every page carries the document number and "page n of N" in its footer."""

    def __init__(self, doc: TaxDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._doc = doc

    def footer(self) -> None:
        kind = "invoice" if self._doc.kind is DocumentKind.TAX_INVOICE else "credit note"
        self.set_y(-15)
        _rule(self)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(PAGE_WIDTH / 2, 5, f"This is a computer-generated {kind} and needs no signature.")
        self.cell(PAGE_WIDTH / 2, 5, f"{self._doc.number}  ·  page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)


def _draw(doc: TaxDocument) -> FPDF:
    is_invoice = doc.kind is DocumentKind.TAX_INVOICE
    title = "TAX INVOICE" if is_invoice else "CREDIT NOTE"
    pdf = _PagedDocument(doc)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    # Fixed metadata: the same document always gives the same bytes.
    pdf.set_creation_date(doc.issued_at)
    pdf.set_title(f"{title} {doc.number}")
    pdf.set_author(doc.seller.name)
    pdf.set_creator("LeBRQ")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_text_color(*INK)

    _header(pdf, doc, title)
    _document_details(pdf, doc, is_invoice)
    _parties(pdf, doc)
    _line_table(pdf, doc)
    _totals(pdf, doc, is_invoice)
    _closing(pdf, doc, is_invoice)
    return pdf


def _header(pdf: FPDF, doc: TaxDocument, title: str) -> None:
    seller = doc.seller
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(110, 7, seller.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    if seller.address:
        pdf.multi_cell(110, 4.5, seller.address, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.cell(110, 4.5, f"State: {seller.state} (code {seller.state_code})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(
        110,
        5,
        f"GSTIN: {seller.gstin}" if seller.gstin else "GSTIN: not registered",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    bottom = pdf.get_y()
    pdf.set_xy(125, top)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(70, 9, title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(125)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(70, 4, "Original for recipient", align="R")
    pdf.set_text_color(*INK)
    pdf.set_y(max(bottom, pdf.get_y()) + 4)
    _rule(pdf)


def _document_details(pdf: FPDF, doc: TaxDocument, is_invoice: bool) -> None:
    zone = ZoneInfo(doc.venue.timezone)
    rows = [
        ("Invoice no." if is_invoice else "Credit note no.", doc.number),
        ("Invoice date" if is_invoice else "Credit note date", _date(doc.issue_date)),
        ("Issued at", f"{doc.issued_at.astimezone(zone):%d %b %Y %H:%M} ({zone.key})"),
        ("Place of supply", f"{doc.seller.state} ({doc.seller.state_code})"),
        ("Booking", f"#{doc.booking_id}"),
    ]
    if is_invoice and doc.payment_reference:
        rows.append(("Payment reference", doc.payment_reference))
    if not is_invoice:
        rows.append(("Against invoice", f"{doc.original_invoice_number} dated {_date(doc.original_invoice_date)}"))
        rows.append(("Refund", f"{doc.refund_percent}% under the cancellation policy"))
    pdf.ln(2)
    for label, value in rows:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(38, 5, label)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "B" if label.endswith("no.") else "", 9)
        pdf.multi_cell(PAGE_WIDTH - 38, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(2)
    _rule(pdf)


def _parties(pdf: FPDF, doc: TaxDocument) -> None:
    zone = ZoneInfo(doc.venue.timezone)
    start, end = doc.slot_start.astimezone(zone), doc.slot_end.astimezone(zone)
    same_day = start.date() == end.date()
    slot = (
        f"{start:%a %d %b %Y, %H:%M} to {end:%H:%M}" if same_day else f"{start:%d %b %Y %H:%M} to {end:%d %b %Y %H:%M}"
    )
    left = ("Billed to", [doc.buyer.name, doc.buyer.email or ""])
    right = ("Venue and slot", [doc.venue.name, slot, f"Time zone: {zone.key}"])
    top = pdf.get_y() + 2
    for x, (heading, lines) in ((15, left), (105, right)):
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(90, 5, heading.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        for index, text in enumerate(line for line in lines if line):
            pdf.set_font(FONT, "B" if index == 0 else "", 10 if index == 0 else 9)
            pdf.multi_cell(88, 5, text, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
    pdf.set_y(max(pdf.get_y(), top + 20) + 4)


def _line_table(pdf: FPDF, doc: TaxDocument) -> None:
    headers = ("#", "Description", "SAC", "Qty", f"Rate ({RUPEE})", f"Amount ({RUPEE})")
    aligns = ("C", "L", "C", "R", "R", "R")

    def header_row() -> None:
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_fill_color(*SHADE)
        for width, text, align in zip(COLUMNS, headers, aligns, strict=True):
            pdf.cell(width, 7, text, border="TB", align=align, fill=True)
        pdf.ln(7)

    header_row()
    pdf.set_draw_color(*RULE)
    for number, line in enumerate(doc.lines, start=1):
        pdf.set_font(FONT, "", 9)
        wrapped = pdf.multi_cell(COLUMNS[1] - 2, 5, line.description, dry_run=True, output="LINES", align="L")
        # fpdf2 types every `output` choice as one union; "LINES" gives the wrapped lines.
        assert isinstance(wrapped, list)
        height = max(1, len(wrapped)) * 5 + 2
        if pdf.will_page_break(height):
            pdf.add_page()
            header_row()
            pdf.set_font(FONT, "", 9)
        y = pdf.get_y()
        values = (
            str(number),
            "",
            doc.seller.sac_code,
            str(line.quantity),
            format_inr(line.unit_price_paise),
            format_inr(line.amount_paise),
        )
        x = pdf.l_margin
        for width, text, align in zip(COLUMNS, values, aligns, strict=True):
            pdf.set_xy(x, y + 1)
            if text:
                pdf.cell(width, 5, text, align=align)
            x += width
        pdf.set_xy(pdf.l_margin + COLUMNS[0] + 1, y + 1)
        pdf.multi_cell(COLUMNS[1] - 2, 5, line.description, align="L")
        pdf.set_y(y + height)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + PAGE_WIDTH, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)


def _totals(pdf: FPDF, doc: TaxDocument, is_invoice: bool) -> None:
    half_rate = _percent(doc.gst_rate_basis_points / 2)
    rows = [
        ("Taxable value", doc.taxable_paise, False),
        (f"CGST @ {half_rate}", doc.cgst_paise, False),
        (f"SGST @ {half_rate}", doc.sgst_paise, False),
        ("Total" if is_invoice else "Total credited", doc.total_paise, True),
    ]
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.ln(3)
    label_x, label_width, value_width = 120, 45, 30
    for label, paise, strong in rows:
        pdf.set_x(label_x)
        pdf.set_font(FONT, "B" if strong else "", 11 if strong else 9.5)
        if strong:
            pdf.set_fill_color(*SHADE)
        pdf.cell(label_width, 8 if strong else 6, label, fill=strong)
        pdf.cell(
            value_width,
            8 if strong else 6,
            f"{RUPEE} {format_inr(paise)}",
            align="R",
            fill=strong,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(3)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(PAGE_WIDTH, 5, "Amount in words", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(PAGE_WIDTH, 5, doc.amount_in_words, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        PAGE_WIDTH,
        5,
        f"Tax payable on reverse charge: No. Currency: {doc.currency}.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)


def _closing(pdf: FPDF, doc: TaxDocument, is_invoice: bool) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(10)
    pdf.set_x(115)
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(80, 5, f"For {doc.seller.name}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_x(115)
    pdf.set_font(FONT, "", 8)
    pdf.cell(80, 5, "Authorised signatory", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: FPDF) -> None:
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + PAGE_WIDTH, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)


def _date(day: date | None) -> str:
    return "-" if day is None else day.strftime("%d %b %Y")


def _percent(value: float) -> str:
    return f"{value / 100:g}%"
