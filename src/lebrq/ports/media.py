"""Storage of media records (the bytes themselves live behind BlobStorage)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lebrq.domain.model.media import Media, MediaKind, NewMedia
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.quotas import MediaUsage


class MediaRepository(Protocol):
    async def add(self, media: NewMedia) -> Media: ...

    async def get(self, media_id: int) -> Media | None: ...

    async def list_gallery(self, page: PageRequest) -> Page[Media]:
        """Public images not attached to a booking or program, newest first."""
        ...

    async def list_for_booking(self, booking_id: int, kind: MediaKind, page: PageRequest) -> Page[Media]: ...

    async def usage_of_booking(self, booking_id: int, kind: MediaKind) -> MediaUsage:
        """How many records of that kind the booking has, and their total size."""
        ...

    async def delete_attached(self, *, booking_id: int | None, program_id: int | None) -> list[Media]:
        """Delete and return the records attached to that booking or program."""
        ...

    async def existing_keys(self, storage_keys: Sequence[str]) -> set[str]:
        """Which of these storage keys some record refers to."""
        ...
