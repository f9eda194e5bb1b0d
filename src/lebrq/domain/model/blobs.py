"""What the domain knows about stored bytes: the rules for blob keys and what a write
or a stat reports. The bytes themselves live behind the `BlobStorage` port."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import msgspec

from lebrq.domain.model.errors import PayloadTooLarge

# One to eight path segments of safe characters; no segment may start with a dot, so
# "..", hidden files and the adapters' own temporary files can never be named by a key.
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
# Used with fullmatch: `$` with match would also accept a key ending in a newline.
_KEY = re.compile(rf"{_SEGMENT}(/{_SEGMENT}){{0,7}}")


class InvalidBlobKey(ValueError):
    """A key that could escape the storage folder or name something that is not a blob.
    Keys are made by the service, never taken from a client, so this is a programming error."""


def check_blob_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise InvalidBlobKey(f"not a valid blob key: {key!r}")
    return key


class StoredBlob(msgspec.Struct, frozen=True, gc=False):
    """What a completed write stored: `sha256` is lowercase hex of exactly those bytes."""

    key: str
    size: int
    sha256: str


class BlobInfo(msgspec.Struct, frozen=True, gc=False):
    size: int
    modified_at: datetime


# Given a blob's size, the bytes to read: (start, end exclusive), or None for none.
SpanChooser = Callable[[int], tuple[int, int] | None]


class BlobSlice(msgspec.Struct, frozen=True, gc=False):
    """What `BlobStorage.read_small` found: the blob's size and, when they were read,
    the bytes `start` <= i < `end` (`data` is None when they were not)."""

    size: int
    start: int = 0
    end: int = 0
    data: bytes | None = None


def chosen_span(span: SpanChooser, size: int, max_bytes: int) -> tuple[int, int] | None:
    """`span(size)` when it lies within the blob and holds at most `max_bytes`, else None
    (what `BlobStorage.read_small` reads)."""
    chosen = span(size)
    if chosen is None:
        return None
    start, end = chosen
    if not 0 <= start <= end <= size:
        raise ValueError(f"span {chosen} is not within a blob of {size} bytes")
    return chosen if end - start <= max_bytes else None


def check_byte_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"bad byte range start={start} end={end}")


class SizeLimit:
    """Counts bytes as they arrive and refuses the first one over `max_bytes` (None: no limit)."""

    __slots__ = ("max_bytes", "size")

    def __init__(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        self.size = 0

    def add(self, count: int) -> None:
        self.size += count
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise PayloadTooLarge(
                f"the file is larger than the limit of {self.max_bytes} bytes", extra={"max_bytes": self.max_bytes}
            )
