"""Media use cases on in-memory adapters: what is stored, what is refused, and that a
refusal or failure at any point leaves no blob and no record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from lebrq.adapters.storage.memory import MemoryBlobStorage
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from lebrq.domain.model.media import IncomingFile, Media, MediaKind
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.users import Role
from lebrq.domain.services.media import PUBLIC_RECORD_TTL, MediaService
from tests.support.booking_factories import NOW, NewMediaFactory, NewUserFactory
from tests.support.media import sample_file, sha256_hex

pytestmark = pytest.mark.anyio
LIMITS = {MediaKind.POSTER: 10_000, MediaKind.IMAGE: 10_000, MediaKind.VIDEO: 50_000, MediaKind.AUDIO_NOTE: 10_000}


class BrokenMediaRecords:
    async def add(self, new: object) -> Media:
        raise ConnectionError("database went away")


class BrokenDatabase(MemoryUnitOfWorkFactory):
    def __call__(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        uow = super().__call__(read_only=read_only)
        uow.media = BrokenMediaRecords()  # type: ignore[assignment]
        return uow


@pytest.fixture
def storage() -> MemoryBlobStorage:
    return MemoryBlobStorage()


@pytest.fixture
def uow() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def service(uow: MemoryUnitOfWorkFactory, storage: MemoryBlobStorage, clock: FixedClock) -> MediaService:
    return MediaService(uow=uow, storage=storage, clock=clock, max_bytes=LIMITS)


async def incoming(*files: bytes, name: str = "photo.png") -> AsyncIterator[IncomingFile]:
    for data in files:
        yield IncomingFile(filename=name, chunks=_chunked(data))


async def _chunked(data: bytes) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), 1000):
        yield data[offset : offset + 1000]


async def records(uow: MemoryUnitOfWorkFactory) -> list[Media]:
    return list(uow.store.table("media").values())


async def test_upload_stores_the_bytes_and_records_them(
    service: MediaService, storage: MemoryBlobStorage, uow: MemoryUnitOfWorkFactory
) -> None:
    data = sample_file("image/png", 5000)
    [media] = await service.upload(
        service.rules(MediaKind.IMAGE), incoming(data, name="C:\\Users\\me\\photo.png"), owner_id=7
    )
    assert (media.kind, media.owner_id, media.content_type, media.size, media.sha256) == (
        MediaKind.IMAGE,
        7,
        "image/png",
        5000,
        sha256_hex(data),
    )
    assert media.original_name == "photo.png" and media.is_public and media.created_at == NOW
    assert storage.blobs[media.storage_key][0] == data
    assert await records(uow) == [media]


async def test_program_images_take_one_to_ten_files(service: MediaService, storage: MemoryBlobStorage) -> None:
    rules = service.rules(MediaKind.IMAGE, field="files", max_files=10)
    added = await service.upload(rules, incoming(*[sample_file("image/jpeg")] * 10), owner_id=1, program_id=3)
    assert len(added) == 10 and all(m.program_id == 3 for m in added)
    assert len(storage.blobs) == 10


async def test_an_eleventh_file_refuses_the_whole_upload(
    service: MediaService, storage: MemoryBlobStorage, uow: MemoryUnitOfWorkFactory
) -> None:
    rules = service.rules(MediaKind.IMAGE, field="files", max_files=10)
    with pytest.raises(InvalidInput) as refused:
        await service.upload(rules, incoming(*[sample_file("image/jpeg")] * 11), owner_id=1)
    assert refused.value.field == "files"
    assert storage.blobs == {} and await records(uow) == []


async def test_no_file_is_invalid(service: MediaService) -> None:
    with pytest.raises(InvalidInput, match="at least 1 file"):
        await service.upload(service.rules(MediaKind.POSTER), incoming(), owner_id=1)


@pytest.mark.parametrize(
    ("third", "error"),
    [
        (sample_file("video/mp4"), UnsupportedMediaType),
        (sample_file("image/png", 10_001), PayloadTooLarge),
        (b"", InvalidInput),
    ],
)
async def test_a_bad_later_file_removes_the_earlier_ones(
    service: MediaService,
    storage: MemoryBlobStorage,
    uow: MemoryUnitOfWorkFactory,
    third: bytes,
    error: type[Exception],
) -> None:
    rules = service.rules(MediaKind.IMAGE, field="files", max_files=10)
    with pytest.raises(error):
        await service.upload(rules, incoming(sample_file("image/png"), sample_file("image/gif"), third), owner_id=1)
    assert storage.blobs == {} and await records(uow) == []


async def test_a_database_failure_removes_the_stored_blobs(storage: MemoryBlobStorage, clock: FixedClock) -> None:
    service = MediaService(uow=BrokenDatabase(), storage=storage, clock=clock, max_bytes=LIMITS)
    with pytest.raises(ConnectionError):
        await service.upload(service.rules(MediaKind.POSTER), incoming(sample_file("image/png")), owner_id=1)
    assert storage.blobs == {}


async def test_private_media_is_visible_to_owner_and_admins_only(service: MediaService) -> None:
    [note] = await service.upload(
        service.rules(MediaKind.AUDIO_NOTE),
        incoming(sample_file("audio/ogg")),
        owner_id=5,
        is_public=False,
        booking_id=9,
    )
    assert await service.visible(note.id, caller_id=5, caller_is_admin=False) == note
    assert await service.visible(note.id, caller_id=1, caller_is_admin=True) == note
    for caller in (None, 6):
        with pytest.raises(NotFound):
            await service.visible(note.id, caller_id=caller, caller_is_admin=False)
    with pytest.raises(NotFound):
        await service.visible(12345, caller_id=None, caller_is_admin=True)


async def recorded(uow: MemoryUnitOfWorkFactory, **fields: object) -> Media:
    async with uow() as tx:
        media = await tx.media.add(NewMediaFactory.build(**fields))
        await tx.commit()
    return media


def changed_by_another_worker(uow: MemoryUnitOfWorkFactory, media: Media, **fields: object) -> None:
    """The record changed (or, with no fields, deleted) behind this service's back."""
    table = uow.store.table("media")
    if fields:
        table[media.id] = msgspec.structs.replace(media, **fields)
    else:
        del table[media.id]


# The record window has passed; or the clock was set back, which must not stretch it.
@pytest.mark.parametrize("later", [PUBLIC_RECORD_TTL, -timedelta(hours=1)], ids=["window passed", "clock set back"])
async def test_a_deleted_public_file_is_refused_once_the_record_window_has_passed(
    service: MediaService, uow: MemoryUnitOfWorkFactory, clock: FixedClock, later: timedelta
) -> None:
    media = await recorded(uow, is_public=True)
    assert await service.visible(media.id, caller_id=None, caller_is_admin=False) == media
    changed_by_another_worker(uow, media)
    clock.advance(seconds=later.total_seconds())
    with pytest.raises(NotFound):
        await service.visible(media.id, caller_id=None, caller_is_admin=False)


async def test_a_public_file_made_private_is_refused_to_others_once_the_window_has_passed(
    service: MediaService, uow: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    media = await recorded(uow, is_public=True, owner_id=5)
    assert await service.visible(media.id, caller_id=None, caller_is_admin=False) == media
    changed_by_another_worker(uow, media, is_public=False)
    clock.advance(seconds=PUBLIC_RECORD_TTL.total_seconds())
    for caller in (None, 6):
        with pytest.raises(NotFound):
            await service.visible(media.id, caller_id=caller, caller_is_admin=False)
    assert (await service.visible(media.id, caller_id=5, caller_is_admin=False)).is_public is False


async def test_private_files_are_checked_on_every_request(service: MediaService, uow: MemoryUnitOfWorkFactory) -> None:
    note = await recorded(uow, kind=MediaKind.AUDIO_NOTE, content_type="audio/ogg", is_public=False, owner_id=5)
    assert await service.visible(note.id, caller_id=5, caller_is_admin=False) == note
    with pytest.raises(NotFound):
        await service.visible(note.id, caller_id=6, caller_is_admin=False)
    changed_by_another_worker(uow, note)
    # No clock movement: a private record is read again, so its deletion shows at once.
    with pytest.raises(NotFound):
        await service.visible(note.id, caller_id=5, caller_is_admin=False)


async def test_a_file_deleted_through_this_service_is_refused_at_once(
    service: MediaService, uow: MemoryUnitOfWorkFactory
) -> None:
    [media] = await service.upload(
        service.rules(MediaKind.IMAGE), incoming(sample_file("image/png")), owner_id=1, program_id=4
    )
    assert await service.visible(media.id, caller_id=None, caller_is_admin=False) == media
    assert await service.delete_attached(program_id=4) == 1
    with pytest.raises(NotFound):
        await service.visible(media.id, caller_id=None, caller_is_admin=False)


async def test_without_a_record_window_every_download_reads_the_record(
    storage: MemoryBlobStorage, uow: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    service = MediaService(uow=uow, storage=storage, clock=clock, max_bytes=LIMITS, public_record_ttl=timedelta(0))
    media = await recorded(uow, is_public=True)
    assert await service.visible(media.id, caller_id=None, caller_is_admin=False) == media
    changed_by_another_worker(uow, media)
    with pytest.raises(NotFound):
        await service.visible(media.id, caller_id=None, caller_is_admin=False)


async def test_audio_notes_need_a_booking_the_caller_may_see(
    service: MediaService, uow: MemoryUnitOfWorkFactory
) -> None:
    async with uow() as tx:
        owner = await tx.users.add(NewUserFactory.build(role=Role.USER))
        await tx.commit()
    with pytest.raises(NotFound):
        await service.upload_audio_note(
            404, incoming(sample_file("audio/wav")), caller_id=owner.id, caller_is_admin=True
        )
    with pytest.raises(NotFound):
        await service.audio_notes(404, PageRequest(), caller_id=owner.id, caller_is_admin=False)


async def test_gallery_lists_only_public_unattached_images(service: MediaService) -> None:
    [image] = await service.upload(service.rules(MediaKind.IMAGE), incoming(sample_file("image/png")), owner_id=1)
    await service.upload(service.rules(MediaKind.IMAGE), incoming(sample_file("image/png")), owner_id=1, program_id=2)
    await service.upload(service.rules(MediaKind.POSTER), incoming(sample_file("image/png")), owner_id=1)
    page = await service.gallery(PageRequest())
    assert page.items == [image] and page.total == 1


async def test_delete_attached_removes_records_and_blobs(
    service: MediaService, storage: MemoryBlobStorage, uow: MemoryUnitOfWorkFactory
) -> None:
    [kept] = await service.upload(service.rules(MediaKind.IMAGE), incoming(sample_file("image/png")), owner_id=1)
    await service.upload(
        service.rules(MediaKind.IMAGE, max_files=2),
        incoming(sample_file("image/png"), sample_file("image/png")),
        owner_id=1,
        program_id=4,
    )
    assert await service.delete_attached(program_id=4) == 2
    assert await records(uow) == [kept]
    assert list(storage.blobs) == [kept.storage_key]


async def test_sweep_removes_old_blobs_without_records_only(service: MediaService, storage: MemoryBlobStorage) -> None:
    [recorded] = await service.upload(service.rules(MediaKind.IMAGE), incoming(sample_file("image/png")), owner_id=1)
    stale_data = (b"left by a crash", NOW - timedelta(days=2))
    storage.blobs["media/2026/11/orphan"] = stale_data
    storage.blobs["media/2026/12/fresh-orphan"] = (b"upload in progress", NOW)
    storage.blobs["pdf/invoice-1"] = stale_data  # not media: never touched
    stale = {
        key: (data, NOW - timedelta(days=2)) for key, (data, _) in storage.blobs.items() if key == recorded.storage_key
    }
    storage.blobs.update(stale)
    report = await service.sweep(older_than=NOW - timedelta(days=1))
    assert report.orphan_blobs == 1
    assert sorted(storage.blobs) == sorted([recorded.storage_key, "media/2026/12/fresh-orphan", "pdf/invoice-1"])
