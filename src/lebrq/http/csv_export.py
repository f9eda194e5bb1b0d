"""CSV rows streamed to the client, with the source closed however the response ends."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any, TypeVar

from anyio import CancelScope
from litestar.response import Stream
from litestar.response.base import ASGIResponse
from litestar.response.streaming import ASGIStreamingResponse
from litestar.types import Receive, Send

T = TypeVar("T")

# Cells a spreadsheet would run as a formula; prefixed with ' so they stay text
# (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows per chunk sent: fewer, larger writes than one per row, still a few KiB each.
_ROWS_PER_CHUNK = 64


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


async def csv_chunks(
    header: Iterable[str], rows: AsyncGenerator[T, None], to_cells: Callable[[T], Iterable[Any]]
) -> AsyncGenerator[bytes, None]:
    """CSV text in chunks of a few rows; closing this generator closes `rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    pending = 1
    try:
        async for row in rows:
            writer.writerow([safe_cell(cell) for cell in to_cells(row)])
            pending += 1
            if pending >= _ROWS_PER_CHUNK:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
                pending = 0
    finally:
        # Closing us (client gone) must close the source too; `async for` does not.
        await rows.aclose()
    if pending:
        yield buffer.getvalue().encode()


class _ClosingStreamingResponse(ASGIStreamingResponse):
    __slots__ = ()

    async def send_body(self, send: Send, receive: Receive) -> None:
        try:
            await super().send_body(send, receive)
        finally:
            # Litestar stops iterating when the client disconnects but leaves the
            # generator open; closing it here (shielded from that cancellation) ends the
            # database query and returns its connection at once, not at garbage collection.
            aclose = getattr(self.iterator, "aclose", None)
            if aclose is not None:
                with CancelScope(shield=True):
                    await aclose()


class ClosingStream(Stream):
    """A `Stream` whose async generator is always closed when the response ends."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        response = super().to_asgi_response(*args, **kwargs)
        # Same slots, one overridden method: swapping the class keeps Litestar's own
        # construction of the response (headers, cookies, background tasks).
        response.__class__ = _ClosingStreamingResponse
        return response
