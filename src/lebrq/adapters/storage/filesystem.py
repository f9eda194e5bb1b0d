"""Blobs as files under one folder (MEDIA_DIR).

A write goes to a hidden temporary file in the destination folder, is fsynced, then
renamed over the key's path, so a blob is either absent or complete, and a crash leaves
at most a `.*.part` file that `discard_abandoned_writes` removes later. Disk work runs
in the adapter's I/O threads, one block ahead of the event loop (the next block is
received while the previous one is hashed and written; the next chunk is read while the
previous one is sent); a cancelled task still waits for its block in flight, so cleanup
never races a write. Writes are batched into `write_buffer_size` blocks, and each block
is sent on to the disk at once rather than left in the page cache (`_write_back_early`);
files of `large_file_min_bytes` or more are read in bigger chunks, and a read of one
keeps only its first `cached_read_bytes` in the page cache: a whole-file download does
not fill the cache, while the short range reads of a player seeking in a video find
their pages there the next time.

A disk that fails (full, read-only, I/O error, out of file handles) raises
DependencyUnavailable: the API answers 503 + Retry-After with the cause in the log, as
for S3 or the database, and a failed write leaves no file behind."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import logging
import os
import stat
import tempfile
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import aclosing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TypeVar

from lebrq.domain.model.blobs import (
    BlobInfo,
    BlobSlice,
    InvalidBlobKey,
    SizeLimit,
    SpanChooser,
    StoredBlob,
    check_blob_key,
    check_byte_range,
    chosen_span,
)
from lebrq.domain.model.errors import DependencyUnavailable
from lebrq.ports.blob_storage import STORAGE_DEPENDENCY, BlobNotFound

logger = logging.getLogger("lebrq.storage")

PARTIAL_SUFFIX = ".part"
# Stored files are readable by the service's user and its group (a backup or a web
# server serving files directly may be given the group), never by other local users:
# audio notes and invoices are private. Temporary files are 0600 (mkstemp) until the
# commit sets this mode.
FILE_MODE = 0o640
T = TypeVar("T")
# writev takes at most IOV_MAX (1024 on Linux) buffers per call.
MAX_CHUNKS_PER_BLOCK = 512
# Files at least this large (videos) are read in bigger chunks and without keeping them
# in the page cache (see _read_chunk), like nginx's `directio` threshold: one video
# download must not push the small, often-read posters and images out of a small
# server's cache.
LARGE_FILE_MIN_BYTES = 64 * 1024 * 1024
# What a read of a large file leaves in the page cache: the first 8 MiB from where it
# starts. Seeking reads (a player's Range requests, typically a few KiB to a few MiB
# around an index or a keyframe) stay cached whole; a whole-file download keeps just
# its head. Releasing everything, as before, made every seek a disk read: 100 random
# ranges of a 1 GiB file ran at 55 MiB/s, p50 4.0 ms (issue 14).
CACHED_READ_BYTES = 8 * 1024 * 1024


class FilesystemBlobStorage:
    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        read_chunk_size: int = 256 * 1024,
        large_file_read_chunk_size: int = 512 * 1024,
        write_buffer_size: int = 1024 * 1024,
        large_file_min_bytes: int = LARGE_FILE_MIN_BYTES,
        cached_read_bytes: int = CACHED_READ_BYTES,
        fsync: bool = True,
        io_threads: int = 8,
    ) -> None:
        self.root = Path(root).resolve()
        self.read_chunk_size = read_chunk_size
        # Larger chunks for large files halve the sends through middleware and Granian;
        # past 512 KiB they only cost memory (figures: docs/benchmarks.md, "Media").
        self.large_file_read_chunk_size = large_file_read_chunk_size
        self.write_buffer_size = write_buffer_size
        self.large_file_min_bytes = large_file_min_bytes
        self.cached_read_bytes = cached_read_bytes
        self._fsync = fsync
        # Disk work and hashing run here, off the event loop; both release the GIL.
        self._io = ThreadPoolExecutor(max_workers=io_threads, thread_name_prefix="blob-io")

    def close(self) -> None:
        """Stop the I/O threads once in-flight work is done (the lifespan's shutdown)."""
        self._io.shutdown(wait=True)

    def path_of(self, key: str) -> Path:
        path = self.root / check_blob_key(key)
        # The key syntax already rules out "..", absolute paths and dot-files; this is
        # the belt to those braces (and catches a symlinked folder inside the root).
        if not path.resolve().is_relative_to(self.root):
            raise InvalidBlobKey(f"key escapes the storage folder: {key!r}")
        return path

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        with _unavailable_on_disk_errors():
            return await self._write(key, chunks, max_bytes)

    async def _write(self, key: str, chunks: AsyncIterable[bytes], max_bytes: int | None) -> StoredBlob:
        path = self.path_of(key)
        file, partial = await self._run(_open_partial, path)
        hasher = hashlib.sha256()
        limit = SizeLimit(max_bytes)
        # Chunks are gathered into blocks of about `write_buffer_size` bytes, without
        # copying; a block is hashed and written (by two I/O threads in parallel) while
        # the next one is received.
        block: list[bytes] = []
        block_size = 0
        in_flight: list[Future[Any]] = []
        try:
            async for chunk in chunks:
                limit.add(len(chunk))
                block.append(chunk)
                block_size += len(chunk)
                if block_size >= self.write_buffer_size or len(block) == MAX_CHUNKS_PER_BLOCK:
                    await _all_done(in_flight)
                    in_flight = self._submit_block(file, hasher, block)
                    block, block_size = [], 0
            await _all_done(in_flight)
            in_flight = self._submit_block(file, hasher, block)
            await _all_done(in_flight)
            await self._run(_commit, file, partial, path, self._fsync)
        except BaseException:
            # Never close the file under a running write; waits for one block at most.
            wait(in_flight)
            file.close()
            partial.unlink(missing_ok=True)
            raise
        return StoredBlob(key=key, size=limit.size, sha256=hasher.hexdigest())

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncGenerator[bytes, None]:
        check_byte_range(start, end)
        # aclosing: a consumer that stops early (a client gone mid-download) closes the
        # inner reader at once, which waits for its read in flight and closes the file.
        with _unavailable_on_disk_errors():
            async with aclosing(self._read(key, start, end)) as reader:
                async for data in reader:
                    yield data

    async def _read(self, key: str, start: int, end: int | None) -> AsyncGenerator[bytes, None]:
        path = self.path_of(key)
        try:
            file, size = await self._run(_open_at, path, start, end, self.cached_read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(key) from None
        remaining = -1 if end is None else end - start  # -1: to the end of the file
        large = size >= self.large_file_min_bytes
        reading = _Reading(
            file,
            self.large_file_read_chunk_size if large else self.read_chunk_size,
            uncached_from=start + self.cached_read_bytes if large else None,
        )
        # The next chunk is read in a thread while the current one is being sent.
        next_read: Future[bytes] | None = self._read_ahead(reading, remaining)
        try:
            while next_read is not None:
                data = await asyncio.wrap_future(next_read)
                next_read = None
                if not data:
                    return
                if remaining != -1:
                    remaining -= len(data)
                next_read = self._read_ahead(reading, remaining)
                yield data
        finally:
            if next_read is not None:
                wait([next_read])
            file.close()

    def _submit_block(self, file: BinaryIO, hasher: Any, block: list[bytes]) -> list[Future[Any]]:
        if not block:
            return []
        return [self._io.submit(_hash_all, hasher, block), self._io.submit(_write_all, file, block)]

    def _read_ahead(self, reading: _Reading, remaining: int) -> Future[bytes] | None:
        if remaining == 0:
            return None
        size = reading.chunk_size if remaining == -1 else min(reading.chunk_size, remaining)
        return self._io.submit(_read_chunk, reading, size)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the I/O threads. If the caller is cancelled meanwhile,
        the call still completes before the cancellation is raised, so cleanup code
        never races it."""
        future = self._io.submit(function, *args)
        try:
            return await asyncio.shield(asyncio.wrap_future(future))
        except BaseException:
            wait([future])
            raise

    async def read_small(self, key: str, span: SpanChooser, *, max_bytes: int) -> BlobSlice | None:
        # One trip to an I/O thread: open, size, read and close. The key's path is
        # resolved there too (resolving does a system call per folder of the path).
        with _unavailable_on_disk_errors():
            return await self._run(self._read_small, key, span, max_bytes)

    def _read_small(self, key: str, span: SpanChooser, max_bytes: int) -> BlobSlice | None:
        try:
            fd = os.open(self.path_of(key), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            chosen = chosen_span(span, info.st_size, max_bytes)
            if chosen is None:
                return BlobSlice(size=info.st_size)
            start, end = chosen
            # A stored file never changes (a new write replaces it by rename), so this
            # descriptor holds all `size` bytes.
            data = os.pread(fd, end - start, start) if end > start else b""
            while len(data) < end - start:
                more = os.pread(fd, end - start - len(data), start + len(data))
                if not more:
                    raise OSError(f"{key} ended at {start + len(data)}, before {end}")
                data += more
            return BlobSlice(size=info.st_size, start=start, end=end, data=data)
        finally:
            os.close(fd)

    async def stat(self, key: str) -> BlobInfo | None:
        path = self.path_of(key)
        try:
            with _unavailable_on_disk_errors():
                result = await self._run(os.stat, path)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(result.st_mode):
            return None
        return BlobInfo(size=result.st_size, modified_at=datetime.fromtimestamp(result.st_mtime, UTC))

    async def delete(self, key: str) -> bool:
        path = self.path_of(key)
        try:
            with _unavailable_on_disk_errors():
                await self._run(path.unlink)
        except FileNotFoundError:
            return False
        return True

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        for key in await self._run(self._list_keys):
            if key.startswith(prefix):
                yield key

    async def discard_abandoned_writes(self, older_than: datetime) -> int:
        """Delete temporary files of writes that never finished (a killed process)
        last touched before `older_than`; returns how many."""
        return await self._run(self._discard_partials, older_than.timestamp())

    def _list_keys(self) -> list[str]:
        found: list[str] = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            relative = Path(folder).relative_to(self.root)
            found.extend((relative / name).as_posix() for name in files if not name.startswith("."))
        return found

    def _discard_partials(self, cutoff: float) -> int:
        removed = 0
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                if name.startswith(".") and name.endswith(PARTIAL_SUFFIX):
                    partial = Path(folder) / name
                    try:
                        if partial.stat().st_mtime < cutoff:
                            partial.unlink()
                            removed += 1
                    except FileNotFoundError:
                        continue
        return removed


# A missing file or folder is an answer ("no such blob"), which callers handle; every
# other error of the filesystem means it cannot serve us now.
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EISDIR)


@contextmanager
def _unavailable_on_disk_errors() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in _ABSENT or exc.errno is None:
            raise
        logger.warning("file storage unavailable: %s", os.strerror(exc.errno))
        raise DependencyUnavailable(STORAGE_DEPENDENCY) from exc


def _open_partial(path: Path) -> tuple[BinaryIO, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target, so the final rename is atomic on the same filesystem.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX)
    return os.fdopen(fd, "wb", buffering=0), Path(name)


def _hash_all(hasher: Any, block: list[bytes]) -> None:
    for chunk in block:
        hasher.update(chunk)  # releases the GIL for chunks over 2 KiB


def _write_all(file: BinaryIO, block: list[bytes]) -> None:
    fd = file.fileno()
    pending = [memoryview(chunk) for chunk in block]
    while pending:
        written = os.writev(fd, pending)
        while pending and written >= len(pending[0]):
            written -= len(pending[0])
            pending.pop(0)
        if pending and written:
            pending[0] = pending[0][written:]
    _write_back_early(fd)


def _write_back_early(fd: int) -> None:
    """Starts writing what the file holds so far to the disk, without waiting, and drops
    the pages already written from the page cache (Linux POSIX_FADV_DONTNEED: writeback
    of dirty pages begins, clean ones are released). Otherwise the kernel holds back
    writeback until dirty pages reach dirty_background_ratio (GiBs here), the final fsync
    writes the whole file while the client waits, and a 1 GiB upload fills 1 GiB of page
    cache that nobody is about to read. Reusing the same few released pages also makes the
    writes themselves faster (figures: docs/benchmarks.md, "Media")."""
    if hasattr(os, "posix_fadvise"):  # not on macOS
        os.posix_fadvise(fd, 0, os.lseek(fd, 0, os.SEEK_CUR), os.POSIX_FADV_DONTNEED)


async def _all_done(futures: list[Future[Any]]) -> None:
    for future in futures:
        await asyncio.wrap_future(future)


def _commit(file: BinaryIO, partial: Path, path: Path, fsync: bool) -> None:
    if fsync:
        os.fsync(file.fileno())
    file.close()
    os.chmod(partial, FILE_MODE)
    os.replace(partial, path)
    if fsync:
        # Make the rename itself durable.
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _open_at(path: Path, start: int, end: int | None, prefetch_max: int) -> tuple[BinaryIO, int]:
    """The open file at `start`, and its size. A span `start`..`end` of at most
    `prefetch_max` bytes is asked of the disk at once, and nothing beyond it (below)."""
    # Unbuffered, and closed by the reading generator (it outlives this call).
    file = io.FileIO(path, "rb")
    try:
        file.seek(start)
        if end is not None and 0 < end - start <= prefetch_max and hasattr(os, "posix_fadvise"):
            _prefetch_exactly(file.fileno(), start, end - start)
        return file, os.fstat(file.fileno()).st_size
    except BaseException:
        file.close()
        raise


def _prefetch_exactly(fd: int, start: int, length: int) -> None:
    """Reads `length` bytes from `start` into the page cache, in the background and in
    requests as large as the disk takes (POSIX_FADV_WILLNEED), and turns read-ahead off
    for this descriptor (POSIX_FADV_RANDOM). Left to itself the kernel reads a span of
    a few MiB in the reader's chunks, one after another, while its read-ahead window
    grows past the span's end: a cold 4 MiB range read pulled 15 MiB from the disk
    (read_ahead_kb 8192 here), and a player's next seek waited behind that."""
    os.posix_fadvise(fd, start, length, os.POSIX_FADV_WILLNEED)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)


class _Reading(NamedTuple):
    file: BinaryIO
    chunk_size: int
    # Set for large files: from where _read_chunk releases the pages behind this reader.
    uncached_from: int | None


def _read_chunk(reading: _Reading, size: int) -> bytes:
    """The next `size` bytes. For a large file the pages this reader has read past
    `uncached_from` are released from the page cache (Linux POSIX_FADV_DONTNEED on clean
    pages), so a long read streams through a few pages that are used over and over."""
    file, _chunk_size, uncached_from = reading
    data = file.read(size)
    if uncached_from is not None and hasattr(os, "posix_fadvise"):
        fd = file.fileno()
        position = os.lseek(fd, 0, os.SEEK_CUR)
        if position > uncached_from:
            os.posix_fadvise(fd, uncached_from, position - uncached_from, os.POSIX_FADV_DONTNEED)
    return data
