"""Test data for media: files whose first bytes carry a real type signature, multipart
bodies (whole, or generated on the fly for big uploads), and a look at what an upload
left behind in the media folder."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

# The leading bytes of each type, as real files begin (the rest is random padding).
SIGNATURES: dict[str, bytes] = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/gif": b"GIF89a\x01\x00\x01\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "video/mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41",
    "video/quicktime": b"\x00\x00\x00\x14ftypqt  \x20\x05\x03\x00qt  ",
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm",
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "audio/mp4": b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isom",
    "audio/ogg": b"OggS\x00\x02\x00\x00\x00\x00",
    "audio/wav": b"RIFF\x24\x08\x00\x00WAVEfmt ",
    "application/pdf": b"%PDF-1.7\n",
    "text/plain": b"just some text, no magic at all",
}


def sample_file(content_type: str, size: int = 2048) -> bytes:
    head = SIGNATURES[content_type]
    return head + os.urandom(max(0, size - len(head)))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Multipart:
    """A multipart/form-data body. `parts` are (field name, filename, declared type, bytes)."""

    def __init__(self, parts: list[tuple[str, str | None, str, bytes]], boundary: str | None = None) -> None:
        self.parts = parts
        self.boundary = boundary or f"lebrq-{uuid.uuid4().hex}"

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Content-Type": self.content_type, **extra}

    def body(self) -> bytes:
        out = bytearray()
        for name, filename, declared, data in self.parts:
            out += part_header(self.boundary, name, filename, declared) + data + b"\r\n"
        out += closing(self.boundary)
        return bytes(out)


def part_header(boundary: str, name: str, filename: str | None, declared: str) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {declared}\r\n\r\n".encode()


def closing(boundary: str) -> bytes:
    return f"--{boundary}--\r\n".encode()


def file_body(content_type: str, data: bytes, *, field: str = "file", filename: str = "upload.bin") -> Multipart:
    return Multipart([(field, filename, content_type, data)])


class GeneratedUpload:
    """A big single-file multipart body produced chunk by chunk (never held whole):
    a valid MP4 header followed by pseudo-random bytes, hashed as they are produced."""

    def __init__(self, size: int, *, chunk_size: int = 256 * 1024, field: str = "file") -> None:
        self.size = size
        self.chunk_size = chunk_size
        self.boundary = f"lebrq-{uuid.uuid4().hex}"
        self.field = field
        self.sha256 = hashlib.sha256()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def chunks(self) -> Iterator[bytes]:
        yield part_header(self.boundary, self.field, "big.mp4", "video/mp4")
        head = SIGNATURES["video/mp4"]
        self.sha256.update(head)
        yield head
        block = os.urandom(self.chunk_size)
        remaining = self.size - len(head)
        counter = 0
        while remaining > 0:
            # Vary each block cheaply so the stored file is not one repeated pattern.
            piece = counter.to_bytes(8, "little") + block[8 : min(self.chunk_size, remaining)]
            piece = piece[: min(self.chunk_size, remaining)]
            self.sha256.update(piece)
            remaining -= len(piece)
            counter += 1
            yield piece
        yield b"\r\n" + closing(self.boundary)


def files_under(folder: Path) -> list[str]:
    """Every file under `folder`, hidden temporaries included, relative and sorted."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
