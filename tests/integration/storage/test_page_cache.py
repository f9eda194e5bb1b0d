"""What reading a large file leaves in the page cache (Linux): a whole-file download
leaves only the head of the read, while a short range read (a player seeking) stays
cached, so the same seek again is served from memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys
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


async def test_a_short_range_read_stays_cached_for_the_next_seek(
    large_file: tuple[FilesystemBlobStorage, Path, bytes],
) -> None:
    storage, path, content = large_file
    start, end = 9 * MIB + 123, 9 * MIB + 700_000
    assert await read_all(storage, start, end) == content[start:end]
    pages = resident_pages(path)
    assert all(pages[start // PAGE : (end - 1) // PAGE + 1]), "the range read was dropped from the page cache"
    storage.close()
