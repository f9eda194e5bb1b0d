"""The fpdf2 layout on its own: long invoices break pages cleanly, non-Latin-1 names and
the rupee sign print, the same document renders to the same bytes, and the renderer
keeps fpdf2 out of the calling process when it uses a process pool."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import anyio
import msgspec
import pytest
from pypdf import PdfReader

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer
from lebrq.adapters.pdf.tax_document_layout import render_pdf
from lebrq.domain.model.tax_documents import Buyer, TaxDocument
from tests.support.invoicing import DocumentLineFactory, billable, make_issuer

pytestmark = pytest.mark.anyio


async def issued(lines: int = 3, buyer: Buyer | None = None) -> TaxDocument:
    uow, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    data = billable(lines=tuple(DocumentLineFactory.build() for _ in range(lines)))
    if buyer is not None:
        data = msgspec.structs.replace(data, buyer=buyer)
    async with uow() as tx:
        document = await issuer.issue_invoice(tx, data, datetime(2027, 5, 1, 6, 0, tzinfo=UTC))
        await tx.commit()
    return document.document


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def test_a_long_invoice_repeats_the_table_header_on_every_page() -> None:
    document = await issued(lines=51)
    pages = text_of(render_pdf(msgspec.json.encode(document)))
    assert len(pages) >= 2
    assert all(f"{document.number}  ·  page {n} of {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Description" in pages[0]
    assert "Description" in pages[1]
    joined = "\n".join(pages)
    assert all(line.description in " ".join(joined.split()) for line in document.lines)
    assert "Total" in joined
    assert "Authorised signatory" in pages[-1]


async def test_names_beyond_latin_1_and_the_rupee_sign_print() -> None:
    document = await issued(buyer=Buyer(name="Łukasz Żółć-Ivanov Дмитрий", email="lz@example.com"))
    text = "\n".join(text_of(render_pdf(msgspec.json.encode(document))))
    assert "Łukasz Żółć-Ivanov Дмитрий" in text
    assert "\u20b9" in text


async def test_rendering_is_deterministic() -> None:
    encoded = msgspec.json.encode(await issued())
    assert render_pdf(encoded) == render_pdf(encoded)


async def test_the_render_child_keeps_fpdf2_and_multiprocessing_out_of_the_worker() -> None:
    # In a fresh interpreter (this test process imported fpdf2 already): while the child
    # is up it is the only process beside the worker (no resource tracker), and after
    # close() there is none.
    probe = (
        "import asyncio, sys, msgspec, psutil\n"
        "from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer\n"
        "from lebrq.domain.model.tax_documents import TaxDocument\n"
        "doc = msgspec.json.decode(sys.stdin.buffer.read(), type=TaxDocument)\n"
        "r = Fpdf2DocumentRenderer('process')\n"
        "pdf = asyncio.run(r.render(doc))\n"
        "kids = [' '.join(p.cmdline()) for p in psutil.Process().children(recursive=True)]\n"
        "r.close()\n"
        "after = psutil.Process().children(recursive=True)\n"
        "print(pdf[:5].decode(), 'fpdf' in sys.modules, 'multiprocessing' in sys.modules, len(after))\n"
        "print(*kids, sep='\\n')\n"
    )
    encoded = msgspec.json.encode(await issued())
    with anyio.fail_after(120):
        result = await anyio.run_process([sys.executable, "-c", probe], input=encoded, check=True)
    summary, *children = result.stdout.decode().splitlines()
    assert summary.split() == ["%PDF-", "False", "False", "0"]
    assert len(children) == 1
    assert children[0].endswith("-m lebrq.adapters.pdf.render_child")


async def test_thread_renderer_gives_the_same_bytes_as_the_layout() -> None:
    document = await issued()
    renderer = Fpdf2DocumentRenderer("thread")
    try:
        assert await renderer.render(document) == render_pdf(msgspec.json.encode(document))
    finally:
        renderer.close()
