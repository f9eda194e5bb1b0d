"""Blobs as files under one folder (MEDIA_DIR).

A write goes to a hidden temporary file in the destination folder, is fsynced, then
renamed over the key's path, so a blob is either absent or complete, and a crash leaves
at most a `.*.part` file that `discard_abandoned_writes` removes later. Disk work runs
in worker threads (anyio's, which finish their call even when the task is cancelled, so
cleanup never races a write in flight); writes are batched into `write_buffer_size`
blocks to keep thread hops few."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from lebrq.domain.blobs import BlobInfo, InvalidBlobKey, SizeLimit, StoredBlob, check_blob_key, check_byte_range
from lebrq.ports.blob_storage import BlobNotFound

PARTIAL_SUFFIX = ".part"


class FilesystemBlobStorage:
    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        read_chunk_size: int = 256 * 1024,
        write_buffer_size: int = 1024 * 1024,
        fsync: bool = True,
    ) -> None:
        self.root = Path(root).resolve()
        self.read_chunk_size = read_chunk_size
        self.write_buffer_size = write_buffer_size
        self._fsync = fsync

    def path_of(self, key: str) -> Path:
        path = self.root / check_blob_key(key)
        # The key syntax already rules out "..", absolute paths and dot-files; this is
        # the belt to those braces (and catches a symlinked folder inside the root).
        if not path.resolve().is_relative_to(self.root):
            raise InvalidBlobKey(f"key escapes the storage folder: {key!r}")
        return path

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        path = self.path_of(key)
        file, partial = await anyio.to_thread.run_sync(_open_partial, path)
        hasher = hashlib.sha256()
        limit = SizeLimit(max_bytes)
        buffer = bytearray()
        try:
            async for chunk in chunks:
                limit.add(len(chunk))
                buffer += chunk
                if len(buffer) >= self.write_buffer_size:
                    await anyio.to_thread.run_sync(_append, file, hasher, buffer)
                    buffer.clear()
            if buffer:
                await anyio.to_thread.run_sync(_append, file, hasher, buffer)
                buffer.clear()
            await anyio.to_thread.run_sync(_commit, file, partial, path, self._fsync)
        except BaseException:
            file.close()
            partial.unlink(missing_ok=True)
            raise
        return StoredBlob(key=key, size=limit.size, sha256=hasher.hexdigest())

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        check_byte_range(start, end)
        path = self.path_of(key)
        try:
            file = await anyio.to_thread.run_sync(_open_at, path, start)
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(key) from None
        try:
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                size = self.read_chunk_size if remaining is None else min(self.read_chunk_size, remaining)
                data = await anyio.to_thread.run_sync(file.read, size)
                if not data:
                    return
                if remaining is not None:
                    remaining -= len(data)
                yield data
        finally:
            file.close()

    async def stat(self, key: str) -> BlobInfo | None:
        path = self.path_of(key)
        try:
            result = await anyio.to_thread.run_sync(os.stat, path)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(result.st_mode):
            return None
        return BlobInfo(size=result.st_size, modified_at=datetime.fromtimestamp(result.st_mtime, UTC))

    async def delete(self, key: str) -> bool:
        path = self.path_of(key)
        try:
            await anyio.to_thread.run_sync(path.unlink)
        except FileNotFoundError:
            return False
        return True

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        for key in await anyio.to_thread.run_sync(self._list_keys):
            if key.startswith(prefix):
                yield key

    async def discard_abandoned_writes(self, older_than: datetime) -> int:
        """Delete temporary files of writes that never finished (a killed process)
        last touched before `older_than`; returns how many."""
        return await anyio.to_thread.run_sync(self._discard_partials, older_than.timestamp())

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


def _open_partial(path: Path) -> tuple[BinaryIO, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target, so the final rename is atomic on the same filesystem.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX)
    return os.fdopen(fd, "wb", buffering=0), Path(name)


def _append(file: BinaryIO, hasher: hashlib._Hash, block: bytearray) -> None:
    # Both release the GIL for large buffers, so the event loop keeps running meanwhile.
    hasher.update(block)
    with memoryview(block) as whole:
        view = whole
        while view:
            written = file.write(view)
            view = view[written:]
        del view


def _commit(file: BinaryIO, partial: Path, path: Path, fsync: bool) -> None:
    if fsync:
        os.fsync(file.fileno())
    file.close()
    os.chmod(partial, 0o644)
    os.replace(partial, path)
    if fsync:
        # Make the rename itself durable.
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _open_at(path: Path, start: int) -> BinaryIO:
    file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the reading generator
    try:
        file.seek(start)
    except BaseException:
        file.close()
        raise
    return file

