"""Streaming storage of opaque byte blobs (uploads, rendered PDFs) under string keys.

Every method streams: no method ever holds a whole blob in memory, so a 1 GiB upload
costs the same RAM as a 1 KiB one (`read_small` holds at most the `max_bytes` it is given)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from datetime import datetime
from typing import Protocol

from lebrq.domain.model.blobs import BlobInfo, BlobSlice, SpanChooser, StoredBlob


class BlobStorage(Protocol):
    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        """Consume `chunks` and store them under `key`, replacing any blob there.

        The blob appears only when every chunk has arrived and is durable; until then
        readers see the previous state. If `max_bytes` would be exceeded, raises
        `PayloadTooLarge` as soon as the first byte over the limit arrives. On that or
        any other failure, including an exception raised by `chunks` itself and
        cancellation, nothing of this write is left behind.
        Raises `InvalidBlobKey` for a key that does not follow `check_blob_key`."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncGenerator[bytes, None]:
        """The bytes `start` <= i < `end` (`end=None`: to the end) in chunks of at most
        the adapter's chunk size. Raises `BlobNotFound` on first iteration if there is
        no such blob. Close the iterator (`contextlib.aclosing`) when stopping early."""
        ...

    async def read_small(self, key: str, span: SpanChooser, *, max_bytes: int) -> BlobSlice | None:
        """The blob's size and, if `span(size)` gives (start, end) with 0 <= start <= end
        <= size and end - start <= `max_bytes`, those bytes whole; otherwise `data` is
        None (stream them with `read`). None if there is no such blob. In one trip to the
        storage where it can (a small download then costs what a `stat` did); `span`
        may run in another thread, so it must be a pure function of the size."""
        ...

    async def stat(self, key: str) -> BlobInfo | None:
        """Size and last modification of the blob, or None if there is none."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove the blob; True if there was one. Deleting a missing key is not an error."""
        ...

    def keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every stored key starting with `prefix` (for sweeps), in no particular order."""
        ...

    async def discard_abandoned_writes(self, older_than: datetime) -> int:
        """Remove leftovers of writes whose process died mid-way, last touched before
        `older_than`; returns how many were removed."""
        ...


# How DependencyUnavailable names blob storage when an adapter cannot reach it (503).
STORAGE_DEPENDENCY = "file storage"


class BlobNotFound(LookupError):
    """`read` of a key that holds no blob."""
