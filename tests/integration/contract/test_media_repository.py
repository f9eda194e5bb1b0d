"""The media repository contract, on memory, SQLite and MariaDB."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.domain.model.media import MediaKind, NewMedia
from lebrq.domain.model.pagination import PageRequest
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.booking_factories import NOW, NewUserFactory

pytestmark = pytest.mark.anyio


class NewMediaFactory(MsgspecFactory[NewMedia]):
    kind = MediaKind.IMAGE
    content_type = "image/png"
    size = Use(lambda: MsgspecFactory.__random__.randint(1, 10**10))  # beyond 32 bits
    sha256 = Use(lambda: uuid.uuid4().hex * 2)
    original_name = Use(lambda: MsgspecFactory.__faker__.file_name(extension="png") + " ✓")
    storage_key = Use(lambda: f"media/2026/12/{uuid.uuid4().hex}")
    is_public = True
    created_at = NOW
    booking_id = None
    program_id = None


async def owner(contract_uow: UnitOfWorkFactory) -> int:
    async with contract_uow() as uow:
        user = await uow.users.add(NewUserFactory.build())
        await uow.commit()
    return user.id


async def test_add_and_get_round_trip(contract_uow: UnitOfWorkFactory) -> None:
    new = NewMediaFactory.build(
        owner_id=await owner(contract_uow), kind=MediaKind.AUDIO_NOTE, is_public=False, booking_id=12
    )
    async with contract_uow() as uow:
        added = await uow.media.add(new)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.media.get(added.id) == added
        assert await uow.media.get(added.id + 1000) is None
    assert (added.kind, added.size, added.is_public, added.booking_id) == (MediaKind.AUDIO_NOTE, new.size, False, 12)


async def test_uncommitted_records_vanish(contract_uow: UnitOfWorkFactory) -> None:
    new = NewMediaFactory.build(owner_id=await owner(contract_uow))
    async with contract_uow() as uow:
        added = await uow.media.add(new)
    async with contract_uow(read_only=True) as uow:
        assert await uow.media.get(added.id) is None
        assert await uow.media.existing_keys([new.storage_key]) == set()


async def test_gallery_is_public_unattached_images_newest_first(contract_uow: UnitOfWorkFactory) -> None:
    user = await owner(contract_uow)
    async with contract_uow() as uow:
        shown = [
            await uow.media.add(NewMediaFactory.build(owner_id=user, created_at=NOW + timedelta(minutes=i)))
            for i in range(3)
        ]
        same_time = await uow.media.add(NewMediaFactory.build(owner_id=user, created_at=NOW + timedelta(minutes=2)))
        for hidden in (
            NewMediaFactory.build(owner_id=user, kind=MediaKind.POSTER),
            NewMediaFactory.build(owner_id=user, is_public=False),
            NewMediaFactory.build(owner_id=user, program_id=3),
            NewMediaFactory.build(owner_id=user, booking_id=4),
        ):
            await uow.media.add(hidden)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        first = await uow.media.list_gallery(PageRequest(page=1, page_size=3))
        second = await uow.media.list_gallery(PageRequest(page=2, page_size=3))
    # Newest first; equal times: higher id first.
    assert [m.id for m in first.items + second.items] == [same_time.id, shown[2].id, shown[1].id, shown[0].id]
    assert first.total == 4


async def test_booking_notes_and_delete_attached(contract_uow: UnitOfWorkFactory) -> None:
    user = await owner(contract_uow)
    async with contract_uow() as uow:
        notes = [
            await uow.media.add(
                NewMediaFactory.build(
                    owner_id=user, kind=MediaKind.AUDIO_NOTE, booking_id=8, created_at=NOW + timedelta(seconds=i)
                )
            )
            for i in range(2)
        ]
        other = await uow.media.add(NewMediaFactory.build(owner_id=user, kind=MediaKind.AUDIO_NOTE, booking_id=9))
        program = await uow.media.add(NewMediaFactory.build(owner_id=user, program_id=8))
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        page = await uow.media.list_for_booking(8, MediaKind.AUDIO_NOTE, PageRequest())
        assert [m.id for m in page.items] == [notes[1].id, notes[0].id] and page.total == 2
        assert (await uow.media.list_for_booking(8, MediaKind.IMAGE, PageRequest())).total == 0
    async with contract_uow() as uow:
        removed = await uow.media.delete_attached(booking_id=8, program_id=None)
        await uow.commit()
    assert sorted(m.id for m in removed) == sorted(m.id for m in notes)
    async with contract_uow(read_only=True) as uow:
        assert await uow.media.get(notes[0].id) is None
        assert await uow.media.get(other.id) == other and await uow.media.get(program.id) == program
        assert await uow.media.existing_keys(
            [other.storage_key, program.storage_key, notes[0].storage_key, "media/x"]
        ) == {
            other.storage_key,
            program.storage_key,
        }
        assert await uow.media.existing_keys([]) == set()
