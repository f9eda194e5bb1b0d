"""`DocumentRenderer` on fpdf2, in a render child process (the default) or a thread pool.

In a child (`PDF_RENDER_POOL=process`) fpdf2 is imported only in a separate process
(`python -m lebrq.adapters.pdf.render_child`), started with a plain `subprocess.Popen`
on the first render and spoken to with msgpack frames over its stdin/stdout. It exits
when it has been idle for `idle_seconds` (the worker closes its stdin), so a worker at
rest keeps no PDF process; the next render starts a new one (~0.7 s here). No
`multiprocessing`: no spawn bootstrap and no resource-tracker process beside it. If the
child dies mid-render the render fails with `DependencyUnavailable` (503 + Retry-After) and the
dead child is dropped; a child found dead while idle is replaced silently.

In a thread pool (`PDF_RENDER_POOL=thread`) no extra process runs, but fpdf2 (~46 MiB)
and what renders leave behind stay in the worker. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Literal

import msgspec

from lebrq.adapters.pdf.render_protocol import RenderReply, RenderRequest, decode_reply, encode, read_frame, write_frame
from lebrq.domain.model.errors import DependencyUnavailable
from lebrq.domain.model.tax_documents import TaxDocument

PoolKind = Literal["process", "thread"]
CHILD_COMMAND = (sys.executable, "-m", "lebrq.adapters.pdf.render_child")
RETRY_AFTER_SECONDS = 5
RENDERER = "PDF renderer"

logger = logging.getLogger("lebrq.pdf")
_encode_document = msgspec.json.Encoder().encode


def _render_here(encoded_document: bytes) -> bytes:
    # Imported on first use, so that importing this module never loads fpdf2.
    from lebrq.adapters.pdf.tax_document_layout import render_pdf

    return render_pdf(encoded_document)


class _RenderChild:
    """One child process, used by one render at a time."""

    def __init__(self, command: Sequence[str]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.retire_timer: threading.Timer | None = None
        logger.info("PDF render child %d started", self.process.pid)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def exchange(self, request: bytes, timeout_seconds: float) -> RenderReply:
        """Send one request and wait for its reply (blocking: runs in a thread). A child
        that takes longer than the timeout is killed, which ends the wait with EOFError."""
        watchdog = threading.Timer(timeout_seconds, self.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            write_frame(self._pipe(self.process.stdin), request)
            frame = read_frame(self._pipe(self.process.stdout))
        finally:
            watchdog.cancel()
        if frame is None:
            raise EOFError("the render child closed its output")
        return decode_reply(frame)

    def retire(self) -> None:
        """Ask the child to exit (end of its input) and reap it; kill it if it lingers."""
        try:
            self._pipe(self.process.stdin).close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        logger.info("PDF render child %d exited (%s)", self.process.pid, self.process.returncode)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    @staticmethod
    def _pipe(pipe: IO[bytes] | None) -> IO[bytes]:
        assert pipe is not None
        return pipe


class ChildProcessRenderer:
    """Up to `children` render child processes, started on demand, each retired after
    `idle_seconds` without work."""

    def __init__(
        self,
        *,
        children: int = 1,
        idle_seconds: float = 30.0,
        render_timeout_seconds: float = 120.0,
        command: Sequence[str] = CHILD_COMMAND,
    ) -> None:
        self._command = tuple(command)
        self._idle_seconds = idle_seconds
        self._render_timeout = render_timeout_seconds
        self._slots = asyncio.Semaphore(children)
        self._idle: list[_RenderChild] = []
        self._lock = threading.Lock()
        self._closed = False

    async def render(self, document: TaxDocument) -> bytes:
        request = encode(RenderRequest(document=_encode_document(document)))
        async with self._slots:
            child = await asyncio.to_thread(self._take)
            try:
                reply = await asyncio.to_thread(child.exchange, request, self._render_timeout)
            except (OSError, EOFError, msgspec.DecodeError) as exc:
                await asyncio.to_thread(child.kill)
                logger.error("PDF render child %d failed: %s", child.process.pid, exc)
                raise DependencyUnavailable(RENDERER, retry_after_seconds=RETRY_AFTER_SECONDS) from None
            except BaseException:
                # Cancelled while the thread may still be talking to the child: the
                # child's state is unknown, so it goes (killing it also ends that thread).
                child.kill()
                raise
            self._park(child)
        if reply.error is not None or reply.pdf is None:
            logger.error("PDF render failed in the child: %s", reply.error)
            raise DependencyUnavailable(RENDERER, retry_after_seconds=RETRY_AFTER_SECONDS)
        return reply.pdf

    def running_pids(self) -> list[int]:
        """Process ids of the children alive now (idle ones; for tests and probes)."""
        with self._lock:
            return [child.process.pid for child in self._idle if child.alive]

    def close(self) -> None:
        """Retire every idle child; children busy now are retired when their render ends."""
        with self._lock:
            self._closed = True
            children, self._idle = self._idle, []
        for child in children:
            self._cancel_timer(child)
            child.retire()

    def _take(self) -> _RenderChild:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                self._cancel_timer(child)
                if child.alive:
                    return child
                logger.warning("PDF render child %d had exited (%s)", child.process.pid, child.process.returncode)
                child.kill()
        return _RenderChild(self._command)

    def _park(self, child: _RenderChild) -> None:
        with self._lock:
            if not self._closed:
                timer = threading.Timer(self._idle_seconds, self._retire_if_idle, args=(child,))
                timer.daemon = True
                child.retire_timer = timer
                self._idle.append(child)
                timer.start()
                return
        child.retire()

    def _retire_if_idle(self, child: _RenderChild) -> None:
        with self._lock:
            if child not in self._idle:
                return  # taken for a render in the meantime
            self._idle.remove(child)
        child.retire()

    @staticmethod
    def _cancel_timer(child: _RenderChild) -> None:
        if child.retire_timer is not None:
            child.retire_timer.cancel()
            child.retire_timer = None


class Fpdf2DocumentRenderer:
    """The configured way of rendering: a child process ("process") or threads ("thread")."""

    def __init__(self, pool: PoolKind = "process", workers: int = 1, *, idle_seconds: float = 30.0) -> None:
        if pool not in ("process", "thread"):
            raise ValueError(f"unknown rendering pool {pool!r}: use 'process' or 'thread'")
        self._children = (
            ChildProcessRenderer(children=workers, idle_seconds=idle_seconds) if pool == "process" else None
        )
        self._workers = workers
        self._threads: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def children(self) -> ChildProcessRenderer | None:
        return self._children

    async def render(self, document: TaxDocument) -> bytes:
        if self._children is not None:
            return await self._children.render(document)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread_pool(), _render_here, _encode_document(document))

    def close(self) -> None:
        """End the child processes or threads; later renders start new ones."""
        if self._children is not None:
            self._children.close()
        with self._lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)

    def _thread_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="pdf-render")
            return self._threads
