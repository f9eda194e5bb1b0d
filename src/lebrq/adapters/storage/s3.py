"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...): MEDIA_STORAGE=s3.

Client: obstore (Rust's object_store), chosen by measurement over aiobotocore
(benchmarks/s3_clients.py, docs/s3-storage.md): a quarter of the import memory, less
than half the memory per upload, no aiohttp/botocore in the worker. It is imported when
this adapter is built, so a worker on filesystem storage never loads it.

- A write streams: blobs up to one part are sent in one PUT; larger ones as a multipart
  upload in `part_size` parts with at most `parts_in_flight` parts buffered or sending,
  so memory per upload stays flat whatever its size. The object appears only when the
  upload completes (S3 makes a completed upload visible at once), so readers see the
  previous blob until then. The sha256 is computed while the bytes pass, in a thread.
- On refusal (PayloadTooLarge), a failing source or cancellation (the client went away),
  the multipart upload is aborted, so no parts are left. obstore aborts by itself when the
  source raises; on cancellation this adapter makes the source raise, then waits for the
  abort. Only a killed process can leave an unfinished upload: the bucket's lifecycle rule
  (AbortIncompleteMultipartUpload, docs/deployment.md) removes those, as S3 offers no
  cheaper listing of them through this client.
- Reads are ranged GETs streamed in chunks of at most `read_chunk_size`.
- Storage that cannot be reached, refuses the credentials or fails with 5xx after a few
  quick retries (at most ~10 s) raises DependencyUnavailable("file storage"): the API
  answers 503 + Retry-After instead of hanging for minutes or answering 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio

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
from lebrq.domain.model.errors import DependencyUnavailable
from lebrq.ports.blob_storage import STORAGE_DEPENDENCY, BlobNotFound

MIB = 1024 * 1024
# How long a cancelled write may take to abort its multipart upload before giving up
# (the lifecycle rule then removes it).
ABORT_TIMEOUT_SECONDS = 30.0
logger = logging.getLogger(__name__)


class S3BlobStorage:
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
        # S3's minimum part size. 8 MiB parts cost the service +29 MiB during a 1 GiB
        # upload (three part buffers), 5 MiB +19 MiB (docs/benchmarks.md).
        part_size: int = 5 * MIB,
        parts_in_flight: int = 2,
        read_chunk_size: int = 512 * 1024,
        block_size: int = MIB,
    ) -> None:
        from obstore.store import S3Store

        # Smaller than S3's 5 MiB minimum only for tests on moto (which can allow it).
        self.part_size = part_size
        self.parts_in_flight = parts_in_flight
        self.read_chunk_size = read_chunk_size
        # Chunks from the client are gathered into blocks of this size before they cross
        # into obstore and the hashing thread (fewer, larger hand-overs).
        self.block_size = min(block_size, part_size)
        config: dict[str, Any] = {"region": region or "us-east-1"}
        if endpoint_url:
            config["endpoint"] = endpoint_url.rstrip("/")
        if access_key_id:
            config["access_key_id"] = access_key_id
            config["secret_access_key"] = secret_access_key
        self._store = S3Store(
            bucket,
            prefix=prefix.strip("/") or None,
            config=config,  # type: ignore[arg-type]
            client_options={
                "allow_http": endpoint_url.startswith("http://"),
                "connect_timeout": timedelta(seconds=5),
                # A download streams as fast as its client reads: no limit on the whole
                # request, only on a silent connection.
                "timeout": timedelta(hours=6),
                "read_timeout": timedelta(seconds=60),
            },
            # obstore's default retries for up to 3 minutes: a request would hang that long.
            retry_config={
                "max_retries": 3,
                "retry_timeout": timedelta(seconds=10),
                "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=2)},
            },
        )

    def close(self) -> None:
        """Nothing to release: obstore's connection pool goes with the store."""

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        import obstore

        check_blob_key(key)
        source = _HashingSource(chunks, SizeLimit(max_bytes), self.block_size)
        # Up to one part is read first: a blob that ends within it goes in one PUT.
        head = await source.read_up_to(self.part_size)
        with _unavailable_on_storage_errors():
            if source.finished:
                await obstore.put_async(self._store, key, b"".join(head), use_multipart=False)
            else:
                source.push_back(head)
                await self._multipart(key, source)
        return StoredBlob(key=key, size=source.limit.size, sha256=source.hasher.hexdigest())

    async def _multipart(self, key: str, source: _HashingSource) -> None:
        import obstore

        upload = asyncio.ensure_future(
            obstore.put_async(self._store, key, source, chunk_size=self.part_size, max_concurrency=self.parts_in_flight)
        )
        try:
            await asyncio.shield(upload)
        except asyncio.CancelledError:
            if not upload.done():
                # obstore aborts the multipart upload when its source raises; a dropped
                # upload would leave its parts behind.
                source.stop()
                # Shielded: an anyio cancel scope (Litestar's, a task group's) cancels
                # again at every await, which would stop this wait at once.
                with anyio.move_on_after(ABORT_TIMEOUT_SECONDS, shield=True):
                    await asyncio.wait([upload])
                if upload.done() and not upload.cancelled():
                    upload.exception()  # retrieved: the cancellation is what matters
            raise

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncGenerator[bytes, None]:
        import obstore

        check_byte_range(start, end)
        check_blob_key(key)
        options: Any = {}
        if start > 0 or end is not None:
            # S3 answers a range that is empty or starts past the end with 416, where the
            # contract gives no bytes: the size decides first.
            info = await self.stat(key)
            if info is None:
                raise BlobNotFound(key)
            end = info.size if end is None else min(end, info.size)
            if start >= end:
                return
            options["range"] = (start, end)
        with _unavailable_on_storage_errors():
            try:
                result = await obstore.get_async(self._store, key, options=options)
            except FileNotFoundError:  # obstore's NotFoundError
                raise BlobNotFound(key) from None
            stream = result.stream(min_chunk_size=self.read_chunk_size)
        while True:
            with _unavailable_on_storage_errors():
                try:
                    received = await anext(stream)
                except StopAsyncIteration:
                    return
            view = memoryview(received)
            for offset in range(0, len(view), self.read_chunk_size):
                yield bytes(view[offset : offset + self.read_chunk_size])

    async def read_small(self, key: str, span: SpanChooser, *, max_bytes: int) -> BlobSlice | None:
        import obstore

        # Two requests: HEAD for the size (a ranged GET of a range past the end is a 416),
        # then a GET of just the span.
        info = await self.stat(key)
        if info is None:
            return None
        chosen = chosen_span(span, info.size, max_bytes)
        if chosen is None:
            return BlobSlice(size=info.size)
        start, end = chosen
        data = b""
        if end > start:
            with _unavailable_on_storage_errors():
                try:
                    data = bytes(await obstore.get_range_async(self._store, key, start=start, end=end))
                except FileNotFoundError:  # deleted since the HEAD
                    return None
        return BlobSlice(size=info.size, start=start, end=end, data=data)

    async def stat(self, key: str) -> BlobInfo | None:
        import obstore

        check_blob_key(key)
        try:
            with _unavailable_on_storage_errors():
                meta = await obstore.head_async(self._store, key)
        except FileNotFoundError:  # obstore's NotFoundError
            return None
        return BlobInfo(size=meta["size"], modified_at=meta["last_modified"].astimezone(UTC))

    async def delete(self, key: str) -> bool:
        import obstore

        # S3's DELETE succeeds whether or not there was an object: ask first.
        if await self.stat(key) is None:
            return False
        with _unavailable_on_storage_errors():
            await obstore.delete_async(self._store, key)
        return True

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        import obstore

        # S3 lists by whole path segments here: list the folder, keep what matches.
        folder = prefix.rpartition("/")[0] or None
        batches = obstore.list(self._store, folder, chunk_size=1000)
        while True:
            with _unavailable_on_storage_errors():
                try:
                    batch = await anext(batches)
                except StopAsyncIteration:
                    return
            for meta in batch:
                if meta["path"].startswith(prefix):
                    yield meta["path"]

    async def discard_abandoned_writes(self, older_than: datetime) -> int:
        """Unfinished multipart uploads are invisible (never listed as keys) and removed by
        the bucket's lifecycle rule; failed and cancelled writes abort their own."""
        return 0


@contextmanager
def _unavailable_on_storage_errors() -> Iterator[None]:
    """obstore's errors other than "not found" (refused or lost connections, timeouts,
    5xx after its retries, rejected credentials) mean the storage cannot serve us now."""
    from obstore.exceptions import BaseError, NotFoundError

    try:
        yield
    except FileNotFoundError:
        raise
    except NotFoundError as exc:
        raise FileNotFoundError(str(exc)) from exc
    except BaseError as exc:
        logger.warning("S3 storage unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise DependencyUnavailable(STORAGE_DEPENDENCY) from exc


class WriteStopped(Exception):
    """Raised into obstore's reading of the source when the write was cancelled, so that
    obstore aborts the multipart upload."""


class _HashingSource:
    """The upload's bytes as blocks of about `block_size`, counted against the limit and
    hashed as they pass. Async-iterable (obstore pulls from it)."""

    def __init__(self, chunks: AsyncIterable[bytes], limit: SizeLimit, block_size: int) -> None:
        self._chunks = aiter(chunks)
        self.limit = limit
        self.hasher = hashlib.sha256()
        self._block_size = block_size
        self._pushed_back: deque[bytes] = deque()
        self.finished = False
        self._stopped = False
        self._pulling: asyncio.Task[Any] | None = None

    async def read_up_to(self, size: int) -> list[bytes]:
        """Blocks until `size` bytes or the end (then `finished`)."""
        blocks: list[bytes] = []
        total = 0
        while total < size and (block := await self._next_block()):
            blocks.append(block)
            total += len(block)
        return blocks

    def push_back(self, blocks: list[bytes]) -> None:
        """Blocks read ahead, handed out again before any new ones."""
        self._pushed_back.extend(blocks)

    def stop(self) -> None:
        """Make the next (or the current) pull raise WriteStopped."""
        self._stopped = True
        if self._pulling is not None:
            self._pulling.cancel()

    def __aiter__(self) -> _HashingSource:
        return self

    async def __anext__(self) -> bytes:
        if self._pushed_back:
            return self._pushed_back.popleft()
        self._pulling = asyncio.current_task()
        try:
            block = await self._next_block()
        except asyncio.CancelledError:
            if not self._stopped:
                raise
            raise WriteStopped("the write was cancelled") from None
        finally:
            self._pulling = None
        if not block:
            raise StopAsyncIteration
        return block

    async def _next_block(self) -> bytes:
        if self._stopped:
            raise WriteStopped("the write was cancelled")
        parts: list[bytes] = []
        size = 0
        while size < self._block_size and not self.finished:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self.finished = True
                break
            self.limit.add(len(chunk))
            parts.append(chunk)
            size += len(chunk)
        block = parts[0] if len(parts) == 1 else b"".join(parts)
        if block:
            await asyncio.to_thread(self.hasher.update, block)  # sha256 releases the GIL
        return block
