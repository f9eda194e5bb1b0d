"""Blobs in a dict, for tests: same contract as the filesystem adapter, no disk."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from datetime import UTC, datetime

from lebrq.domain.model.blobs import (
    BlobInfo,
    BlobSlice,
    SizeLimit,
    SpanChooser,
    StoredBlob,
    check_blob_key,
    check_byte_range,
    chosen_span,
)
from lebrq.ports.blob_storage import BlobNotFound


class MemoryBlobStorage:
    def __init__(self, *, read_chunk_size: int = 64 * 1024) -> None:
        self.read_chunk_size = read_chunk_size
        self.blobs: dict[str, tuple[bytes, datetime]] = {}

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        check_blob_key(key)
        limit = SizeLimit(max_bytes)
        data = bytearray()
        async for chunk in chunks:
            limit.add(len(chunk))
            data += chunk
        # Only a complete write becomes visible, as with the rename on disk.
        self.blobs[key] = (bytes(data), datetime.now(UTC))
        return StoredBlob(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncGenerator[bytes, None]:
        check_byte_range(start, end)
        check_blob_key(key)
        if key not in self.blobs:
            raise BlobNotFound(key)
        data = memoryview(self.blobs[key][0])[start:end]
        for offset in range(0, len(data), self.read_chunk_size):
            yield bytes(data[offset : offset + self.read_chunk_size])

    async def read_small(self, key: str, span: SpanChooser, *, max_bytes: int) -> BlobSlice | None:
        check_blob_key(key)
        if key not in self.blobs:
            return None
        data = self.blobs[key][0]
        chosen = chosen_span(span, len(data), max_bytes)
        if chosen is None:
            return BlobSlice(size=len(data))
        start, end = chosen
        return BlobSlice(size=len(data), start=start, end=end, data=data[start:end])

    async def stat(self, key: str) -> BlobInfo | None:
        check_blob_key(key)
        if key not in self.blobs:
            return None
        data, modified_at = self.blobs[key]
        return BlobInfo(size=len(data), modified_at=modified_at)

    async def delete(self, key: str) -> bool:
        check_blob_key(key)
        return self.blobs.pop(key, None) is not None

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        for key in list(self.blobs):
            if key.startswith(prefix):
                yield key

    async def discard_abandoned_writes(self, older_than: datetime) -> int:
        return 0  # a write in memory is never half-done once its task is gone
