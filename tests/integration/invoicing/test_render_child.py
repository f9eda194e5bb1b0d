"""The PDF render child: started on demand, the same bytes as the layout, gone after
being idle, and a crash is a clean 503-class error after which the next render works."""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import psutil
import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.pdf.renderer import ChildProcessRenderer
from lebrq.adapters.pdf.tax_document_layout import render_pdf
from lebrq.domain.model.errors import DependencyUnavailable
from lebrq.domain.model.tax_documents import TaxDocument
from tests.support.invoicing import billable, make_issuer

pytestmark = pytest.mark.anyio


async def an_invoice() -> TaxDocument:
    uow, issuer = MemoryUnitOfWorkFactory(), make_issuer()
    async with uow() as tx:
        issued = await issuer.issue_invoice(tx, billable(), datetime(2027, 5, 1, 6, 0, tzinfo=UTC))
        await tx.commit()
    return issued.document


def wait_until_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


async def test_the_child_renders_the_layouts_bytes_and_exits_when_idle() -> None:
    document = await an_invoice()
    expected = render_pdf(msgspec.json.encode(document))
    renderer = ChildProcessRenderer(idle_seconds=1.0)
    try:
        assert renderer.running_pids() == []  # nothing runs before the first render
        rendered = await renderer.render(document)
        (pid,) = renderer.running_pids()
        assert rendered == expected
        # A second render soon after reuses the same child.
        await renderer.render(document)
        assert renderer.running_pids() == [pid]
        assert wait_until_gone(pid)
        assert renderer.running_pids() == []
        # The next render starts a new child.
        assert (await renderer.render(document))[:5] == b"%PDF-"
        assert len(renderer.running_pids()) == 1
        assert renderer.running_pids() != [pid]
    finally:
        renderer.close()
    assert renderer.running_pids() == []


async def test_a_child_killed_while_idle_is_replaced_without_an_error() -> None:
    document = await an_invoice()
    renderer = ChildProcessRenderer(idle_seconds=60)
    try:
        await renderer.render(document)
        (pid,) = renderer.running_pids()
        os.kill(pid, signal.SIGKILL)
        assert wait_until_gone(pid)
        assert (await renderer.render(document))[:5] == b"%PDF-"
        assert renderer.running_pids() not in ([], [pid])
    finally:
        renderer.close()


async def test_a_child_crashing_mid_render_is_unavailable_and_the_next_render_works(tmp_path: Path) -> None:
    # The first child dies as soon as it reads a request; later ones are the real child.
    marker = tmp_path / "crashed-once"
    crash_once = (
        "import os, runpy, sys\n"
        f"marker = {str(marker)!r}\n"
        "if not os.path.exists(marker):\n"
        "    open(marker, 'w').close(); sys.stdin.buffer.read(4); os._exit(3)\n"
        "runpy.run_module('lebrq.adapters.pdf.render_child', run_name='__main__')\n"
    )
    document = await an_invoice()
    renderer = ChildProcessRenderer(idle_seconds=60, command=[sys.executable, "-c", crash_once])
    try:
        with pytest.raises(DependencyUnavailable) as failure:
            await renderer.render(document)
        assert failure.value.retry_after_seconds >= 1
        assert renderer.running_pids() == []
        assert await renderer.render(document) == render_pdf(msgspec.json.encode(document))
    finally:
        renderer.close()


async def test_a_layout_error_in_the_child_is_unavailable_and_the_child_keeps_serving() -> None:
    # A child whose layout refuses every document with a name starting "Broken".
    failing_layout = (
        "import runpy\n"
        "import lebrq.adapters.pdf.tax_document_layout as layout\n"
        "real = layout.render_pdf\n"
        "def render_pdf(encoded):\n"
        "    if b'Broken' in encoded: raise ValueError('cannot draw this one')\n"
        "    return real(encoded)\n"
        "layout.render_pdf = render_pdf\n"
        "runpy.run_module('lebrq.adapters.pdf.render_child', run_name='__main__')\n"
    )
    document = await an_invoice()
    broken = msgspec.structs.replace(document, buyer=msgspec.structs.replace(document.buyer, name="Broken Buyer"))
    renderer = ChildProcessRenderer(idle_seconds=60, command=[sys.executable, "-c", failing_layout])
    try:
        with pytest.raises(DependencyUnavailable):
            await renderer.render(broken)
        (pid,) = renderer.running_pids()
        assert (await renderer.render(document))[:5] == b"%PDF-"
        assert renderer.running_pids() == [pid]
    finally:
        renderer.close()
