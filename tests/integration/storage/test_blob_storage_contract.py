"""The BlobStorage contract, run on the filesystem adapter, the in-memory one and the S3
one (against moto's standalone S3 server, with parts small enough that these payloads
cross many part boundaries)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from lebrq.adapters.storage.filesystem import FilesystemBlobStorage
from lebrq.adapters.storage.memory import MemoryBlobStorage
from lebrq.adapters.storage.s3 import S3BlobStorage
from lebrq.domain.model.blobs import InvalidBlobKey, SpanChooser
from lebrq.domain.model.errors import DependencyUnavailable, PayloadTooLarge
from lebrq.ports.blob_storage import BlobNotFound, BlobStorage
from tests.support.s3 import TEST_CREDENTIALS, MotoS3

pytestmark = pytest.mark.anyio

PAYLOAD = os.urandom(300_000)


# Where each S3 storage under test keeps its bucket, to look for unfinished uploads.
S3_BUCKETS: dict[int, tuple[MotoS3, str]] = {}
PART_SIZE = 64 * 1024


@pytest.fixture(params=["filesystem", "filesystem-large-file-reads", "memory", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStorage]:
    if request.param == "s3":
        moto_s3: MotoS3 = request.getfixturevalue("moto_s3")
        bucket = moto_s3.new_bucket()
        s3 = S3BlobStorage(
            bucket,
            prefix="media",
            endpoint_url=moto_s3.endpoint,
            part_size=PART_SIZE,
            read_chunk_size=7_000,
            block_size=10_000,
            **TEST_CREDENTIALS,
        )
        S3_BUCKETS[id(s3)] = (moto_s3, bucket)
        yield s3
        del S3_BUCKETS[id(s3)]
        return
    yield from _local_storage(request, tmp_path)


def _local_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStorage]:
    if request.param.startswith("filesystem"):
        # Small buffers so that even these test payloads cross many block boundaries;
        # the second variant reads every file as a large one (pages released behind
        # the first 20,000 bytes of each read).
        large = 0 if request.param == "filesystem-large-file-reads" else 1 << 40
        yield FilesystemBlobStorage(
            tmp_path / "media",
            read_chunk_size=7_000,
            large_file_read_chunk_size=7_000,
            write_buffer_size=10_000,
            large_file_min_bytes=large,
            cached_read_bytes=20_000,
        )
        return
    yield MemoryBlobStorage(read_chunk_size=7_000)


def files_on_disk(storage: BlobStorage) -> list[str]:
    """Every file under the root, hidden temporaries included; for S3 every object in the
    bucket and every multipart upload neither completed nor aborted (empty for memory)."""
    if isinstance(storage, S3BlobStorage):
        moto_s3, bucket = S3_BUCKETS[id(storage)]
        return moto_s3.object_keys(bucket) + [f"unfinished upload {key}" for key in moto_s3.unfinished_uploads(bucket)]
    if not isinstance(storage, FilesystemBlobStorage):
        return []
    return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file())


async def chunked(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def failing_after(data: bytes, error: BaseException) -> AsyncIterator[bytes]:
    async for chunk in chunked(data):
        yield chunk
    raise error


async def read_all(storage: BlobStorage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


async def listed(storage: BlobStorage, prefix: str = "") -> list[str]:
    return sorted([key async for key in storage.keys(prefix)])


async def test_write_reports_size_and_sha256_and_reads_back(storage: BlobStorage) -> None:
    stored = await storage.write("a/b/blob.bin", chunked(PAYLOAD))
    assert (stored.key, stored.size, stored.sha256) == (
        "a/b/blob.bin",
        len(PAYLOAD),
        hashlib.sha256(PAYLOAD).hexdigest(),
    )
    assert await read_all(storage, "a/b/blob.bin") == PAYLOAD
    info = await storage.stat("a/b/blob.bin")
    assert info is not None and info.size == len(PAYLOAD)
    assert abs(info.modified_at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_empty_blob(storage: BlobStorage) -> None:
    stored = await storage.write("empty", chunked(b""))
    assert stored.size == 0 and stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert await read_all(storage, "empty") == b""


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, None), (0, 1), (1, 2), (6_999, 7_001), (123, 250_000), (299_999, None), (300_000, None), (10, 10)],
)
async def test_read_returns_exactly_the_range_in_bounded_chunks(
    storage: BlobStorage, start: int, end: int | None
) -> None:
    await storage.write("blob", chunked(PAYLOAD))
    chunks = [chunk async for chunk in storage.read("blob", start, end)]
    assert b"".join(chunks) == PAYLOAD[start:end]
    assert all(0 < len(chunk) <= 7_000 for chunk in chunks)


async def test_read_past_the_end_stops_at_the_end(storage: BlobStorage) -> None:
    await storage.write("blob", chunked(b"0123456789"))
    assert await read_all(storage, "blob", 5, 1_000) == b"56789"


def span_of(start: int, end: int | None) -> SpanChooser:
    """Chooses start..end (None: to the end of the blob)."""
    return lambda size: (start, size if end is None else end)


@pytest.mark.parametrize(("start", "end"), [(0, 1), (6_999, 7_001), (299_000, None), (0, 50_000), (10, 10)])
async def test_read_small_gives_the_size_and_a_span_within_the_limit(
    storage: BlobStorage, start: int, end: int | None
) -> None:
    await storage.write("blob", chunked(PAYLOAD))
    found = await storage.read_small("blob", span_of(start, end), max_bytes=50_000)
    assert found is not None
    assert (found.size, found.start, found.end) == (len(PAYLOAD), start, len(PAYLOAD) if end is None else end)
    assert found.data == PAYLOAD[start:end]


async def test_read_small_reads_nothing_beyond_the_limit_or_when_no_span_is_chosen(storage: BlobStorage) -> None:
    await storage.write("blob", chunked(PAYLOAD))
    too_long = await storage.read_small("blob", span_of(0, 50_001), max_bytes=50_000)
    assert too_long is not None and (too_long.size, too_long.data) == (len(PAYLOAD), None)
    none_chosen = await storage.read_small("blob", lambda size: None, max_bytes=50_000)
    assert none_chosen is not None and (none_chosen.size, none_chosen.data) == (len(PAYLOAD), None)


async def test_read_small_of_an_empty_blob_and_of_no_blob(storage: BlobStorage) -> None:
    await storage.write("empty", chunked(b""))
    empty = await storage.read_small("empty", span_of(0, None), max_bytes=50_000)
    assert empty is not None and (empty.size, empty.data) == (0, b"")
    assert await storage.read_small("missing", span_of(0, None), max_bytes=50_000) is None
    assert await storage.read_small("a/b", span_of(0, None), max_bytes=50_000) is None
    await storage.write("a/b/c", chunked(b"x"))
    assert await storage.read_small("a/b", span_of(0, None), max_bytes=50_000) is None  # a folder, not a blob


async def test_read_small_refuses_a_span_outside_the_blob(storage: BlobStorage) -> None:
    await storage.write("blob", chunked(b"0123456789"))
    with pytest.raises(ValueError, match="not within"):
        await storage.read_small("blob", span_of(5, 11), max_bytes=50_000)


async def test_reader_closed_early_releases_the_blob(storage: BlobStorage) -> None:
    await storage.write("blob", chunked(PAYLOAD))
    async with aclosing(storage.read("blob")) as reader:
        async for _first in reader:
            break
    assert await storage.delete("blob") is True


async def test_limit_exactly_reached_is_accepted(storage: BlobStorage) -> None:
    stored = await storage.write("blob", chunked(PAYLOAD), max_bytes=len(PAYLOAD))
    assert stored.size == len(PAYLOAD)


async def test_over_the_limit_refuses_as_soon_as_exceeded_and_leaves_nothing(storage: BlobStorage) -> None:
    pulled = 0

    async def counting() -> AsyncIterator[bytes]:
        nonlocal pulled
        async for chunk in chunked(PAYLOAD, 1000):
            pulled += len(chunk)
            yield chunk

    with pytest.raises(PayloadTooLarge) as refused:
        await storage.write("blob", counting(), max_bytes=5_500)
    assert refused.value.extra == {"max_bytes": 5_500}
    assert pulled == 6_000  # stopped at the first chunk over the limit, not at the end
    assert await storage.stat("blob") is None
    assert await listed(storage) == []
    assert files_on_disk(storage) == []


async def test_a_failing_source_leaves_nothing(storage: BlobStorage) -> None:
    with pytest.raises(ConnectionResetError):
        await storage.write("x/blob", failing_after(PAYLOAD, ConnectionResetError("client went away")))
    assert await storage.stat("x/blob") is None
    assert files_on_disk(storage) == []


async def test_a_failed_overwrite_keeps_the_previous_blob(storage: BlobStorage) -> None:
    await storage.write("blob", chunked(b"old contents"))
    with pytest.raises(PayloadTooLarge):
        await storage.write("blob", chunked(PAYLOAD), max_bytes=100)
    assert await read_all(storage, "blob") == b"old contents"
    assert files_on_disk(storage) in ([], ["blob"], ["media/blob"])


async def test_cancelled_write_leaves_nothing(storage: BlobStorage) -> None:
    started = anyio.Event()

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 5000
            started.set()
            await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as group:
        group.start_soon(storage.write, "blob", endless())
        await started.wait()
        await anyio.sleep(0.05)
        group.cancel_scope.cancel()
    assert await storage.stat("blob") is None
    assert files_on_disk(storage) == []


async def test_delete(storage: BlobStorage) -> None:
    await storage.write("blob", chunked(b"data"))
    assert await storage.delete("blob") is True
    assert await storage.delete("blob") is False
    assert await storage.stat("blob") is None
    with pytest.raises(BlobNotFound):
        await read_all(storage, "blob")


async def test_keys_by_prefix(storage: BlobStorage) -> None:
    for key in ("media/1", "media/2", "pdf/1"):
        await storage.write(key, chunked(b"x"))
    assert await listed(storage, "media/") == ["media/1", "media/2"]
    assert await listed(storage) == ["media/1", "media/2", "pdf/1"]


def bad_keys() -> Iterator[str]:
    yield from ["", "/etc/passwd", "../outside", "a/../../b", "a//b", ".hidden", "a/.part", "a\\b", "a/", "é", "a b"]
    # A trailing newline: `$` with `match` would have accepted these.
    yield from ["a\n", "media/2026/blob\n"]


@pytest.mark.parametrize("key", list(bad_keys()))
async def test_keys_that_could_escape_or_hide_are_refused(storage: BlobStorage, key: str) -> None:
    with pytest.raises(InvalidBlobKey):
        await storage.write(key, chunked(b"x"))
    with pytest.raises(InvalidBlobKey):
        await storage.stat(key)
    with pytest.raises(InvalidBlobKey):
        await storage.delete(key)
    with pytest.raises(InvalidBlobKey):
        await read_all(storage, key)
    with pytest.raises(InvalidBlobKey):
        await storage.read_small(key, lambda size: (0, size), max_bytes=10)


def files_under(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


async def test_filesystem_writes_in_the_media_folder_only(tmp_path: Path) -> None:
    storage = FilesystemBlobStorage(tmp_path / "media")
    await storage.write("2026/blob.bin", chunked(PAYLOAD))
    assert (tmp_path / "media" / "2026" / "blob.bin").read_bytes() == PAYLOAD
    assert files_under(tmp_path) == ["blob.bin"]


async def test_filesystem_files_are_private_to_the_service_user_and_group(tmp_path: Path) -> None:
    storage = FilesystemBlobStorage(tmp_path / "media")
    modes_while_writing: list[int] = []

    async def noting_the_temporary_file() -> AsyncIterator[bytes]:
        yield b"first block "
        [partial] = [p for p in (tmp_path / "media" / "notes").iterdir() if p.name.endswith(".part")]
        modes_while_writing.append(partial.stat().st_mode & 0o777)
        yield b"second block"

    await storage.write("notes/secret.ogg", noting_the_temporary_file())
    assert modes_while_writing == [0o600]
    assert (tmp_path / "media" / "notes" / "secret.ogg").stat().st_mode & 0o777 == 0o640


async def test_filesystem_refuses_a_symlinked_folder_leading_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "link").symlink_to(outside)
    storage = FilesystemBlobStorage(tmp_path / "media")
    with pytest.raises(InvalidBlobKey):
        await storage.write("link/blob", chunked(b"x"))
    assert list(outside.iterdir()) == []
    (outside / "blob").write_bytes(b"outside the media folder")
    with pytest.raises(InvalidBlobKey):
        await storage.read_small("link/blob", lambda size: (0, size), max_bytes=100)


async def test_filesystem_discards_abandoned_partial_writes(tmp_path: Path) -> None:
    storage = FilesystemBlobStorage(tmp_path / "media")
    await storage.write("kept", chunked(b"x"))
    stale = tmp_path / "media" / ".blob.abc.part"
    stale.write_bytes(b"half")
    fresh = tmp_path / "media" / ".other.def.part"
    fresh.write_bytes(b"in flight")
    old = datetime.now(UTC) - timedelta(hours=2)
    os.utime(stale, (old.timestamp(), old.timestamp()))
    assert await storage.discard_abandoned_writes(datetime.now(UTC) - timedelta(hours=1)) == 1
    assert not stale.exists() and fresh.exists()
    assert await listed(storage) == ["kept"]


async def test_s3_storage_that_cannot_be_reached_is_unavailable_not_an_error() -> None:
    # Nothing listens on port 9 (discard): every call fails fast as "file storage
    # unavailable" (503 + Retry-After at the API), after a few quick retries.
    storage = S3BlobStorage("media", endpoint_url="http://127.0.0.1:9", **TEST_CREDENTIALS)
    with pytest.raises(DependencyUnavailable) as unavailable:
        await storage.stat("blob")
    assert unavailable.value.dependency == "file storage"
    with pytest.raises(DependencyUnavailable):
        await storage.write("blob", chunked(b"data"))
    with pytest.raises(DependencyUnavailable):
        await read_all(storage, "blob")
    with pytest.raises(DependencyUnavailable):
        await listed(storage)
    with pytest.raises(DependencyUnavailable):
        await storage.delete("blob")
