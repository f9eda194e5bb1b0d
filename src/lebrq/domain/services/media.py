"""Media use cases: uploads, downloads' visibility, the gallery, audio notes, cleanup.

A file's bytes go to the BlobStorage port as they arrive (checked for type and size on
the way), and its record is written only after every file of the request is stored.
If anything fails, the blobs already stored for that request are deleted again, so a
refused or interrupted upload leaves neither a file nor a row."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.model.access import owner_or_admin
from lebrq.domain.model.audit import AuditAction
from lebrq.domain.model.blobs import StoredBlob
from lebrq.domain.model.errors import InvalidInput, NotFound, PayloadTooLarge
from lebrq.domain.model.media import (
    ACCEPTED_TYPES,
    MAX_ORIGINAL_NAME,
    MEDIA_KEY_PREFIX,
    IncomingFile,
    Media,
    MediaKind,
    NewMedia,
    SweepReport,
    UploadRules,
)
from lebrq.domain.model.media_types import TypeCheck
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.quotas import MediaUsage, Quotas
from lebrq.domain.services.audit import record
from lebrq.ports.blob_storage import BlobStorage
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Runs inside the transaction that records an upload, before the records are added:
# raising refuses the upload (its stored blobs are deleted again).
RecordCheck = Callable[[UnitOfWork, list[NewMedia]], Awaitable[None]]

logger = logging.getLogger("lebrq.media")

# How long a worker answers downloads of a public file from the record it read, without
# asking the database again (docs/media.md, "How fresh a download's record is").
PUBLIC_RECORD_TTL = timedelta(seconds=5)
PUBLIC_RECORD_CACHE_SIZE = 1000


class MediaService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        storage: BlobStorage,
        clock: Clock,
        max_bytes: Mapping[MediaKind, int],
        quotas: Quotas | None = None,
        public_record_ttl: timedelta = PUBLIC_RECORD_TTL,
    ) -> None:
        self._uow = uow
        self._storage = storage
        self._clock = clock
        self._max_bytes = dict(max_bytes)
        self._quotas = quotas or Quotas()
        # Public media records this worker read lately: id -> (record, when read). A record
        # never changes after its upload; it can only be deleted (delete_attached here,
        # which forgets it at once; elsewhere, which this worker notices within the TTL).
        self._public_ttl = public_record_ttl
        self._public: OrderedDict[int, tuple[Media, datetime]] = OrderedDict()

    def rules(self, kind: MediaKind, *, field: str = "file", min_files: int = 1, max_files: int = 1) -> UploadRules:
        return UploadRules(
            kind=kind,
            accepted=ACCEPTED_TYPES[kind],
            max_bytes=self._max_bytes[kind],
            field=field,
            min_files=min_files,
            max_files=max_files,
        )

    async def upload(
        self,
        rules: UploadRules,
        files: AsyncIterable[IncomingFile],
        *,
        owner_id: int,
        is_public: bool = True,
        booking_id: int | None = None,
        program_id: int | None = None,
        actor_id: int | None = None,
        before_record: RecordCheck | None = None,
    ) -> list[Media]:
        """Store every file of one request, then record them all in one transaction.
        `actor_id`: the admin uploading, recorded in the audit log (None: an upload by a
        user for themselves, which is not an admin change). `before_record` may refuse the files
        inside that transaction (quotas)."""
        stored: list[tuple[StoredBlob, str, str]] = []
        try:
            async for incoming in files:
                if len(stored) == rules.max_files:
                    raise InvalidInput(
                        f"at most {rules.max_files} file(s) may be sent in part {rules.field!r}", field=rules.field
                    )
                check = TypeCheck(rules.accepted, rules.field)
                blob = await self._storage.write(
                    self._new_key(), check.checked(incoming.chunks), max_bytes=rules.max_bytes
                )
                assert check.content_type is not None
                stored.append((blob, check.content_type, _clean_name(incoming.filename)))
            if len(stored) < rules.min_files:
                raise InvalidInput(
                    f"the multipart body needs at least {rules.min_files} file part(s) named {rules.field!r}",
                    field=rules.field,
                )
            now = self._clock.now()
            records = [
                NewMedia(
                    kind=rules.kind,
                    owner_id=owner_id,
                    content_type=content_type,
                    size=blob.size,
                    sha256=blob.sha256,
                    original_name=name,
                    storage_key=blob.key,
                    is_public=is_public,
                    created_at=now,
                    booking_id=booking_id,
                    program_id=program_id,
                )
                for blob, content_type, name in stored
            ]
            async with self._uow() as uow:
                if before_record is not None:
                    await before_record(uow, records)
                added = [await uow.media.add(new) for new in records]
                if actor_id is not None:
                    for media in added:
                        await record(
                            uow,
                            at=now,
                            actor_id=actor_id,
                            action=AuditAction.MEDIA_UPLOAD,
                            target_id=media.id,
                            details=_upload_details(media),
                        )
                await uow.commit()
            return added
        except BaseException:
            # Shielded: the blobs must go even when this request is being cancelled.
            await asyncio.shield(self._delete_blobs([blob.key for blob, _, _ in stored]))
            raise

    async def upload_audio_note(
        self, booking_id: int, files: AsyncIterable[IncomingFile], *, caller_id: int, caller_is_admin: bool
    ) -> Media:
        """A private note on a booking: its owner and admins may add and hear it, within
        the booking's audio-note quotas (count and total bytes). The quotas are checked
        before any byte is read, bound the file's size while it arrives, and are checked
        again under the booking's row lock when the note is recorded, so parallel uploads
        cannot together exceed them."""
        owner_id = await self.audio_note_owner(booking_id, caller_id=caller_id, caller_is_admin=caller_is_admin)
        rules = self.rules(MediaKind.AUDIO_NOTE)
        async with self._uow(read_only=True) as uow:
            usage = await uow.media.usage_of_booking(booking_id, MediaKind.AUDIO_NOTE)
        bytes_left = self._quotas.audio_note_bytes_left(usage)
        quota_binds = bytes_left is not None and bytes_left < rules.max_bytes
        if quota_binds:
            rules = msgspec.structs.replace(rules, max_bytes=bytes_left)

        async def within_quotas(uow: UnitOfWork, records: list[NewMedia]) -> None:
            await uow.bookings.get_for_update(booking_id)
            self._quotas.check_audio_notes(
                await uow.media.usage_of_booking(booking_id, MediaKind.AUDIO_NOTE),
                added=MediaUsage(count=len(records), bytes=sum(new.size for new in records)),
            )

        try:
            added = await self.upload(
                rules,
                files,
                owner_id=owner_id,
                is_public=False,
                booking_id=booking_id,
                actor_id=caller_id if caller_is_admin else None,
                before_record=within_quotas,
            )
        except PayloadTooLarge:
            if quota_binds:
                raise self._quotas.audio_note_bytes_exceeded() from None
            raise
        return added[0]

    async def audio_note_owner(self, booking_id: int, *, caller_id: int, caller_is_admin: bool) -> int:
        """The booking's owner, if the caller may see it (404 otherwise: no existence leak)."""
        async with self._uow(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or not owner_or_admin(booking.user_id, caller_id, caller_is_admin):
            raise NotFound(f"booking {booking_id} not found")
        return booking.user_id

    async def audio_notes(
        self, booking_id: int, page: PageRequest, *, caller_id: int, caller_is_admin: bool
    ) -> Page[Media]:
        await self.audio_note_owner(booking_id, caller_id=caller_id, caller_is_admin=caller_is_admin)
        async with self._uow(read_only=True) as uow:
            return await uow.media.list_for_booking(booking_id, MediaKind.AUDIO_NOTE, page)

    async def gallery(self, page: PageRequest) -> Page[Media]:
        async with self._uow(read_only=True) as uow:
            return await uow.media.list_gallery(page)

    async def visible(self, media_id: int, *, caller_id: int | None, caller_is_admin: bool) -> Media:
        """A media record the caller may download; private ones look absent to others.
        A public record may be up to `public_record_ttl` old (a player's range requests
        then cost no database round trip); a private one is read, and its owner checked,
        every time."""
        now = self._clock.now()
        cached = self._public.get(media_id)
        # (A record read "later than now" means the clock was set back: read it again.)
        if cached is not None and timedelta(0) <= now - cached[1] < self._public_ttl:
            return cached[0]
        async with self._uow(read_only=True) as uow:
            media = await uow.media.get(media_id)
        if media is None or not media.is_public:
            self._public.pop(media_id, None)
        elif self._public_ttl > timedelta(0):
            self._public[media_id] = (media, now)
            self._public.move_to_end(media_id)
            while len(self._public) > PUBLIC_RECORD_CACHE_SIZE:
                self._public.popitem(last=False)
        if media is None or not (media.is_public or owner_or_admin(media.owner_id, caller_id, caller_is_admin)):
            raise NotFound(f"file {media_id} not found")
        return media

    async def delete_attached(self, *, booking_id: int | None = None, program_id: int | None = None) -> int:
        """Delete the media of a booking or program being deleted (call it in the same
        request, after that deletion commits); returns how many went."""
        async with self._uow() as uow:
            removed = await uow.media.delete_attached(booking_id=booking_id, program_id=program_id)
            await uow.commit()
        for media in removed:
            self._public.pop(media.id, None)
        await self._delete_blobs([media.storage_key for media in removed])
        return len(removed)

    async def sweep(self, *, older_than: datetime) -> SweepReport:
        """Delete blobs no media row refers to (a crash between storing and recording)
        and leftovers of interrupted writes, last touched before `older_than`."""
        candidates: list[str] = []
        async for key in self._storage.keys(MEDIA_KEY_PREFIX):
            info = await self._storage.stat(key)
            if info is not None and info.modified_at < older_than:
                candidates.append(key)
        orphans: list[str] = []
        for start in range(0, len(candidates), 500):
            batch = candidates[start : start + 500]
            async with self._uow(read_only=True) as uow:
                known = await uow.media.existing_keys(batch)
            orphans.extend(key for key in batch if key not in known)
        await self._delete_blobs(orphans)
        abandoned = await self._storage.discard_abandoned_writes(older_than)
        return SweepReport(orphan_blobs=len(orphans), abandoned_writes=abandoned)

    def _new_key(self) -> str:
        return f"{MEDIA_KEY_PREFIX}{self._clock.now():%Y/%m}/{uuid.uuid4().hex}"

    async def _delete_blobs(self, keys: list[str]) -> None:
        for key in keys:
            try:
                await self._storage.delete(key)
            except Exception:
                # Logged and left: the media sweep removes what this could not.
                logger.exception("could not delete blob %s", key)


def _upload_details(media: Media) -> dict[str, object]:
    return {
        "kind": media.kind.value,
        "content_type": media.content_type,
        "size": media.size,
        "sha256": media.sha256,
        "original_name": media.original_name,
        "booking_id": media.booking_id,
        "program_id": media.program_id,
    }


def _clean_name(filename: str | None) -> str:
    """Only the last path segment of what the client called the file, printable, bounded."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:MAX_ORIGINAL_NAME]
