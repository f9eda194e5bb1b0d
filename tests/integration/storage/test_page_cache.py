"""What reading a large file leaves in the page cache (Linux): a whole-file download
leaves only the head of the read, while a short range read (a player seeking) stays
cached, so the same seek again is served from memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from lebrq.adapters.storage.filesystem import FilesystemBlobStorage

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform != "linux", reason="page cache residency via mincore(2) on Linux"),
]

MIB = 1024 * 1024
PAGE = mmap.PAGESIZE


def resident_pages(path: Path) -> list[bool]:
    """Which pages of the file are in the page cache now (mincore on a private map that is never written)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    size = path.stat().st_size
    with path.open("rb") as file, mmap.mmap(file.fileno(), size, access=mmap.ACCESS_COPY) as mapped:
        pages = (size + PAGE - 1) // PAGE
        vector = (ctypes.c_ubyte * pages)()
        address = ctypes.c_void_p(ctypes.addressof(ctypes.c_char.from_buffer(mapped)))
        if libc.mincore(address, ctypes.c_size_t(size), vector) != 0:
            raise OSError(ctypes.get_errno(), "mincore failed")
        del address
    return [bool(flag & 1) for flag in vector]


def cached_pages(path: Path) -> list[int]:
    return [index for index, resident in enumerate(resident_pages(path)) if resident]


def pages_of(start: int, end: int) -> list[int]:
    """The pages holding bytes start <= i < end."""
    return list(range(start // PAGE, (end - 1) // PAGE + 1))


def evict(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


@pytest.fixture
def large_file(tmp_path: Path) -> tuple[FilesystemBlobStorage, Path, bytes]:
    storage = FilesystemBlobStorage(
        tmp_path / "media",
        large_file_min_bytes=4 * MIB,
        cached_read_bytes=1 * MIB,
        large_file_read_chunk_size=256 * 1024,
    )
    path = storage.root / "videos" / "clip.mp4"
    path.parent.mkdir(parents=True)
    content = os.urandom(16 * MIB)
    path.write_bytes(content)
    evict(path)
    if any(resident_pages(path)):
        pytest.skip("this filesystem keeps pages cached despite POSIX_FADV_DONTNEED")
    return storage, path, content


async def read_all(storage: FilesystemBlobStorage, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read("videos/clip.mp4", start, end)])


async def test_a_whole_file_download_leaves_only_the_head_of_the_read_cached(
    large_file: tuple[FilesystemBlobStorage, Path, bytes],
) -> None:
    storage, path, content = large_file
    assert await read_all(storage) == content
    cached = sum(resident_pages(path)) * PAGE
    assert cached <= 2 * MIB, f"{cached / MIB:.1f} MiB of 16 MiB left in the page cache"
    storage.close()


async def read_small(storage: FilesystemBlobStorage, start: int, end: int) -> bytes | None:
    found = await storage.read_small("videos/clip.mp4", lambda size: (start, end), max_bytes=256 * 1024)
    return None if found is None else found.data


@pytest.mark.parametrize(
    ("reader", "start", "end"),
    [
        (read_all, 9 * MIB + 123, 9 * MIB + 700_000),  # streamed in chunks
        (read_small, 11 * MIB + 100, 11 * MIB + 2148),  # read whole (a few KiB, most seeks)
    ],
)
async def test_a_short_range_read_stays_cached_for_the_next_seek_and_reads_nothing_past_it(
    large_file: tuple[FilesystemBlobStorage, Path, bytes],
    reader: Callable[[FilesystemBlobStorage, int, int], Awaitable[bytes | None]],
    start: int,
    end: int,
) -> None:
    # The range comes from the disk whole and at once, and the kernel's read-ahead does
    # not drag in what lies past it (before, a cold 4 MiB range read 15 MiB).
    storage, path, content = large_file
    assert await reader(storage, start, end) == content[start:end]
    assert cached_pages(path) == pages_of(start, end)
    storage.close()
