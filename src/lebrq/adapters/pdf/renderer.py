"""`DocumentRenderer` on fpdf2, rendering in a pool that the renderer owns and the
application's lifespan closes (the adapters context calls `close()`).

In a process pool (the default) fpdf2 is imported only in the pool's child process, so
the web worker never pays its ~46 MiB nor keeps what a render leaves behind; the child
is started with `spawn` (never `fork`: the worker has threads and an event loop). A
thread pool (`PDF_RENDER_POOL=thread`) needs no extra process, but then fpdf2 lives in
the worker. Figures: docs/benchmarks.md. The pool starts on the first render, so a
worker that never serves a PDF never starts it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Literal

import msgspec

from lebrq.domain.tax_documents import TaxDocument

PoolKind = Literal["process", "thread"]

_encode = msgspec.json.Encoder().encode


def _render_in_pool(encoded_document: bytes) -> bytes:
    # Imported here, in the pool, so that importing this module never loads fpdf2.
    from lebrq.adapters.pdf.tax_document_layout import render_pdf

    return render_pdf(encoded_document)


class Fpdf2DocumentRenderer:
    def __init__(self, pool: PoolKind = "process", workers: int = 1) -> None:
        if pool not in ("process", "thread"):
            raise ValueError(f"unknown rendering pool {pool!r}: use 'process' or 'thread'")
        self._pool_kind = pool
        self._workers = workers
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    async def render(self, document: TaxDocument) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), _render_in_pool, _encode(document))

    def close(self) -> None:
        """Shut the pool down (ending its child process); later renders start a new one."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _pool(self) -> Executor:
        with self._lock:
            if self._executor is None:
                if self._pool_kind == "process":
                    context = multiprocessing.get_context("spawn")
                    self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=context)
                else:
                    self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="pdf-render")
            return self._executor
