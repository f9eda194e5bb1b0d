"""Recognising a file's type from its first bytes; the Content-Type a client declares is
never trusted. Each signature names every type the bytes may honestly be served as (an
MP4 container may be a video or an M4A voice note), and the upload's kind picks the
first of those it accepts."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from lebrq.domain.model.errors import InvalidInput, UnsupportedMediaType

# Enough for every signature below, including WebM's DocType inside the EBML header.
SNIFF_BYTES = 64

JPEG, PNG, WEBP, GIF = "image/jpeg", "image/png", "image/webp", "image/gif"
MP4, QUICKTIME, WEBM = "video/mp4", "video/quicktime", "video/webm"
MP3, M4A, OGG, WAV, WEBM_AUDIO = "audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/webm"

# ISO base media file brands (the 4 bytes after "ftyp"): audio-only brands first.
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_QUICKTIME_BRANDS = {b"qt  "}
# Bare QuickTime files (no ftyp) start with one of these atoms.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(head: bytes) -> tuple[str, ...]:
    """Every media type the leading bytes are consistent with; () if none we serve."""
    if head.startswith(b"\xff\xd8\xff"):
        return (JPEG,)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return (PNG,)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return (GIF,)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return (WEBP,)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return (WAV,)
    if head.startswith(b"OggS"):
        return (OGG,)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML: WebM declares DocType "webm"; plain Matroska is not accepted.
        return (WEBM, WEBM_AUDIO) if b"webm" in head[:SNIFF_BYTES] else ()
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return (M4A,)
        if brand in _QUICKTIME_BRANDS:
            return (QUICKTIME,)
        return (MP4, M4A)
    if head[4:8] in _QUICKTIME_ATOMS:
        return (QUICKTIME,)
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return (MP3,)
    return ()


def _is_mpeg_audio_frame(head: bytes) -> bool:
    # 11 sync bits, then a version other than "reserved" and layer III (bits 01).
    return (
        len(head) >= 2
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and head[1] & 0x06 == 0x02
        and head[1] & 0x18 != 0x08
    )


class TypeCheck:
    """Passes a file's chunks through once its first bytes show an accepted type.

    Nothing is yielded before the check, so a refused file never reaches storage."""

    def __init__(self, accepted: tuple[str, ...], field: str = "file") -> None:
        self.accepted = accepted
        self.field = field
        self.content_type: str | None = None

    async def checked(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        head = b""
        source = aiter(chunks)
        async for chunk in source:
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
        self.content_type = self._decide(head)
        if head:
            yield head
        async for chunk in source:
            yield chunk

    def _decide(self, head: bytes) -> str:
        if not head:
            raise InvalidInput(f"the file in part {self.field!r} is empty", field=self.field)
        candidates = sniff(head)
        chosen = next((t for t in candidates if t in self.accepted), None)
        if chosen is None:
            seen = candidates[0] if candidates else "an unrecognised type"
            raise UnsupportedMediaType(
                f"the file is {seen}; accepted here: {', '.join(self.accepted)}",
                field=self.field,
                extra={"accepted": list(self.accepted)},
            )
        return chosen
