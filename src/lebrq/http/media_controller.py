"""Media routes: admin uploads, booking audio notes, the public gallery and file downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, head, post
from litestar.di import NamedDependency, Provide

from lebrq.domain.model.media import Media, MediaKind
from lebrq.domain.model.pagination import PageRequest
from lebrq.http.contract import ResourceId, Upload, declare
from lebrq.http.downloads import BlobDownload, blob_response, strong_etag
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import AuthUser, admin_only, optional_user
from lebrq.http.services import Services
from lebrq.http.uploads import incoming_files

# Public files change never (a new upload gets a new id), so caches may keep them a day.
PUBLIC_CACHE_CONTROL = "public, max-age=86400"
PRIVATE_CACHE_CONTROL = "private, no-cache"
_UPLOAD = declare(upload=Upload("file"))
# Public files need no token; private ones (audio notes) are served to their owner's token.
_DOWNLOAD = declare(download=True, optional_token=True)


class MediaOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    kind: MediaKind
    content_type: str
    size: int
    sha256: str
    url: str
    original_name: str
    created_at: datetime

    @classmethod
    def of(cls, media: Media) -> MediaOut:
        return cls(
            id=media.id,
            kind=media.kind,
            content_type=media.content_type,
            size=media.size,
            sha256=media.sha256,
            url=file_url(media.id),
            original_name=media.original_name,
            created_at=media.created_at,
        )


def file_url(media_id: int) -> str:
    return f"/api/files/{media_id}"


async def upload_one(
    request: Request[AuthUser, Any, Any], services: Services, kind: MediaKind, **attach: Any
) -> MediaOut:
    """One file in part `file` of `kind`, uploaded by an admin (audited) and owned by them; `attach` passes
    `program_id=` or `is_public=` through to the media service."""
    rules = services.media.rules(kind)
    added = await services.media.upload(
        rules, incoming_files(request, rules), owner_id=request.user.id, actor_id=request.user.id, **attach
    )
    return MediaOut.of(added[0])


class UploadsController(Controller):
    path = "/api/uploads"
    tags = ["media"]
    guards = [admin_only]

    @post("/poster", status_code=201, request_max_body_size=None, operation_id="uploadPoster", opt=_UPLOAD)
    async def poster(self, request: Request[AuthUser, Any, Any], services: NamedDependency[Services]) -> MediaOut:
        """A poster (JPEG, PNG or WebP) in multipart part `file`."""
        return await upload_one(request, services, MediaKind.POSTER)

    @post("/image", status_code=201, request_max_body_size=None, operation_id="uploadImage", opt=_UPLOAD)
    async def image(self, request: Request[AuthUser, Any, Any], services: NamedDependency[Services]) -> MediaOut:
        """A gallery image (JPEG, PNG, WebP or GIF) in multipart part `file`; listed by /api/gallery."""
        return await upload_one(request, services, MediaKind.IMAGE)

    @post("/video", status_code=201, request_max_body_size=None, operation_id="uploadVideo", opt=_UPLOAD)
    async def video(self, request: Request[AuthUser, Any, Any], services: NamedDependency[Services]) -> MediaOut:
        """A video (MP4, WebM or QuickTime) in multipart part `file`."""
        return await upload_one(request, services, MediaKind.VIDEO)


class AudioNotesController(Controller):
    path = "/api/bookings/{booking_id:int}/audio-notes"
    tags = ["media", "bookings"]

    @post(
        "/",
        status_code=201,
        request_max_body_size=None,
        operation_id="addAudioNote",
        description="409 beyond the booking's audio-note quotas: QUOTA_AUDIO_NOTES_PER_BOOKING notes (default 10; "
        '`extra.quota` `"audio_notes_per_booking"`) or QUOTA_AUDIO_NOTE_MB_PER_BOOKING MiB in all (default 100; '
        '`"audio_note_bytes_per_booking"`, also while the file arrives); `extra.limit` gives the limit.',
        opt=declare(upload=Upload("file"), errors=(409,)),
    )
    async def add(
        self,
        booking_id: ResourceId,
        request: Request[AuthUser, Any, Any],
        services: NamedDependency[Services],
    ) -> MediaOut:
        """A private audio note (MP3, M4A, OGG, WAV or WebM) on the caller's booking,
        in multipart part `file`; admins may add one to any booking."""
        rules = services.media.rules(MediaKind.AUDIO_NOTE)
        media = await services.media.upload_audio_note(
            booking_id, incoming_files(request, rules), caller_id=request.user.id, caller_is_admin=request.user.is_admin
        )
        return MediaOut.of(media)

    @get(
        "/",
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        operation_id="listAudioNotes",
    )
    async def list(
        self,
        booking_id: ResourceId,
        request: Request[AuthUser, Any, Any],
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[MediaOut]:
        found = await services.media.audio_notes(
            booking_id, page_request, caller_id=request.user.id, caller_is_admin=request.user.is_admin
        )
        return paginated(found, MediaOut.of)


class GalleryController(Controller):
    path = "/api/gallery"
    tags = ["media"]

    @get(
        "/",
        exclude_from_auth=True,
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        operation_id="listGallery",
    )
    async def list(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[MediaOut]:
        """Public images uploaded through /api/uploads/image, newest first."""
        return paginated(await services.media.gallery(page_request), MediaOut.of)


class FilesController(Controller):
    path = "/api/files"
    tags = ["media"]

    @get("/{media_id:int}", exclude_from_auth=True, operation_id="downloadFile", opt=_DOWNLOAD)
    async def download(
        self, media_id: ResourceId, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[Any]:
        """The stored bytes, with Range (one range), ETag and conditional requests."""
        return await _serve(media_id, request, services)

    @head("/{media_id:int}", exclude_from_auth=True, operation_id="headFile", opt=_DOWNLOAD)
    async def download_head(
        self, media_id: ResourceId, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[None]:
        """The headers GET would send, without the body."""
        return await _serve(media_id, request, services)


async def _serve(media_id: int, request: Request[Any, Any, Any], services: Services) -> Response[Any]:
    caller = await optional_user(request)
    media = await services.media.visible(
        media_id, caller_id=caller.id if caller else None, caller_is_admin=caller.is_admin if caller else False
    )
    download = BlobDownload(
        key=media.storage_key,
        content_type=media.content_type,
        etag=strong_etag(media.sha256),
        last_modified=media.created_at,
        cache_control=PUBLIC_CACHE_CONTROL if media.is_public else PRIVATE_CACHE_CONTROL,
        filename=media.original_name or None,
    )
    return await blob_response(request, services.blob_storage, download)


MEDIA_CONTROLLERS = [UploadsController, AudioNotesController, GalleryController, FilesController]
