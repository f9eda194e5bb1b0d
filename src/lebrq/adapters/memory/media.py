from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.media import Media, MediaKind, NewMedia
from lebrq.domain.model.pagination import Page, PageRequest, newest_first, page_of_sorted
from lebrq.domain.model.quotas import MediaUsage


class MemoryMediaRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._media = store.table("media")

    async def add(self, new: NewMedia) -> Media:
        stored = Media(id=self._media.next_id(), **msgspec.structs.asdict(new))
        self._media[stored.id] = stored
        return stored

    async def get(self, media_id: int) -> Media | None:
        return self._media.get(media_id)

    async def usage_of_booking(self, booking_id: int, kind: MediaKind) -> MediaUsage:
        sizes = [m.size for m in self._media.values() if m.booking_id == booking_id and m.kind is kind]
        return MediaUsage(count=len(sizes), bytes=sum(sizes))

    async def list_gallery(self, page: PageRequest) -> Page[Media]:
        return self._page(
            page,
            lambda m: m.kind is MediaKind.IMAGE and m.is_public and m.booking_id is None and m.program_id is None,
        )

    async def list_for_booking(self, booking_id: int, kind: MediaKind, page: PageRequest) -> Page[Media]:
        return self._page(page, lambda m: m.booking_id == booking_id and m.kind is kind)

    async def delete_attached(self, *, booking_id: int | None, program_id: int | None) -> list[Media]:
        removed = [
            m
            for m in self._media.values()
            if (booking_id is not None and m.booking_id == booking_id)
            or (program_id is not None and m.program_id == program_id)
        ]
        for m in removed:
            del self._media[m.id]
        return removed

    async def existing_keys(self, storage_keys: Sequence[str]) -> set[str]:
        wanted = set(storage_keys)
        return {m.storage_key for m in self._media.values() if m.storage_key in wanted}

    def _page(self, page: PageRequest, keep: Callable[[Media], bool]) -> Page[Media]:
        return page_of_sorted((m for m in self._media.values() if keep(m)), page, newest_first)
