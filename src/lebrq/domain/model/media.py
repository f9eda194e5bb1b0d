"""Media: uploaded posters, gallery images, videos and private audio notes; the
kinds, what each accepts, and the records kept for them."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import datetime

import msgspec

from lebrq.domain.model import media_types as types

MEDIA_KEY_PREFIX = "media/"
MAX_ORIGINAL_NAME = 255


class MediaKind(str, enum.Enum):
    POSTER = "poster"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO_NOTE = "audio_note"


ACCEPTED_TYPES: dict[MediaKind, tuple[str, ...]] = {
    MediaKind.POSTER: (types.JPEG, types.PNG, types.WEBP),
    MediaKind.IMAGE: (types.JPEG, types.PNG, types.WEBP, types.GIF),
    MediaKind.VIDEO: (types.MP4, types.WEBM, types.QUICKTIME),
    MediaKind.AUDIO_NOTE: (types.MP3, types.M4A, types.OGG, types.WAV, types.WEBM_AUDIO),
}


class NewMedia(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    kind: MediaKind
    owner_id: int
    content_type: str
    size: int
    sha256: str
    original_name: str
    storage_key: str
    is_public: bool
    created_at: datetime
    booking_id: int | None = None
    program_id: int | None = None


class Media(NewMedia, frozen=True, gc=False, kw_only=True):
    id: int


class UploadRules(msgspec.Struct, frozen=True, gc=False):
    """What one upload request may carry, in the multipart part named `field`."""

    kind: MediaKind
    accepted: tuple[str, ...]
    max_bytes: int
    field: str = "file"
    min_files: int = 1
    max_files: int = 1

    @property
    def max_total_bytes(self) -> int:
        return self.max_bytes * self.max_files


@dataclass(frozen=True)
class IncomingFile:
    """One file of an upload as it arrives: its bytes are read once, from `chunks`."""

    filename: str | None
    chunks: AsyncIterable[bytes]


class SweepReport(msgspec.Struct, frozen=True, gc=False):
    orphan_blobs: int
    abandoned_writes: int
